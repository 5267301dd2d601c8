/**
 * MLServer's model repository, as Ferry writes it: one folder per registered version, `<model>-v<N>/`, holding the
 * artifact (fetched from the artifact store by its sha256) and a `model-settings.json` naming the runtime that serves
 * it. Versions are separate MLServer models so that a canary's version loads and unloads without touching the stable
 * one; the gateway routes between them.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../core/errors.js';

/** The MLServer model name of a version: `<model>-v<N>` (the suffix is unambiguous: versions are integers). */
export const mlserverModelName = (model: string, version: number) => `${model}-v${version}`;

/** Runtimes Ferry picks by artifact. */
export const RUNTIMES = {
  sklearn: { implementation: 'mlserver_sklearn.SKLearnModel', file: 'model.joblib' },
  xgboost: { implementation: 'mlserver_xgboost.XGBoostModel', file: 'model.json' },
  mlflow: { implementation: 'mlserver_mlflow.MLflowRuntime', file: 'model' },
} as const;
export type RuntimeName = keyof typeof RUNTIMES;

function head(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Which runtime serves an artifact: an MLflow model directory (it has an `MLmodel` file), an XGBoost model saved as
 * JSON (`{"learner": …}`) or UBJSON, or a joblib/pickle file (scikit-learn).
 */
export function detectRuntime(path: string): { runtime: RuntimeName; file: string } {
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'MLmodel'))) return { runtime: 'mlflow', file: 'model' };
    for (const [file, runtime] of [['model.joblib', 'sklearn'], ['model.pkl', 'sklearn'], ['model.json', 'xgboost'], ['model.ubj', 'xgboost'], ['model.bst', 'xgboost']] as const) {
      if (existsSync(join(path, file))) return { runtime, file };
    }
    throw new FerryError(`mlserver: model directory ${path} has no MLmodel, model.joblib, model.pkl, model.json, model.ubj or model.bst; write one of them`);
  }
  const start = head(path, 256);
  // Pickle protocol 2+ starts with 0x80; joblib's compressed files with zlib/gzip/xz/lz4 magic.
  if (start[0] === 0x80 || (start[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(start[1]!)) || (start[0] === 0x1f && start[1] === 0x8b)) return { runtime: 'sklearn', file: 'model.joblib' };
  const text = start.toString('utf8');
  if (/^\s*\{\s*"learner"/.test(text)) return { runtime: 'xgboost', file: 'model.json' };
  if (start[0] === 0x7b && start.includes(Buffer.from('learner'))) return { runtime: 'xgboost', file: 'model.ubj' };
  throw new FerryError(`mlserver: cannot tell which runtime serves ${path} (not a joblib/pickle file, an XGBoost model or an MLflow model directory); save the model with joblib.dump, Booster.save_model or mlflow.<flavor>.save_model`);
}

/** The column order a scikit-learn model was fitted with (`feature_names_in_`), read with MLServer's own libraries. */
function featureNames(python: string | undefined, runtime: RuntimeName, file: string): string[] {
  if (!python || runtime === 'mlflow') return [];
  const script =
    runtime === 'sklearn'
      ? 'import joblib,json,sys; m=joblib.load(sys.argv[1]); print(json.dumps([str(c) for c in getattr(m, "feature_names_in_", [])]))'
      : 'import xgboost,json,sys; b=xgboost.Booster(model_file=sys.argv[1]); print(json.dumps(b.feature_names or []))';
  const run = spawnSync(python, ['-c', script, file], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new FerryError(`mlserver: cannot load ${file} with ${runtime} (${(run.stderr || run.error?.message || '').trim().split('\n').slice(-1)[0]}); was it saved with the library versions MLServer pins?`);
  return JSON.parse(run.stdout.trim().split('\n').pop() || '[]') as string[];
}

export interface WrittenVersion {
  name: string;
  runtime: RuntimeName;
  /** The features in the order the model takes them (empty when unknown). */
  inputs: string[];
}

/**
 * Writes `<repository>/<model>-v<N>/` from an artifact (a file or a directory) unless it already holds that sha256.
 * Written beside and renamed into place, so MLServer never reads half a folder.
 */
export function writeModelVersion(input: { repository: string; model: string; version: number; artifact: string; sha256: string; python?: string }): WrittenVersion {
  const name = mlserverModelName(input.model, input.version);
  const dir = join(input.repository, name);
  const stamp = join(dir, '.ferry-artifact.json');
  if (existsSync(stamp)) {
    const done = JSON.parse(readFileSync(stamp, 'utf8')) as { sha256: string } & WrittenVersion;
    if (done.sha256 === input.sha256) return { name, runtime: done.runtime, inputs: done.inputs };
  }
  const { runtime, file } = detectRuntime(input.artifact);
  const build = `${dir}.build-${process.pid}`;
  rmSync(build, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  const source = statSync(input.artifact).isDirectory() ? input.artifact : undefined;
  if (runtime === 'mlflow') cpSync(input.artifact, join(build, file), { recursive: true });
  else cpSync(source ? join(source, file) : input.artifact, join(build, file));
  const inputs = featureNames(input.python, runtime, join(build, file));
  const settings = {
    name,
    implementation: RUNTIMES[runtime].implementation,
    // Declared inputs make MLServer's metadata (and so the gateway's) name the features in the model's order.
    ...(inputs.length ? { inputs: inputs.map((n) => ({ name: n, datatype: 'FP64', shape: [-1] })) } : {}),
    parameters: { uri: `./${file}`, version: String(input.version), extra: { ferry: { model: input.model, version: input.version, sha256: input.sha256 } } },
  };
  writeFileSync(join(build, 'model-settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  writeFileSync(join(build, '.ferry-artifact.json'), `${JSON.stringify({ sha256: input.sha256, name, runtime, inputs })}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(build, dir);
  return { name, runtime, inputs };
}

/** Removes a version's folder (after it is unloaded), so a restarted MLServer does not find it. */
export function removeModelVersion(repository: string, name: string): void {
  rmSync(join(repository, name), { recursive: true, force: true });
}

async function repositoryCall(url: string, name: string, action: 'load' | 'unload'): Promise<Response> {
  try {
    return await fetch(`${url}/v2/repository/models/${encodeURIComponent(name)}/${action}`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    throw new FerryError(`mlserver: POST ${url}/v2/repository/models/${name}/${action} failed (${(err as Error).message}); is MLServer up?`, { cause: err, details: { retryable: true } });
  }
}

/** Loads (or reloads) a model through the repository API, then reads its readiness back. */
export async function loadModel(url: string, name: string): Promise<void> {
  const res = await repositoryCall(url, name, 'load');
  if (!res.ok) throw new FerryError(`mlserver: load of ${name} answered ${res.status}: ${(await res.text()).slice(0, 300)}`, { details: { retryable: res.status >= 500 } });
  if (!(await isReady(url, name))) throw new FerryError(`mlserver: ${name} loaded but ${url}/v2/models/${name}/ready is not 200`, { details: { retryable: true } });
}

/** Unloads a model through the repository API; one that is not loaded is fine. */
export async function unloadModel(url: string, name: string): Promise<void> {
  const res = await repositoryCall(url, name, 'unload');
  if (!res.ok && res.status !== 404) throw new FerryError(`mlserver: unload of ${name} answered ${res.status}: ${(await res.text()).slice(0, 300)}`, { details: { retryable: res.status >= 500 } });
}

/** Whether MLServer reports the model ready. */
export async function isReady(url: string, name: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/models/${encodeURIComponent(name)}/ready`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
