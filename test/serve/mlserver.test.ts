import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore, type ArtifactStore } from '../../src/artifacts/store.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { models, modelVersions } from '../../src/db/schema/index.js';
import { createMlserverTarget } from '../../src/deploy/mlserver.js';
import { verifyDeployment, type DeploymentTarget } from '../../src/deploy/target.js';
import { isReady } from '../../src/mlserver/repository.js';
import { startMlserver, type MlserverInstance } from '../../src/mlserver/server.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { pythonExampleEnv } from '../helpers/python.js';

const TRAIN = join(process.cwd(), 'pipelines/iris-python/train.py');
const setosa = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const virginica = { sepal_length: 6.7, sepal_width: 3.0, petal_length: 5.2, petal_width: 2.3 };

/** Trains the example's model with train.py (real scikit-learn), stores it by sha256 and registers it as `version`. */
async function trainAndRegister(db: TestDatabase['db'], store: ArtifactStore, python: string, model: string, version: number, trees: number): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'ferry-iris-'));
  const run = spawnSync(python, [TRAIN], { env: { ...process.env, FERRY_SEED: '7', FERRY_OUTPUT_DIR: out, FERRY_PARAMS: JSON.stringify({ trees }) }, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  // A model directory (model.joblib inside), stored as a tree by the artifact store.
  const stored = await store.put(join(out, 'model'));
  await db.insert(models).values({ name: model }).onConflictDoNothing();
  await db.insert(modelVersions).values({ model, version, metrics: {}, sourceWorkflowId: `test-${model}-${version}`, pipeline: 'iris-python', specHash: 'test', commit: '0'.repeat(40), params: { trees }, seed: 7, artifactSha256: stored.sha256, artifactUri: stored.uri });
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe.each(backends().slice(0, 1))('the mlserver target: a real MLServer behind the gateway ($name)', (backend) => {
  let database: TestDatabase;
  let mlserver: MlserverInstance;
  let gateway: ModelServer;
  let target: DeploymentTarget;
  let store: ArtifactStore;
  const model = `iris-${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    database = await backend.create();
    const home = mkdtempSync(join(tmpdir(), 'ferry-mlserver-'));
    store = createFileStore(join(home, 'artifacts'));
    const { python } = await pythonExampleEnv();
    await trainAndRegister(database.db, store, python, model, 1, 20);
    await trainAndRegister(database.db, store, python, model, 2, 40);
    mlserver = await startMlserver({ dir: join(home, 'mlserver') });
    gateway = await createModelServer({ db: database.db, config: configFrom({}), port: 0, refreshMs: 100, logger: { flushMs: 50 } });
    target = createMlserverTarget({ db: database.db, store, serveUrl: gateway.url, mlserver: async () => mlserver });
  }, 900_000);
  afterAll(async () => {
    await gateway?.close();
    await mlserver?.stop();
    await database?.close();
  });

  it('loads a scikit-learn joblib model through the repository API and serves it through the gateway, V1 and V2', async () => {
    const live = await verifyDeployment(target, { model, version: 1, env: 'production', routes: [{ version: 1, percent: 100 }] }, { attempts: 50, intervalMs: 200 });
    expect(live.routes).toEqual([{ version: 1, percent: 100 }]);
    expect(await isReady(mlserver.url, `${model}-v1`)).toBe(true);

    const v1 = await post(`${gateway.url}/v1/models/${model}/predict`, { inputs: [setosa, virginica] });
    expect(await v1.json()).toMatchObject({ version: 1, outputs: [{ predict: 'setosa' }, { predict: 'virginica' }] });
    // Columns in another order than the model was fitted with: the gateway sends them in the model's declared order.
    const shuffled = { petal_width: 0.2, sepal_length: 5.1, petal_length: 1.4, sepal_width: 3.5 };
    const v2 = await post(`${gateway.url}/v2/models/${model}/infer`, { inputs: Object.entries(shuffled).map(([name, value]) => ({ name, shape: [1], datatype: 'FP64', data: [value] })) });
    expect(await v2.json()).toMatchObject({ model_name: model, model_version: '1', outputs: [{ name: 'predict', datatype: 'BYTES', data: ['setosa'] }] });
    const meta = (await (await fetch(`${gateway.url}/v2/models/${model}`)).json()) as { inputs: { name: string }[]; parameters: { backend: string } };
    expect(meta.inputs.map((i) => i.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(meta.parameters.backend).toBe('v2');

    // Wrong fields reach MLServer's model only as a clear 400, never as a prediction.
    const missing = await post(`${gateway.url}/v1/models/${model}/predict`, { inputs: [{ sepal_length: 5 }] });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/sepal_width|feature/i);
  });

  it('canaries v2 beside v1, then rolls back by unloading v2 from MLServer and its repository', async () => {
    await verifyDeployment(target, { model, version: 2, env: 'production', routes: [{ version: 1, percent: 50 }, { version: 2, percent: 50 }] }, { attempts: 50, intervalMs: 200 });
    expect(await isReady(mlserver.url, `${model}-v2`)).toBe(true);
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) seen.add(((await (await post(`${gateway.url}/v1/models/${model}/predict`, { inputs: [virginica] })).json()) as { version: number }).version);
    expect([...seen].sort()).toEqual([1, 2]);

    const back = await verifyDeployment(target, { model, version: 1, env: 'production', routes: [{ version: 1, percent: 100 }] }, { attempts: 50, intervalMs: 200 });
    expect(back.routes).toEqual([{ version: 1, percent: 100 }]);
    expect(await isReady(mlserver.url, `${model}-v2`)).toBe(false);
    expect(existsSync(join(mlserver.repository, `${model}-v2`))).toBe(false);
    expect(await isReady(mlserver.url, `${model}-v1`)).toBe(true);
    // The same routes again: no new generation, nothing reloaded.
    expect((await target.deploy({ model, version: 1, env: 'production', routes: [{ version: 1, percent: 100 }] })).generation).toBe(back.generation);
  });

  it('serves an XGBoost model and an MLflow model directory the same way', async () => {
    // Trained with MLServer's own pinned libraries, saved the way each library saves models.
    const dir = mkdtempSync(join(tmpdir(), 'ferry-formats-'));
    const script = `
import sys, pandas as pd, xgboost as xgb, mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression
d = pd.read_csv('pipelines/iris-python/data/iris.csv'); X = d.drop(columns=['species']); y = d['species'].astype('category').cat.codes
xgb.XGBClassifier(n_estimators=10, max_depth=3).fit(X, y).get_booster().save_model(sys.argv[1] + '/model.json')
m = LogisticRegression(max_iter=500).fit(X, d['species'])
mlflow.sklearn.save_model(m, sys.argv[1] + '/mlflow', signature=infer_signature(X, m.predict(X)))
`;
    const made = spawnSync(mlserver.python!, ['-c', script, dir], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    // A saved XGBoost booster answers class probabilities (a row per record); the MLflow pyfunc answers the label.
    const answers = { xgb: (out: unknown) => Array.isArray(out) && out.length === 3 && out.indexOf(Math.max(...(out as number[]))) === 0, mlflow: (out: unknown) => out === 'setosa' };
    for (const [name, file] of [['xgb', 'model.json'], ['mlflow', 'mlflow']] as const) {
      const formatModel = `${model}-${name}`;
      const stored = await store.put(join(dir, file));
      await database.db.insert(models).values({ name: formatModel }).onConflictDoNothing();
      await database.db.insert(modelVersions).values({ model: formatModel, version: 1, metrics: {}, sourceWorkflowId: `test-${formatModel}`, pipeline: 'iris-python', specHash: 'test', commit: '0'.repeat(40), params: {}, seed: 0, artifactSha256: stored.sha256, artifactUri: stored.uri });
      await verifyDeployment(target, { model: formatModel, version: 1, env: 'production', routes: [{ version: 1, percent: 100 }] }, { attempts: 50, intervalMs: 200 });
      const res = await post(`${gateway.url}/v1/models/${formatModel}/predict`, { inputs: [setosa] });
      const body = (await res.json()) as { version: number; outputs: Record<string, unknown>[] };
      expect({ name, status: res.status, version: body.version }).toEqual({ name, status: 200, version: 1 });
      const out = Object.values(body.outputs[0]!)[0];
      expect({ name, out, setosa: answers[name](out) }).toMatchObject({ name, setosa: true });
    }
  });
});
