/**
 * Must-show 4 of the MLflow issue: an MLflow model directory written by a Python step (pipelines/iris-python/train.py
 * with `format: "mlflow"`, `mlflow.sklearn.save_model`) is registered, served through Ferry's gateway by MLServer's
 * MLflow runtime, and exported back with `ferry export … --format mlflow` into a directory `mlflow.pyfunc.load_model`
 * loads — in the environment the model's own requirements name (the step's venv) — and predicts the same as served.
 * Also: a joblib model is exported through `mlflow.sklearn.save_model`, and a JavaScript model is refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, modelVersions } from '../../src/db/schema/index.js';
import { command } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { exportVersion } from '../../src/mlflow/export.js';
import { ensureMlserverVenv, sharedMlserver } from '../../src/mlserver/server.js';
import { ensureVenv } from '../../src/provision/python-venv.js';
import { startRun } from '../../src/runs/start.js';
import definition from '../../pipelines/iris-python.js';
import { runFerry } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { irisRows, startMlserverStack } from '../helpers/python.js';
import { type startTestWorker, type testClient, uniqueQueue } from '../helpers/temporal.js';

const EXAMPLE = ['train.py', 'evaluate.py', 'requirements-mlflow.txt', 'data/iris.csv'].map((f) => `pipelines/iris-python/${f}`);
const REQUIREMENTS = 'pipelines/iris-python/requirements-mlflow.txt';
const rows = irisRows();
const sample = [rows[0]!, rows[60]!, rows[149]!];

/** `mlflow.pyfunc.load_model(dir).predict(sample)` and the model's metadata, run by `python`. */
function pyfuncPredict(python: string, dir: string, cwd: string): { predictions: string[]; metadata: Record<string, string> | null; flavors: string[] } {
  const script = [
    'import json, sys, pandas as pd, mlflow.pyfunc',
    'm = mlflow.pyfunc.load_model(sys.argv[1])',
    'p = m.predict(pd.DataFrame(json.loads(sys.argv[2])))',
    'print(json.dumps({"predictions": [str(x) for x in p], "metadata": m.metadata.metadata, "flavors": sorted(m.metadata.flavors)}))',
  ].join('\n');
  const run = spawnSync(python, ['-c', script, dir, JSON.stringify(sample)], { cwd, encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`pyfunc load failed: ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

describe.each(backends().slice(0, 1))('an MLflow model from a Python step, served and exported ($name)', (backend) => {
  const model = `iris-mlflow-${Math.random().toString(36).slice(2, 8)}`;
  const scratch = mkdtempSync(join(tmpdir(), 'ferry-mlflow-export-'));
  const taskQueue = uniqueQueue('iris-mlflow');
  let stack: Awaited<ReturnType<typeof startMlserverStack>>;
  let database: TestDatabase;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let stepPython: string;

  beforeAll(async () => {
    // The step's venv before the worker too: its first build takes longer than a step's timeout.
    stepPython = (await ensureVenv({ requirementsFile: REQUIREMENTS })).python;
    stack = await startMlserverStack(backend, EXAMPLE, taskQueue);
    ({ database, worker, temporal } = stack);
  }, 900_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('registers the MLflow directory, serves it through the gateway on MLServer, and exports it loadable by mlflow.pyfunc', async () => {
    const loaded = parsePipeline(
      {
        ...definition,
        name: model,
        model,
        params: { ...definition.params, trees: 20, format: 'mlflow' },
        build: [],
        train: command('train', 'python pipelines/iris-python/train.py', { outputs: 'out', artifacts: { reference: 'reference.csv', test: 'test.csv' }, requirements: REQUIREMENTS, timeout: '10m' }),
        evaluate: { ...definition.evaluate!, step: command('evaluate', 'python pipelines/iris-python/evaluate.py', { outputs: 'eval', requirements: REQUIREMENTS, timeout: '5m' }) },
        deploy: [{ env: 'production', target: 'mlserver' }],
        monitor: undefined,
      },
      'pipelines/iris-python.ts',
    );
    const result = await (await startRun(temporal.client, loaded, { taskQueue, trigger: 'test' })).result();
    expect(result).toMatchObject({ state: 'succeeded', modelVersion: 1 });

    // Registered as a tree whose MLmodel MLflow wrote, and served by MLServer's MLflow runtime.
    const [v1] = await database.db.select().from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, 1)));
    const mlserver = await sharedMlserver(worker.deps.home);
    const settings = JSON.parse(readFileSync(join(mlserver.repository, `${model}-v1`, 'model-settings.json'), 'utf8')) as { implementation: string; parameters: { extra: { ferry: { sha256: string } } } };
    expect(settings.implementation).toBe('mlserver_mlflow.MLflowRuntime');
    expect(settings.parameters.extra.ferry.sha256).toBe(v1!.artifactSha256);
    const res = await fetch(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: sample }) });
    const served = (await res.json()) as { version: number; outputs: Record<string, unknown>[] };
    expect(res.status).toBe(200);
    expect(served.version).toBe(1);
    const servedLabels = served.outputs.map((o) => String(Object.values(o)[0]));
    expect(servedLabels).toEqual(['setosa', 'versicolor', 'virginica']);

    // Exported back: the same files, Ferry's lineage in the MLmodel's metadata, loadable and predicting as served.
    const out = join(scratch, 'export');
    const env = { DATABASE_URL: database.url, FERRY_HOME: worker.deps.home, FERRY_TOKEN: '' };
    const exported = await runFerry(['export', `${model}@production`, '--format', 'mlflow', '--out', out], { env });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain(`${model}@1 exported to ${out} (MLflow model, as the step wrote it; load it with mlflow.pyfunc.load_model("${out}"))`);
    const loadedBack = pyfuncPredict(stepPython, out, scratch);
    expect(loadedBack.predictions).toEqual(servedLabels);
    expect(loadedBack.flavors).toEqual(['python_function', 'sklearn']);
    expect(loadedBack.metadata).toMatchObject({ ferry_model: model, ferry_version: '1', ferry_artifact_sha256: v1!.artifactSha256, ferry_run_id: v1!.sourceWorkflowId, ferry_commit: v1!.commit });
    const [audit] = await database.db.select().from(auditLog).where(eq(auditLog.action, 'model.exported'));
    expect(audit).toMatchObject({ subjectId: `${model}@1`, details: { format: 'mlflow', flavor: 'mlflow', sha256: v1!.artifactSha256 } });

    // Never over anything: a second export into the same directory is refused, exit 2, and the first stays whole.
    const again = await runFerry(['export', `${model}@1`, '--out', out], { env });
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe(`ferry: --out ${out}: already exists and is not an empty directory; export into a new directory`);
    expect(pyfuncPredict(stepPython, out, scratch).predictions).toEqual(servedLabels);
  }, 900_000);

  it('saves a joblib model through mlflow.sklearn, and refuses a JavaScript model naming --format raw', async () => {
    const trained = join(scratch, 'joblib');
    const run = spawnSync(stepPython, [join(process.cwd(), 'pipelines/iris-python/train.py')], { cwd: scratch, encoding: 'utf8', env: { ...process.env, FERRY_OUTPUT_DIR: trained, FERRY_PARAMS: '{"trees": 10}', FERRY_SEED: '3' }, timeout: 300_000 });
    expect(run.status, run.stderr).toBe(0);
    const source = { model: 'iris', version: 4, sha256: 'a'.repeat(64), runId: 'iris-run', commit: 'c'.repeat(40), path: join(trained, 'model') };
    const result = await exportVersion(source, 'mlflow', join(scratch, 'from-joblib'), ensureMlserverVenv);
    expect(result).toMatchObject({ format: 'mlflow', flavor: 'sklearn' });
    const loadedBack = pyfuncPredict(stepPython, result.dir, scratch);
    expect(loadedBack.predictions).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(loadedBack.metadata).toMatchObject({ ferry_model: 'iris', ferry_version: '4', ferry_run_id: 'iris-run' });

    const js = join(scratch, 'penguins-model.json');
    writeFileSync(js, JSON.stringify({ kind: 'ferry-js-model', weights: [1, 2, 3] }));
    await expect(exportVersion({ ...source, path: js }, 'mlflow', join(scratch, 'js'), ensureMlserverVenv)).rejects.toThrow(
      'ferry export iris@4 --format mlflow: the artifact is not a scikit-learn, XGBoost or MLflow model (a Ferry JavaScript model has no MLflow flavour); export it as it is with --format raw',
    );
    const raw = await exportVersion({ ...source, path: js }, 'raw', join(scratch, 'js-raw'), ensureMlserverVenv);
    expect(readFileSync(join(raw.dir, 'model'), 'utf8')).toBe(readFileSync(js, 'utf8'));
  }, 600_000);
});
