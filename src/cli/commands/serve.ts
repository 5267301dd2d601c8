import { openArtifactStore } from '../../artifacts/open.js';
import { createDatabase } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';
import { loadConfig } from '../../dsl/load-config.js';
import { readEnv } from '../../settings.js';
import { UsageError } from '../../core/errors.js';
import { watchProcessHealth } from '../../health/index.js';
import { createModelServer } from '../../serve/index.js';
import { resolveEndpoints } from '../../stack.js';
import { say } from '../output.js';

/** `ferry serve`: the model server, until SIGINT/SIGTERM; on the way out every queued prediction is written. */
export async function serve(opts: { port: string; host: string; config?: string; refreshMs: string }): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${opts.port}: expected a port number 0–65535`);
  const refreshMs = Number(opts.refreshMs);
  if (!Number.isFinite(refreshMs) || refreshMs < 50) throw new UsageError(`--refresh-ms ${opts.refreshMs}: expected milliseconds ≥ 50`);
  const env = readEnv();
  const endpoints = resolveEndpoints(env, { database: true });
  const database = createDatabase(endpoints.databaseUrl);
  const unwatch = watchProcessHealth({ home: env.FERRY_HOME, role: 'ferry serve' });
  try {
    await migrateDatabase(database.db);
    const config = await loadConfig(process.cwd(), opts.config);
    if (config.predictors.size === 0) say(`No predictors in ${config.file ?? 'ferry.config.ts'}: add definePredictor(...) to predictors to serve models.`);
    const server = await createModelServer({ db: database.db, config, port, host: opts.host, refreshMs, store: openArtifactStore(env) });
    say(`Ferry model server on ${server.url} (POST /v1/models/<name>/predict); set FERRY_SERVE_URL=${server.url} for local deploys. Ctrl-C to stop.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    say('Stopping: finishing requests and writing the prediction log…');
    await server.close();
    const { written, dropped } = server.stats().predictionLog;
    say(`Prediction log: ${written} written, ${dropped} dropped.`);
  } finally {
    unwatch();
    await database.close();
  }
}
