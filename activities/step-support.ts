import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { resolveInside } from '../src/workspace-paths.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { join, resolve } from 'node:path';
import { Failure, FerryFailure } from '../src/core/failures.js';

// What a step runs with and hands back, beside running it (steps.ts): its environment, its outputs path, its log's
// tail, its params, the Python it ran on.

const LOG_TAIL_LINES = 20;

/**
 * A path under the step's `outputs` resolved inside the workspace, symlinks included: checked right before it is
 * cleared or read, so a link committed in the repo or planted by an earlier step cannot take it elsewhere.
 */
export function outputsPath(step: { id: string }, workspace: string, path: string): string {
  const inside = resolveInside(workspace, path);
  if (!inside.ok) throw new FerryFailure(Failure.StepOutputError, `step "${step.id}": outputs: ${inside.problem}; write outputs to a directory of the workspace`);
  return inside.path;
}

/**
 * What a command step inherits from the worker: only the variables a shell and an interpreter need, never the worker's
 * secrets (signing key, DATABASE_URL, Slack and webhook secrets). A step gets more through its declared `env`.
 */
const INHERITED = /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|TERM)$/;
export function stepEnvironment(source: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((e): e is [string, string] => INHERITED.test(e[0]) && e[1] !== undefined));
}

const execFileAsync = promisify(execFile);

export function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

/** Single-quoted for sh. */
export const shq = (value: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

/** `FERRY_DATASET_<NAME>`: the dataset's name upper-cased, dashes as underscores. */
export const datasetVariable = (name: string) => `FERRY_DATASET_${name.toUpperCase().replace(/-/g, '_')}`;

/**
 * The keys a step's params schema declares. Read from `.shape` rather than `instanceof z.ZodObject`: the user's
 * ferry.config.ts may build its schema with another copy of zod, and `instanceof` across copies is always false.
 */
export function declaredParams(schema: unknown): string[] {
  const shape = (schema as { shape?: unknown } | null)?.shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : [];
}

/**
 * The Python a command step ran on: interpreter version, the venv (with its requirements file's hash) and the
 * sha256 of `pip freeze`, for the run's environment fingerprint. Undefined when the step uses no Python.
 */
export async function pythonEnvironment(env: Record<string, string>, venv?: { hash: string; requirements: string; requirementsSha256: string }): Promise<Record<string, unknown> | undefined> {
  const run = (args: string[]) => execFileAsync('python3', args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }).then((r) => r.stdout, () => undefined);
  const version = await run(['-c', 'import sys; print(sys.version.split()[0])']);
  if (version === undefined) return venv ? { venv: venv.hash, requirements: venv.requirements, requirementsSha256: venv.requirementsSha256 } : undefined;
  const freeze = await run(['-m', 'pip', 'freeze', '--disable-pip-version-check']);
  return {
    version: version.trim(),
    ...(venv ? { venv: venv.hash, requirements: venv.requirements, requirementsSha256: venv.requirementsSha256 } : {}),
    ...(freeze === undefined ? {} : { pipFreezeSha256: createHash('sha256').update(freeze).digest('hex'), packages: freeze.split('\n').filter((l) => l.trim() !== '').length }),
  };
}

/**
 * Earlier steps' artifacts as paths on this worker: step outputs travel only through the artifact store, so a step
 * on another machine than the one that wrote them gets them from the store (into its own cache, hash-checked).
 */
export async function fetchPrevious(store: ArtifactStore, previous: Record<string, { artifacts: Record<string, { uri: string }> }>): Promise<Record<string, Record<string, string>>> {
  const local: Record<string, Record<string, string>> = {};
  for (const [id, out] of Object.entries(previous)) {
    local[id] = {};
    for (const [name, a] of Object.entries(out.artifacts)) local[id][name] = await store.fetch(a.uri);
  }
  return local;
}

/** What the step contract is made from (a RunStepInput of steps.ts). */
interface ContractInput {
  workflowId: string;
  stage: string;
  step: { id: string };
  commit: string;
  datasets: { name: string; path: string }[];
  pipelineParams: Record<string, string | number | boolean>;
  seed: number;
  previous: Record<string, { metrics: Record<string, number>; artifacts: Record<string, { uri: string }> }>;
}

/**
 * The step contract: what every command step finds in its environment (documented in README, "The step contract").
 * Paths are absolute; JSON values are compact.
 */
export async function stepContract(store: ArtifactStore, input: ContractInput, workspace: string, outputs: string, logPath: string): Promise<Record<string, string>> {
  const local = await fetchPrevious(store, input.previous);
  const previous = Object.fromEntries(Object.entries(input.previous).map(([id, out]) => [id, { metrics: out.metrics, artifacts: local[id]! }]));
  const modelStep = Object.keys(input.previous).reverse().find((id) => input.previous[id]!.artifacts.model);
  return {
    FERRY_RUN_ID: input.workflowId,
    FERRY_STAGE: input.stage,
    FERRY_STEP: input.step.id,
    FERRY_COMMIT: input.commit,
    FERRY_WORKSPACE: workspace,
    FERRY_PARAMS: JSON.stringify(input.pipelineParams),
    FERRY_SEED: String(input.seed),
    FERRY_DATASETS: JSON.stringify(Object.fromEntries(input.datasets.map((d) => [d.name, join(workspace, d.path)]))),
    ...Object.fromEntries(input.datasets.map((d) => [datasetVariable(d.name), join(workspace, d.path)])),
    ...(modelStep ? { FERRY_MODEL: local[modelStep]!.model! } : {}),
    FERRY_PREVIOUS: JSON.stringify(previous),
    FERRY_OUTPUT_DIR: outputs,
    FERRY_LOG: resolve(logPath),
  };
}
