import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { FerryError, UsageError } from '../core/errors.js';
import type { FerryEnv } from '../settings.js';

/** The variables the `sagemaker` target and its Model Package mirror read (declared in src/settings.ts). */
export type SagemakerEnv = Partial<
  Pick<
    FerryEnv,
    | 'FERRY_SAGEMAKER_REGION'
    | 'FERRY_SAGEMAKER_ENDPOINT_URL'
    | 'FERRY_SAGEMAKER_ROLE_ARN'
    | 'FERRY_SAGEMAKER_IMAGE'
    | 'FERRY_SAGEMAKER_INSTANCE_TYPE'
    | 'FERRY_SAGEMAKER_VARIANT_URL'
    | 'FERRY_ARTIFACTS'
    | 'AWS_REGION'
    | 'AWS_ACCESS_KEY_ID'
    | 'AWS_SECRET_ACCESS_KEY'
    | 'AWS_SESSION_TOKEN'
  >
>;

/** What the target needs, read and checked once. */
export interface SagemakerSettings {
  region: string;
  /** An endpoint override (moto, a VPC endpoint); unset: SageMaker's regional endpoint. */
  endpoint?: string;
  roleArn: string;
  image: string;
  instanceType: string;
  /** A V2 base URL the gateway reaches a variant at instead of InvokeEndpoint (`{endpoint}`, `{variant}`, `{model}`, `{version}` filled in). */
  variantUrl?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const PLACEHOLDERS = /\{(endpoint|variant|model|version)\}/g;

/** A setting the target cannot run without: the variable and what it is for. */
export interface MissingSetting {
  name: string;
  problem: string;
}

/** The first required variable that is missing or wrong, or undefined when the target can run. */
export function missingSagemakerSetting(env: SagemakerEnv): MissingSetting | undefined {
  if (!env.FERRY_SAGEMAKER_REGION && !env.AWS_REGION) return { name: 'FERRY_SAGEMAKER_REGION', problem: 'the AWS region of the endpoints (or AWS_REGION)' };
  if (!env.FERRY_SAGEMAKER_ROLE_ARN) return { name: 'FERRY_SAGEMAKER_ROLE_ARN', problem: 'the execution role SageMaker models run as (arn:aws:iam::<account>:role/<name>)' };
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(env.FERRY_SAGEMAKER_ROLE_ARN)) {
    return { name: 'FERRY_SAGEMAKER_ROLE_ARN', problem: `"${env.FERRY_SAGEMAKER_ROLE_ARN}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)` };
  }
  if (!env.FERRY_SAGEMAKER_IMAGE) return { name: 'FERRY_SAGEMAKER_IMAGE', problem: 'the inference container image the models run in (an ECR image URI)' };
  const sample = env.FERRY_SAGEMAKER_VARIANT_URL?.replace(PLACEHOLDERS, 'x');
  if (sample !== undefined && (!URL.canParse(sample) || !/^https?:$/.test(new URL(sample).protocol))) {
    return { name: 'FERRY_SAGEMAKER_VARIANT_URL', problem: `"${env.FERRY_SAGEMAKER_VARIANT_URL}" is not an http(s) URL template ({endpoint}, {variant}, {model}, {version})` };
  }
  if (!env.FERRY_ARTIFACTS?.startsWith('s3://')) return { name: 'FERRY_ARTIFACTS', problem: 'an s3://bucket/prefix artifact store: SageMaker reads ModelDataUrl from S3' };
  if (env.FERRY_SAGEMAKER_ENDPOINT_URL && !URL.canParse(env.FERRY_SAGEMAKER_ENDPOINT_URL)) {
    return { name: 'FERRY_SAGEMAKER_ENDPOINT_URL', problem: `"${env.FERRY_SAGEMAKER_ENDPOINT_URL}" is not a URL` };
  }
  return undefined;
}

/** The one-line message of a missing setting: names the variable, what it is, and where to set it. */
export function missingSettingMessage(missing: MissingSetting, where: string): string {
  return `${where}: target 'sagemaker' needs ${missing.name}: ${missing.problem}; set it in the workers' environment`;
}

/** Reads the target's settings; a missing or wrong one is a UsageError naming the variable. */
export function sagemakerSettings(env: SagemakerEnv, where = 'sagemaker deployment target'): SagemakerSettings {
  const missing = missingSagemakerSetting(env);
  if (missing) throw new UsageError(missingSettingMessage(missing, where), { details: { setting: missing.name } });
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  return {
    region: (env.FERRY_SAGEMAKER_REGION ?? env.AWS_REGION)!,
    ...(env.FERRY_SAGEMAKER_ENDPOINT_URL ? { endpoint: env.FERRY_SAGEMAKER_ENDPOINT_URL } : {}),
    roleArn: env.FERRY_SAGEMAKER_ROLE_ARN!,
    image: env.FERRY_SAGEMAKER_IMAGE!,
    instanceType: env.FERRY_SAGEMAKER_INSTANCE_TYPE ?? 'ml.m5.large',
    ...(env.FERRY_SAGEMAKER_VARIANT_URL ? { variantUrl: env.FERRY_SAGEMAKER_VARIANT_URL } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

/** A SageMaker client for these settings (credentials: the `AWS_*` variables, else the SDK's default chain). */
export function sagemakerClient(settings: SagemakerSettings): SageMakerClient {
  return new SageMakerClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  });
}

/** The URL of one variant from the template (`{endpoint}` = `<model>-<env>`, `{variant}` = `v<N>`). */
export function fillVariantUrl(template: string, values: { endpoint: string; model: string; version: number }): string {
  const by: Record<string, string> = { endpoint: values.endpoint, variant: `v${values.version}`, model: values.model, version: String(values.version) };
  return template.replace(PLACEHOLDERS, (_, key: string) => encodeURIComponent(by[key]!));
}

/** One SageMaker API call; its failure as a FerryError naming `who` and the call, retryable when SageMaker is down or throttling. */
export async function sagemakerCall<T>(who: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ?? 0;
    throw new FerryError(`${who}: ${what}: ${e.name ?? 'Error'}: ${e.message}`, { cause: err, details: { retryable: status === 0 || status >= 500 || status === 429 } });
  }
}
