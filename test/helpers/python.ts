import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFrom } from '../../src/dsl/load-config.js';
import { ensureMlserverVenv, stopSharedMlservers } from '../../src/mlserver/server.js';
import { ensureVenv } from '../../src/provision/python-venv.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import type { Backend } from './db.js';
import { makeRepo } from './git.js';
import { startTestWorker, testClient } from './temporal.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The pinned lines of a requirements.txt (comments and blanks dropped). */
export function requirementsOf(file: string): string[] {
  return readFileSync(join(root, file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/**
 * The cached venv of the Python example's requirements (built the first time, with progress), and a PATH that puts
 * its `python` first: what a command step running `python …` finds.
 */
export async function pythonExampleEnv(): Promise<{ python: string; path: string }> {
  const venv = await ensureVenv({ requirements: requirementsOf('pipelines/iris-python/requirements.txt') });
  return { python: venv.python, path: `${join(venv.dir, 'bin')}:${process.env.PATH ?? ''}` };
}

/**
 * The stack the Python-on-MLServer tests share: MLServer's venv (built first: on a clean machine it takes longer than a
 * deploy activity's timeout), a fresh database, Ferry's gateway, a git repository holding `files` (copied from this
 * checkout) and a worker on it that deploys through that gateway. `stop()` undoes all of it.
 */
export async function startMlserverStack(backend: Backend, files: string[], taskQueue: string) {
  await ensureMlserverVenv();
  const database = await backend.create();
  let gateway = await createModelServer({ db: database.db, config: configFrom({}), port: 0, refreshMs: 100, logger: { flushMs: 50 } });
  const repo = makeRepo(Object.fromEntries(files.map((f) => [f, readFileSync(join(root, f), 'utf8')])));
  const worker = await startTestWorker({ db: database.db, taskQueue, cwd: repo, extra: { serveUrl: gateway.url } });
  const temporal = await testClient();
  return {
    database,
    worker,
    temporal,
    get gateway(): ModelServer {
      return gateway;
    },
    /** Closes the gateway (flushing its log) and starts a new one on the same database. */
    async restartGateway() {
      await gateway.close();
      gateway = await createModelServer({ db: database.db, config: configFrom({}), port: 0 });
    },
    async stop(before?: () => Promise<unknown>) {
      await before?.().catch(() => undefined);
      await worker.stop();
      await gateway.close();
      await stopSharedMlservers();
      await temporal.close();
      await database.close();
    },
  };
}

/** The iris example's features, in its CSV's order. */
export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;

/** The iris example's rows as prediction inputs (sorted by species: 50 setosa, 50 versicolor, 50 virginica). */
export function irisRows(): Record<string, number>[] {
  return readFileSync(join(root, 'pipelines/iris-python/data/iris.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Object.fromEntries(IRIS_FEATURES.map((f, i) => [f, Number(line.split(',')[i])])));
}
