import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { createDatabase, type Database } from './db/client.js';
import { ensurePrivateDir, startEmbeddedPostgres } from './db/embedded.js';
import { migrateDatabase } from './db/migrate.js';
import type { FerryEnv } from './settings.js';
import { FerryError } from './core/errors.js';
import { startDevServer } from './temporal/dev-server.js';
import { provisionTemporalCli } from './temporal/provision.js';
import { devPorts, envValue } from './settings.js';

/** Where a running `ferry dev` says it can be reached, so other `ferry` processes find it. */
const devStateSchema = z.object({
  pid: z.number().int(),
  temporalAddress: z.string(),
  namespace: z.string(),
  databaseUrl: z.string(),
  uiUrl: z.string().optional(),
  serveUrl: z.string().optional(),
  startedAt: z.string(),
});
export type DevState = z.infer<typeof devStateSchema>;

export interface Endpoints {
  temporalAddress: string;
  namespace: string;
  databaseUrl: string;
  uiUrl?: string;
  /** The model server of a running `ferry dev`, or FERRY_SERVE_URL. */
  serveUrl?: string;
}

const devStateFile = (home: string) => join(resolve(home), 'dev.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The running `ferry dev` of this FERRY_HOME, if any. */
export function readDevState(home: string): DevState | undefined {
  const file = devStateFile(home);
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // cut short by a crash while it was written: no running stack is described there
  }
  const parsed = devStateSchema.safeParse(json);
  return parsed.success && alive(parsed.data.pid) ? parsed.data : undefined;
}

/**
 * Endpoints for commands that talk to a running stack: environment variables first, then a running `ferry dev`.
 * Nothing found is a one-line error naming both fixes.
 */
export function resolveEndpoints(env: FerryEnv, needs: { temporal?: boolean; database?: boolean } = { temporal: true, database: true }): Endpoints {
  const dev = readDevState(env.FERRY_HOME);
  const temporalAddress = env.TEMPORAL_ADDRESS ?? dev?.temporalAddress;
  const databaseUrl = env.DATABASE_URL ?? dev?.databaseUrl;
  const missing = [needs.temporal && !temporalAddress ? 'TEMPORAL_ADDRESS' : undefined, needs.database && !databaseUrl ? 'DATABASE_URL' : undefined].filter(Boolean);
  if (missing.length > 0) {
    const stopped = existsSync(devStateFile(env.FERRY_HOME)) ? " (the 'ferry dev' that last ran there has stopped)" : '';
    throw new FerryError(
      `no Ferry stack is running for FERRY_HOME=${resolve(env.FERRY_HOME)}${stopped}: start one with 'npx ferry dev' in another terminal and run this again, or set ${missing.join(' and ')} to a running stack`,
    );
  }
  return { temporalAddress: temporalAddress ?? '', namespace: env.TEMPORAL_NAMESPACE, databaseUrl: databaseUrl ?? '', uiUrl: dev?.uiUrl, serveUrl: envValue('FERRY_SERVE_URL') ?? dev?.serveUrl };
}

export interface Stack extends Endpoints {
  database: Database;
  /** Whether this process started the Temporal server / the embedded Postgres (or uses configured ones). */
  embedded: { temporal: boolean; postgres: boolean };
  stop(): Promise<void>;
}

export interface StartStackOptions {
  env: FerryEnv;
  /** Keep Temporal's SQLite and PGlite's data under FERRY_HOME (dev, demo); otherwise in memory. */
  persistent: boolean;
  headless?: boolean;
  /** `ferry dev`: Temporal on FERRY_TEMPORAL_PORT / FERRY_TEMPORAL_UI_PORT (7233 / 8233), so links survive restarts. */
  stablePorts?: boolean;
  onProgress?: (line: string) => void;
}

/**
 * Starts what is not configured: the Temporal dev server unless `TEMPORAL_ADDRESS` is set, embedded PGlite unless
 * `DATABASE_URL` is set; then applies migrations. `stop()` undoes it all, in reverse order.
 */
export async function startStack(options: StartStackOptions): Promise<Stack> {
  const { env } = options;
  const home = resolve(env.FERRY_HOME);
  // 0700: the database password, keys and dev state inside are this OS user's alone.
  ensurePrivateDir(home);
  const running = readDevState(env.FERRY_HOME);
  if (running && running.pid !== process.pid) {
    throw new FerryError(`'ferry dev' is already running for ${home} (pid ${running.pid}); stop it first, or use it from this terminal with 'npx ferry run …'`);
  }
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
  };
  try {
    let temporalAddress = env.TEMPORAL_ADDRESS;
    let uiUrl: string | undefined;
    if (!temporalAddress) {
      const binary = await provisionTemporalCli({ explicitPath: env.TEMPORAL_CLI, onProgress: options.onProgress });
      const server = await startDevServer({
        binary,
        headless: options.headless,
        namespace: env.TEMPORAL_NAMESPACE,
        dbFile: options.persistent ? join(home, 'temporal.db') : undefined,
        ...(options.stablePorts ? { port: devPorts(env).temporal, uiPort: devPorts(env).ui, portVariables: { port: 'FERRY_TEMPORAL_PORT', uiPort: 'FERRY_TEMPORAL_UI_PORT' } } : {}),
      });
      stops.push(server.stop);
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
    }
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: options.persistent ? join(home, 'pgdata') : undefined, home: options.persistent ? home : undefined });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    const database = createDatabase(databaseUrl);
    stops.push(database.close);
    await migrateDatabase(database.db);
    return {
      temporalAddress,
      namespace: env.TEMPORAL_NAMESPACE,
      databaseUrl,
      uiUrl,
      database,
      embedded: { temporal: !env.TEMPORAL_ADDRESS, postgres: !env.DATABASE_URL },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Announces a running `ferry dev` to other processes; returns the function that withdraws it. */
export function writeDevState(home: string, state: Omit<DevState, 'pid' | 'startedAt'>): () => void {
  const file = devStateFile(home);
  // It holds the database URL, password included: readable by this OS user only.
  writeFileSync(file, JSON.stringify({ ...state, pid: process.pid, startedAt: new Date().toISOString() }, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return () => rmSync(file, { force: true });
}
