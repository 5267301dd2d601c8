/**
 * Records workflow histories for the replay test: runs each named scenario of test/replay/fixture.ts through a real
 * worker and writes its history to test/replay/histories/<name>.json.
 *
 *   npm run record:history                 # every scenario
 *   npm run record:history -- hello        # one scenario
 *
 * Uses TEMPORAL_ADDRESS when set, otherwise starts a headless dev server; the database is always an in-memory PGlite.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { createFileStore } from '../src/artifacts/store.js';
import { configFrom } from '../src/dsl/load-config.js';
import { createDatabase } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { parsePipeline } from '../src/dsl/load.js';
import { startRun } from '../src/runs/start.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { provisionTemporalCli } from '../src/temporal/provision.js';
import { installRuntime } from '../src/temporal/runtime.js';
import { createFerryWorker } from '../src/temporal/worker.js';
import { makeRepo } from '../test/helpers/git.js';
import { historyToJson } from '../test/replay/history-json.js';
import { replaySteps, scenarios } from '../test/replay/fixture.js';

const historiesDir = fileURLToPath(new URL('../test/replay/histories/', import.meta.url));

async function run(): Promise<void> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in scenarios));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')} (add one in test/replay/fixture.ts)`);
  const chosen = names.length > 0 ? names : Object.keys(scenarios);

  const stops: (() => Promise<unknown>)[] = [];
  try {
    let address = process.env.TEMPORAL_ADDRESS;
    if (!address) {
      const server = await startDevServer({ binary: await provisionTemporalCli({ explicitPath: process.env.TEMPORAL_CLI }), headless: true });
      stops.push(server.stop);
      address = server.address;
    }
    const pg = await startEmbeddedPostgres();
    stops.push(pg.stop);
    const database = createDatabase(pg.url);
    stops.push(database.close);
    await migrateDatabase(database.db);
    const connection = await Connection.connect({ address });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    installRuntime();

    mkdirSync(historiesDir, { recursive: true });
    for (const name of chosen) {
      const scenario = scenarios[name]!;
      const repo = makeRepo(scenario.files);
      const home = mkdtempSync(join(tmpdir(), 'ferry-record-'));
      const taskQueue = `record-${name}-${Date.now()}`;
      const { worker, connection: workerConnection } = await createFerryWorker({
        address,
        namespace: 'default',
        taskQueue,
        deps: { db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({ steps: replaySteps }), home, cwd: repo },
      });
      try {
        await worker.runUntil(async () => {
          const handle = await startRun(client, parsePipeline(scenario.pipeline, `${name}.ts`), { taskQueue, trigger: 'test', workflowId: `replay-${name}` });
          const failed = await handle.result().then(() => false, () => true);
          if (failed !== scenario.fails) throw new Error(`scenario ${name}: the run ${failed ? 'failed' : 'succeeded'}, expected it to ${scenario.fails ? 'fail' : 'succeed'}`);
          const file = join(historiesDir, `${name}.json`);
          writeFileSync(file, `${historyToJson(await handle.fetchHistory())}\n`);
          process.stderr.write(`recorded ${name} → ${file}\n`);
        });
      } finally {
        await workerConnection.close();
        rmSync(home, { recursive: true, force: true });
        rmSync(repo, { recursive: true, force: true });
      }
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`record-history: ${process.env.VERBOSE ? (err as Error).stack : (err as Error).message}\n`);
    process.exit(1);
  },
);
