/**
 * `ferry export <ref> --format mlflow`: a registered version as an MLflow model directory, loadable with
 * `mlflow.pyfunc.load_model` (and servable by `mlflow models serve`, MLServer's MLflow runtime or KServe).
 * - An artifact that already is an MLflow model directory (a Python step wrote it with `mlflow.<flavor>.save_model`)
 *   is copied as registered, file by file, with Ferry's lineage added to its MLmodel `metadata` (MLflow's own field for
 *   user metadata; nothing else in the file changes).
 * - A scikit-learn (joblib/pickle) or XGBoost model is saved through MLflow's own flavour (`mlflow.sklearn.save_model`,
 *   `mlflow.xgboost.save_model`) by the Python of Ferry's MLServer environment, which pins the libraries those models
 *   load with; the signature names the features the model was fitted on.
 * - A Ferry JavaScript model has no Python flavour: refused, naming `--format raw`.
 * `--format raw` copies the registered artifact as it is. The target directory must not exist or be empty: an export
 * never overwrites anything.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { FerryError, UsageError } from '../core/errors.js';
import { detectRuntime } from '../mlserver/repository.js';

export const EXPORT_FORMATS = ['mlflow', 'raw'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** What the export is of: the registered version and its lineage, written into the MLmodel's metadata. */
export interface ExportSource {
  model: string;
  version: number;
  sha256: string;
  /** The Ferry run that produced it. */
  runId: string;
  commit: string;
  /** The local path of the registered artifact (a file or a directory). */
  path: string;
}

export interface ExportResult {
  dir: string;
  format: ExportFormat;
  /** How the MLflow model came to be: copied as written, or saved through MLflow's flavour. */
  flavor: 'mlflow' | 'sklearn' | 'xgboost' | 'raw';
}

/** Ferry's lineage as MLflow metadata keys (flat strings: what `Model.metadata` round-trips everywhere). */
const lineage = (s: ExportSource) => ({ ferry_model: s.model, ferry_version: String(s.version), ferry_artifact_sha256: s.sha256, ferry_run_id: s.runId, ferry_commit: s.commit });

function checkTarget(out: string): string {
  const dir = resolve(out);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw new UsageError(`--out ${out}: already exists and is not an empty directory; export into a new directory`);
  }
  return dir;
}

/** cpSync keeps the store's read-only modes; an export is the user's to edit. */
function makeWritable(dir: string): void {
  chmodSync(dir, statSync(dir).mode | 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    chmodSync(path, statSync(path).mode | (entry.isDirectory() ? 0o700 : 0o600));
  }
}

/** Adds Ferry's lineage to an MLflow model directory's MLmodel, keeping every other key as written. */
function stampMlmodel(dir: string, source: ExportSource): void {
  const file = join(dir, 'MLmodel');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length) throw new FerryError(`ferry export: ${source.model}@${source.version}'s MLmodel is not YAML (${doc.errors[0]!.message}); the registered artifact is not an MLflow model`);
  const current = doc.get('metadata');
  const metadata = current && typeof current === 'object' && 'toJSON' in current ? (current as { toJSON(): Record<string, unknown> }).toJSON() : {};
  doc.set('metadata', { ...metadata, ...lineage(source) });
  writeFileSync(file, doc.toString());
}

/** Saves a scikit-learn or XGBoost model through MLflow's flavour, with a signature from the fitted feature names. */
const SAVE_SCRIPT = `
import json, sys
src, out, flavor, meta = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema
if flavor == "sklearn":
    import joblib, mlflow.sklearn
    model = joblib.load(src)
    names = [str(c) for c in getattr(model, "feature_names_in_", [])]
    signature = ModelSignature(inputs=Schema([ColSpec("double", n) for n in names])) if names else None
    mlflow.sklearn.save_model(model, out, signature=signature, metadata=meta)
else:
    import xgboost, mlflow.xgboost
    booster = xgboost.Booster(model_file=src)
    names = booster.feature_names or []
    signature = ModelSignature(inputs=Schema([ColSpec("double", n) for n in names])) if names else None
    mlflow.xgboost.save_model(booster, out, signature=signature, metadata=meta)
print(json.dumps({"features": names}))
`;

/**
 * Writes `source` to `out` in `format`. `python` is an interpreter with mlflow, scikit-learn, xgboost and joblib
 * (Ferry's MLServer venv); it is asked for only when the model must be saved through MLflow's flavour.
 */
export async function exportVersion(source: ExportSource, format: ExportFormat, out: string, python: () => Promise<string>): Promise<ExportResult> {
  const dir = checkTarget(out);
  const ref = `${source.model}@${source.version}`;
  const isDir = statSync(source.path).isDirectory();
  // Written beside the target and renamed into place: a failed export leaves nothing half-written.
  const build = join(dirname(dir), `.${dir.split('/').pop()}.ferry-export-${process.pid}`);
  rmSync(build, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  try {
    let flavor: ExportResult['flavor'];
    if (format === 'raw') {
      cpSync(source.path, isDir ? build : join(build, 'model'), { recursive: true });
      flavor = 'raw';
    } else {
      let runtime: ReturnType<typeof detectRuntime>;
      try {
        runtime = detectRuntime(source.path);
      } catch {
        throw new UsageError(`ferry export ${ref} --format mlflow: the artifact is not a scikit-learn, XGBoost or MLflow model (a Ferry JavaScript model has no MLflow flavour); export it as it is with --format raw`);
      }
      if (runtime.runtime === 'mlflow') {
        cpSync(source.path, build, { recursive: true });
        stampMlmodel(build, source);
        flavor = 'mlflow';
      } else {
        const file = isDir ? join(source.path, runtime.file) : source.path;
        // In a scratch directory: MLflow may create an `mlruns/` in its working directory.
        const scratch = mkdtempSync(join(tmpdir(), 'ferry-export-'));
        const run = spawnSync(await python(), ['-c', SAVE_SCRIPT, file, build, runtime.runtime, JSON.stringify(lineage(source))], { cwd: scratch, encoding: 'utf8', timeout: 300_000 });
        rmSync(scratch, { recursive: true, force: true });
        if (run.status !== 0) {
          const last = (run.stderr || run.error?.message || '').trim().split('\n').pop();
          throw new FerryError(`ferry export ${ref}: MLflow could not save the ${runtime.runtime} model (${last}); was it written with the library versions Ferry's MLServer pins (src/mlserver/requirements.ts)?`);
        }
        flavor = runtime.runtime;
      }
    }
    makeWritable(build);
    if (existsSync(dir)) rmSync(dir, { recursive: true });
    renameSync(build, dir);
    return { dir, format, flavor };
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}
