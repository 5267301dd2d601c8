/**
 * Python command steps, first class: a step writes a model directory (stored as a hashed tree), metrics and named
 * artifacts, runs in a cached venv built from its requirements file, records its Python in the run's environment,
 * and hands the model to the evaluate step through the step contract (FERRY_MODEL). Real Temporal, real Postgres,
 * real git, real python3 and pip.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../../src/artifacts/store.js';
import { experiments, runs } from '../../src/db/schema/index.js';
import { command, definePipeline, gate } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { rootMessage } from '../../src/core/errors.js';
import { getVersion } from '../../src/registry/index.js';
import { reproduce } from '../../src/runs/reproduce.js';
import { startRun } from '../../src/runs/start.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

// A deterministic "training": the model directory holds weights derived from params and seed, a config and a
// nested file; the step also writes metrics and a named report.
const TRAIN = `import json, os, random
params = json.loads(os.environ["FERRY_PARAMS"])
random.seed(int(os.environ["FERRY_SEED"]))
out = os.environ["FERRY_OUTPUT_DIR"]
rows = open(os.environ["FERRY_DATASET_POINTS"]).read().split()
model = os.path.join(out, "model")
os.makedirs(os.path.join(model, "weights"))
json.dump({"scale": params["scale"], "rows": len(rows)}, open(os.path.join(model, "config.json"), "w"), sort_keys=True)
open(os.path.join(model, "weights", "w.txt"), "w").write(" ".join(str(random.randint(0, 99)) for _ in range(8)))
json.dump({"fit": 0.9}, open(os.path.join(out, "metrics.json"), "w"))
open(os.path.join(out, "report.txt"), "w").write("trained\\n")
print("python", os.environ.get("VIRTUAL_ENV", "none"))
`;
const EVALUATE = `import json, os
model = os.environ["FERRY_MODEL"]
config = json.load(open(os.path.join(model, "config.json")))
json.dump({"accuracy": 0.5 + config["scale"] / 10}, open(os.path.join(os.environ["FERRY_OUTPUT_DIR"], "metrics.json"), "w"))
`;

const [backend] = backends();

describe('Python command steps', () => {
  let database: TestDatabase;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  const taskQueue = uniqueQueue('python-steps');
  let repo: string;

  const pipeline = (name: string, evaluate = 'python evaluate.py') =>
    parsePipeline(
      definePipeline({
        name,
        datasets: [{ name: 'points', path: 'data/points.txt' }],
        params: { scale: 3 },
        seed: 11,
        train: command('train', 'python train.py', { outputs: 'out', requirements: 'requirements.txt', artifacts: { report: 'report.txt' }, timeout: '10m' }),
        evaluate: { step: command('evaluate', evaluate, { outputs: 'eval', requirements: 'requirements.txt' }), gates: [gate.min('accuracy', 0.7)] },
      }),
      `${name}.ts`,
    );

  beforeAll(async () => {
    database = await backend!.create();
    repo = makeRepo({
      'data/points.txt': '1 2 3 4 5\n',
      // A real venv (keyed by this file's bytes), with no third-party package to keep the test off the network.
      'requirements.txt': '# the steps use the standard library only\n',
      'train.py': TRAIN,
      'evaluate.py': EVALUATE,
      'silent.py': 'print("evaluated, but wrote no metrics")\n',
      'broken.py': 'import sys\nprint("loading data")\nsys.stderr.write("Traceback (most recent call last):\\nValueError: column price is missing\\n")\nsys.exit(4)\n',
    });
    worker = await startTestWorker({ db: database.db, taskQueue, cwd: repo });
    temporal = await testClient();
  }, 240_000);
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('registers a model directory as a tree, evaluates it through FERRY_MODEL, records its Python, and reproduces it bit-identically', async () => {
    const run = await startRun(temporal.client, pipeline('tree'), { taskQueue, trigger: 'test', triggeredBy: 'alex' });
    const result = await run.result();
    expect(result.state).toBe('succeeded');
    expect(result.metrics).toEqual({ fit: 0.9, accuracy: 0.8 });

    const version = await getVersion(database.db, 'tree', 1);
    expect(version?.artifactSha256).toBe(result.artifactSha256);
    // The artifact's hash is the manifest's: its blob lists every file with its own sha256.
    const store = createFileStore(join(worker.deps.home, 'artifacts'));
    const manifest = store.manifest(version!.artifactSha256);
    expect(manifest.files.map((f) => f.path)).toEqual(['config.json', 'weights/w.txt']);
    const dir = store.localPath(version!.artifactUri);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'weights']);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({ rows: 5, scale: 3 });

    const [experiment] = await database.db.select().from(experiments).where(eq(experiments.workflowId, run.workflowId));
    const python = (experiment!.environment as { steps: Record<string, { python: Record<string, unknown> }> }).steps.train!.python;
    expect(python).toMatchObject({ version: expect.stringMatching(/^3\.\d+\.\d+$/), requirements: 'requirements.txt', venv: expect.stringMatching(/^[0-9a-f]{16}$/), pipFreezeSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const again = await reproduce({ client: temporal.client, db: database.db, taskQueue, actor: 'alex' }, 'tree', 1);
    expect(again).toMatchObject({ identical: true, registeredSha256: result.artifactSha256, reproducedSha256: result.artifactSha256 });
  }, 300_000);

  it('gives a directory with one changed file another hash, and the same files the same hash', async () => {
    const store = createFileStore(mkdtempSync(join(tmpdir(), 'ferry-tree-store-')));
    const make = (weights: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'ferry-tree-'));
      mkdirSync(join(dir, 'weights'));
      writeFileSync(join(dir, 'config.json'), '{"scale":3}');
      writeFileSync(join(dir, 'weights', 'w.txt'), weights);
      return dir;
    };
    const a = await store.put(make('1 2 3'));
    const same = await store.put(make('1 2 3'));
    const changed = await store.put(make('1 2 4'));
    expect(a.layout).toBe('tree');
    expect(same.sha256).toBe(a.sha256);
    expect(changed.sha256).not.toBe(a.sha256);
    const exec = make('1 2 3');
    chmodSync(join(exec, 'config.json'), 0o755);
    expect((await store.put(exec)).sha256).not.toBe(a.sha256);
  });

  it('refuses an evaluate step that reports no metrics, naming the step and the fix', async () => {
    const run = await startRun(temporal.client, pipeline('silent', 'python silent.py'), { taskQueue, trigger: 'test' });
    const failure = await run.result().then(() => 'succeeded', (err: unknown) => rootMessage(err));
    expect(failure).toBe('evaluate step "evaluate" reported no metrics; write eval/metrics.json (e.g. {"accuracy": 0.93}; $FERRY_OUTPUT_DIR/metrics.json)');
  }, 300_000);

  it('fails a Python step with the last lines of its stderr and a command that reruns it locally', async () => {
    const run = await startRun(temporal.client, pipeline('broken', 'python broken.py'), { taskQueue, trigger: 'test' });
    await expect(run.result()).rejects.toThrow();
    const [row] = await database.db.select().from(runs).where(eq(runs.workflowId, run.workflowId));
    expect(row!.error).toContain('last lines of stderr:\nTraceback (most recent call last):\nValueError: column price is missing');
    expect(row!.error).not.toContain('loading data');
    const rerun = /rerun it locally with: (.*)$/m.exec(row!.error!)?.[1];
    expect(rerun).toMatch(/^cd .* && env .*FERRY_MODEL=.* sh -c 'python broken.py'$/);
    // The line runs as printed: same venv, same contract, same failure.
    const local = (() => {
      try {
        execFileSync('sh', ['-c', rerun!], { stdio: 'pipe' });
        return { code: 0, stderr: '' };
      } catch (err) {
        return { code: (err as { status: number }).status, stderr: String((err as { stderr: Buffer }).stderr) };
      }
    })();
    expect(local).toEqual({ code: 4, stderr: 'Traceback (most recent call last):\nValueError: column price is missing\n' });
  }, 300_000);
});
