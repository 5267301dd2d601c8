import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.js';

export type Db = NodePgDatabase<typeof schema>;

export interface Database {
  db: Db;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

/** Opens a pooled connection (one driver path for PGlite-over-socket and real servers alike). */
export function createDatabase(url: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 8, idleTimeoutMillis: 10_000 });
  // An idle client losing its server (e.g. `ferry dev` stopped) must not crash the process.
  pool.on('error', () => undefined);
  // Nor may a checked-out one (a transaction in an activity when PostgreSQL restarts): pg-pool listens only while a
  // client is idle, and an `error` event nobody listens to ends the process. The query in flight still rejects, so the
  // activity fails and Temporal retries it; the pool drops the broken client and connects afresh next time.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle(pool, { schema });
  return { db, pool, url, close: () => pool.end() };
}
