import { z } from 'zod';
import { durationSchema } from './core/duration.js';
import { UsageError } from './core/errors.js';
import { firstIssue } from './dsl/issues.js';

/**
 * Every environment variable Ferry reads, declared once: its zod type (with the default, if any) and what it is for.
 * Adding one is one line here; the README's table must list it (test/architecture/settings.test.ts checks both, and that
 * nothing outside this module and bin/ reads `process.env`). Start-up code validates them all with `readEnv()` and
 * passes what it read on; libraries take options and fall back to `envValue(name)`.
 */
// Variables their readers validate themselves (ports, URLs of optional integrations) are plain text here, so a
// start-up never fails on a variable the command does not use.
const url = () => z.string().url('expected a URL, e.g. http://127.0.0.1:8080');
const text = () => z.string().min(1);
const settings = {
  TEMPORAL_ADDRESS: [z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port, e.g. localhost:7233').optional(), 'Temporal frontend `host:port`; unset: a dev server Ferry starts'],
  TEMPORAL_NAMESPACE: [text().default('default'), 'namespace (default `default`)'],
  TEMPORAL_TLS_CA: [text().optional(), "PEM file of the CA that signed the Temporal frontend's certificate; set with TEMPORAL_TLS_CERT/KEY for mTLS (every Ferry connection to Temporal); unset with all TEMPORAL_TLS_*: plaintext"],
  TEMPORAL_TLS_CERT: [text().optional(), "PEM file of this process's client certificate for the frontend's mTLS (`requireClientAuth`); needs TEMPORAL_TLS_KEY"],
  TEMPORAL_TLS_KEY: [text().optional(), 'PEM file of the private key of TEMPORAL_TLS_CERT'],
  TEMPORAL_TLS_SERVER_NAME: [text().optional(), "the name the frontend's certificate is checked against; default the host of TEMPORAL_ADDRESS"],
  TEMPORAL_CLI: [text().optional(), 'path to a `temporal` binary; default PATH, then `~/.cache/ferry/temporal/v1.5.1`'],
  DATABASE_URL: [z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(), '`postgres://` URL; unset: embedded PGlite under `FERRY_HOME`'],
  FERRY_HOME: [text().default('.ferry'), 'local state: dev data, artifacts, workspaces (default `.ferry`)'],
  FERRY_TOKEN: [text().optional(), 'your user token for mutating commands'],
  FERRY_TASK_QUEUE: [text().default('ferry'), "task queue of Ferry's own workflows and activities (default `ferry`)"],
  FERRY_SERVE_URL: [url().optional(), "the model server the `local` deployment target drives; default the one `ferry dev` starts"],
  FERRY_WEBHOOK_SECRET: [text().optional(), 'shared HMAC secret; the fallback of the three secrets below'],
  FERRY_PUSH_SECRET: [text().optional(), 'secret of the GitHub push webhook (`ferry webhook`, X-Hub-Signature-256); pipelines with `on.push` start on matching branches; default `FERRY_WEBHOOK_SECRET`'],
  FERRY_PUSH_REPOSITORY: [text().optional(), "`owner/name` whose pushes `ferry webhook` accepts (others: 403); default the project's `origin` remote"],
  FERRY_ALERT_SECRET: [text().optional(), 'signs outgoing alert webhooks (X-Ferry-Signature); default FERRY_WEBHOOK_SECRET'],
  FERRY_DEPLOY_SECRET: [text().optional(), 'signs outgoing calls of the webhook deployment target; default FERRY_WEBHOOK_SECRET'],
  FERRY_MLFLOW_WEBHOOK_SECRET: [text().optional(), 'secret of MLflow registry webhooks (`ferry webhook`, POST /hooks/mlflow, X-MLflow-Signature); pipelines with `on.mlflow` start on matching events; unset: off'],
  FERRY_AUDIT_SECRET: [z.string().min(16, 'expected at least 16 characters (e.g. openssl rand -hex 32)').optional(), "HMAC key (16+ characters) of the audit log's per-record MACs, the same for every process of a deployment; unset: generated into `$FERRY_HOME/audit-key` (0600)"],
  FERRY_LOG_LEVEL: [text().optional(), 'log level: trace, debug, info, warn, error, fatal or silent (default warn; the CLI uses error)'],
  FERRY_LOG_FORMAT: [text().optional(), 'log format, pretty or json; default pretty on a terminal, json otherwise'],
  FERRY_CACHE: [text().optional(), 'cache of provisioned tools and Python venvs; default ~/.cache/ferry'],
  XDG_CACHE_HOME: [text().optional(), 'base of the default cache directory (~/.cache)'],
  FERRY_CONFIG_DIR: [text().optional(), "directory of the person's signing key; default $XDG_CONFIG_HOME/ferry or ~/.config/ferry"],
  FERRY_STEP_USER: [text().optional(), "run command steps as this unprivileged OS user (the worker runs as root), isolated from the worker's files and memory; required by `ferry worker` when TEMPORAL_ADDRESS is set; unset: the worker's own user"],
  FERRY_STEP_ISOLATION: [z.enum(['none']).optional(), '`none`: let `ferry worker` on a Temporal cluster start without FERRY_STEP_USER, its steps running as its own user (warned at start); unset: FERRY_STEP_USER is required there'],
  XDG_CONFIG_HOME: [text().optional(), 'base of the default config directory (~/.config)'],
  USER: [text().optional(), 'login name, for the local identity of `ferry dev`'],
  SLACK_BOT_TOKEN: [z.string().optional(), 'Slack approvals and alerts: the app runs inside `ferry dev` (port `FERRY_SLACK_PORT`) or alone with `ferry slack`; map people with `ferry users add … --slack-id U…`'],
  SLACK_SIGNING_SECRET: [z.string().optional(), "Slack app's signing secret (HTTP mode)"],
  SLACK_APP_TOKEN: [z.string().optional(), 'Slack app-level token (Socket Mode)'],
  SLACK_API_URL: [url().optional(), "base URL of Slack's Web API (tests point it at a local server)"],
  FERRY_SLACK_CHANNEL: [text().optional(), 'where workers post approval requests (reminders and escalations go to the thread)'],
  FERRY_SLACK_PORT: [text().optional(), 'port of the Slack app that `ferry dev` runs; default a free one'],
  FERRY_TEMPORAL_UI_URL: [text().optional(), 'Temporal Web UI, linked from Slack messages'],
  FERRY_ALERT_WEBHOOK_URL: [text().optional(), 'alerts are POSTed here (signed with FERRY_ALERT_SECRET)'],
  FERRY_ALERT_SLACK_CHANNEL: [text().optional(), 'alerts are posted to this Slack channel'],
  FERRY_METRICS_PORT: [text().optional(), 'port of the Prometheus /metrics endpoint of workers and servers; `ferry dev` default 9464 (0: a free port)'],
  FERRY_TEMPORAL_PORT: [text().optional(), 'port of the Temporal dev server `ferry dev` starts (default 7233; 0: a free port); a port that is taken stops it with one line naming the variable'],
  FERRY_TEMPORAL_UI_PORT: [text().optional(), 'port of its Web UI (default 8233; 0: a free port)'],
  FERRY_SERVE_PORT: [text().optional(), 'port of the model server `ferry dev` starts (default 8080; 0: a free port)'],
  FERRY_METRICS_HOST: [text().optional(), 'host the /metrics endpoint binds; default 127.0.0.1'],
  OTEL_EXPORTER_OTLP_ENDPOINT: [text().optional(), 'send OpenTelemetry traces there (`/v1/traces` is appended)'],
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: [text().optional(), 'OTLP/HTTP traces endpoint, used as is'],
  OTEL_SERVICE_NAME: [text().optional(), 'service name on exported spans'],
  FERRY_DEPLOY_WEBHOOK_URL: [text().optional(), 'the webhook deployment target POSTs deploys here'],
  FERRY_KUBECONFIG: [text().optional(), 'kubeconfig file of the kubernetes target; default KUBECONFIG, ~/.kube/config or in-cluster'],
  FERRY_KUBE_CONTEXT: [text().optional(), 'kubeconfig context of the kubernetes target; default its current context'],
  FERRY_KUBE_NAMESPACE: [text().optional(), 'namespace of the kubernetes target; default default'],
  FERRY_SERVE_IMAGE: [text().optional(), 'container image of the kubernetes target (Ferry serving image)'],
  FERRY_KSERVE_MODEL_FORMAT: [text().optional(), 'KServe model format of the kubernetes target'],
  FERRY_SAGEMAKER_REGION: [text().optional(), 'AWS region of the sagemaker target and its Model Package Groups; default AWS_REGION'],
  FERRY_SAGEMAKER_ENDPOINT_URL: [url().optional(), "SageMaker API endpoint override (moto's server mode, a VPC endpoint); unset: the region's"],
  FERRY_SAGEMAKER_ROLE_ARN: [text().optional(), 'execution role ARN the sagemaker target creates models with (required by that target)'],
  FERRY_SAGEMAKER_IMAGE: [text().optional(), 'inference container image of the sagemaker target (required by that target)'],
  FERRY_SAGEMAKER_INSTANCE_TYPE: [text().optional(), 'instance type of each production variant of the sagemaker target; default ml.m5.large'],
  FERRY_SAGEMAKER_VARIANT_URL: [text().optional(), "V2 URL template where the gateway reaches a variant of the sagemaker target, `{endpoint}`, `{variant}`, `{model}`, `{version}` filled in; unset: the gateway calls InvokeEndpoint"],
  FERRY_MLSERVER_URL: [text().optional(), 'an MLServer already running; unset: Ferry starts one'],
  FERRY_MLSERVER_REPOSITORY: [text().optional(), 'model repository directory of FERRY_MLSERVER_URL'],
  MLFLOW_TRACKING_URI: [z.string().regex(/^https?:\/\//, 'expected an http(s):// URL of an MLflow tracking server').optional(), 'an MLflow tracking server (`http(s)://`) that workers and `ferry dev` mirror runs, versions and aliases into; unset: off'],
  FERRY_MLFLOW_ALIAS_DRIFT: [z.enum(['report', 'restore']).default('report'), "an alias moved by hand in MLflow: `report` it (default), or `restore` Ferry's placement"],
  FERRY_RECONCILE: [z.enum(['off', 'report', 'restore']).default('report'), "each environment with a live deployment gets a reconcile loop (`reconcile-<env>`) comparing what its targets serve with the registry: `report` mismatches as incidents (default), `restore` also redeploy the approved state, `off`"],
  FERRY_RECONCILE_EVERY: [durationSchema.default('5m'), 'between two reconcile checks of an environment (default 5m)'],
  FERRY_VERIFY_KEY: [z.string().regex(/^ed25519:[0-9a-f]{32}$/, 'expected a key id, ed25519: and 32 hex digits (printed by ferry users key)').optional(), "key id of the deployment's signing identity; required by `ferry worker` when TEMPORAL_ADDRESS is set (every worker of a deployment pins the same one)"],
  FERRY_ARTIFACTS: [z.string().regex(/^(s3|file):\/\//, 'expected s3://bucket/prefix or file:///absolute/path').optional(), 'artifact store: `s3://bucket/prefix` (content-addressed objects; every worker downloads into `$FERRY_HOME/cache/artifacts`) or `file:///path`; unset: `$FERRY_HOME/artifacts` on this machine'],
  AWS_ACCESS_KEY_ID: [text().optional(), 'credentials of the `s3://` artifact store and the sagemaker target; unset: the AWS SDK default chain (profile, instance role)'],
  AWS_SECRET_ACCESS_KEY: [text().optional(), 'secret of AWS_ACCESS_KEY_ID'],
  AWS_SESSION_TOKEN: [text().optional(), 'session token of temporary AWS credentials'],
  AWS_REGION: [text().optional(), 'region of the artifact bucket (default us-east-1)'],
  AWS_ENDPOINT_URL_S3: [url().optional(), 'endpoint of an S3-compatible server (MinIO, Ceph, R2), e.g. http://minio:9000; path-style requests'],
  CHROMIUM: [text().optional(), 'path to a Chromium or Chrome binary for the report screenshots; default `chromium` on PATH, then `~/.cache/ferry/chromium/<version>`'],
} as const satisfies Record<string, readonly [z.ZodType<unknown, string | undefined>, string]>;

export type SettingName = keyof typeof settings;

/** Name, type and description of every variable, for the README's table and `--help`. */
export const settingDeclarations: readonly { name: SettingName; description: string }[] = Object.entries(settings).map(([name, [, description]]) => ({ name: name as SettingName, description }));

const envSchema = z.object(Object.fromEntries(Object.entries(settings).map(([name, [schema]]) => [name, schema])) as { [K in SettingName]: (typeof settings)[K][0] });

/** Ferry's environment, validated: unset means "use the embedded default". */
export type FerryEnv = z.infer<typeof envSchema>;

/** A source of variables: `process.env`, or what a test passes. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

function cleaned(source: EnvSource): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/** Reads and validates every declared variable, once at start-up; an invalid one is a usage error naming the variable. */
export function readEnv(source: EnvSource = process.env): FerryEnv {
  const input = cleaned(source);
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, input);
    throw new UsageError(`environment variable ${issue.path}: ${issue.message}; fix or unset it`);
  }
  return parsed.data;
}

/** One declared variable as set (unset and empty are `undefined`): a library's default when its caller passed none. */
export function envValue(name: SettingName, source: EnvSource = process.env): string | undefined {
  const value = source[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A copy of the process environment, for child processes that inherit it (the PATH, locale… they need to run). */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/** The trust boundaries that sign with a shared secret. */
export type SecretBoundary = 'push' | 'alert' | 'deploy';
const SECRET_OF: Record<SecretBoundary, SettingName> = { push: 'FERRY_PUSH_SECRET', alert: 'FERRY_ALERT_SECRET', deploy: 'FERRY_DEPLOY_SECRET' };

/** The secret of one trust boundary: its own variable, else the documented fallback FERRY_WEBHOOK_SECRET. */
export function secretFor(boundary: SecretBoundary, source: EnvSource = process.env): { name: SettingName; value: string | undefined } {
  const own = SECRET_OF[boundary];
  if (envValue(own, source)) return { name: own, value: envValue(own, source) };
  return { name: own, value: envValue('FERRY_WEBHOOK_SECRET', source) };
}

/** The process's variables as a source, for a library function's default `env` parameter. */
export function currentEnv(): EnvSource {
  return process.env;
}

/** Sets a declared variable for this process and its children unless it is set already (a command's own default). */
export function defaultEnv(name: SettingName, value: string): void {
  process.env[name] ??= value;
}

/** `ferry dev`'s stable ports, each from its variable (0: a free port), so links and clients survive restarts. */
export function devPorts(env: FerryEnv): { temporal: number; ui: number; serve: number; metrics: number } {
  const read = (name: 'FERRY_TEMPORAL_PORT' | 'FERRY_TEMPORAL_UI_PORT' | 'FERRY_SERVE_PORT' | 'FERRY_METRICS_PORT', fallback: number) => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    const port = Number(raw);
    if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`environment variable ${name}: expected a port number 0–65535, got "${raw}"; fix or unset it`);
    return port;
  };
  return { temporal: read('FERRY_TEMPORAL_PORT', 7233), ui: read('FERRY_TEMPORAL_UI_PORT', 8233), serve: read('FERRY_SERVE_PORT', 8080), metrics: read('FERRY_METRICS_PORT', 9464) };
}
