/**
 * Child process of `npm run bench:fleet`: one Ferry worker (every activity, the real workflow bundle) on its own task
 * queue, so that the RSS the bench samples is the worker's alone, not the dev server's or the database's.
 *
 * Usage: tsx bench/fleet-worker.ts TEMPORAL_ADDRESS NAMESPACE DATABASE_URL TASK_QUEUE FERRY_HOME [MAX_CACHED_WORKFLOWS]
 */
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createFileStore } from '../src/artifacts/store.js';
import { createDatabase } from '../src/db/client.js';
import { configFrom } from '../src/dsl/load-config.js';
import { installRuntime } from '../src/temporal/runtime.js';
import { workflowBundlerOptions, workflowsPath } from '../src/temporal/worker.js';

const [address, namespace, url, taskQueue, home, maxCached] = process.argv.slice(2) as [string, string, string, string, string, string?];
installRuntime();
const database = createDatabase(url, { max: 4 });
const activities = createActivities({ db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({}), home, cwd: home });
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({ connection, namespace, taskQueue, activities, workflowsPath, bundlerOptions: workflowBundlerOptions, ...(maxCached ? { maxCachedWorkflows: Number(maxCached) } : {}) });
process.on('SIGTERM', () => worker.shutdown());
process.stdout.write('ready\n');
// Where the RSS is: the V8 heap (workflow contexts live there) against native memory (DuckDB, the Rust core), and how
// many workflow runs the worker keeps cached; the bench prints the last sample.
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 1048576);
  process.stdout.write(`memory ${JSON.stringify({ rss: mib(m.rss), heapUsed: mib(m.heapUsed), heapTotal: mib(m.heapTotal), external: mib(m.external), cachedWorkflows: worker.getStatus().numCachedWorkflows })}\n`);
}, 5000);
sampler.unref();
await worker.run();
await connection.close();
await database.close();
