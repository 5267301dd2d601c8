import { createDatabase, type Database } from '../db/client.js';
import { readEnv, type FerryEnv } from '../settings.js';
import { FerryError } from '../core/errors.js';
import { resolveEndpoints } from '../stack.js';

/**
 * Opens the database and checks it answers: an unreachable server is a one-line error that says how to start one,
 * not a failed query later. The message names host and port only (the URL may hold a password).
 */
export async function connectDatabase(url: string, max: number): Promise<Database> {
  const database = createDatabase(url, { max });
  try {
    await database.pool.query('select 1');
    return database;
  } catch (err) {
    await database.close().catch(() => undefined);
    const { hostname, port } = new URL(url);
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new FerryError(`cannot reach Postgres at ${hostname}:${port || 5432} (${reason}); start 'npx ferry dev' or fix DATABASE_URL`, { cause: err });
  }
}

/** What a database-only command (registry, lineage, audit) works with: no Temporal connection needed. */
export interface DatabaseSession {
  env: FerryEnv;
  database: Database;
  close(): Promise<void>;
}

/** Connects to the stack's database (`DATABASE_URL`, else a running `ferry dev`); always `close()` it in `finally`. */
export async function openDatabaseSession(): Promise<DatabaseSession> {
  const env = readEnv();
  const { databaseUrl } = resolveEndpoints(env, { database: true });
  const database = await connectDatabase(databaseUrl, 4);
  return { env, database, close: () => database.close() };
}

/** Runs `fn` with a database session, closing it however `fn` ends. */
export async function withDatabase<T>(fn: (session: DatabaseSession) => Promise<T>): Promise<T> {
  const session = await openDatabaseSession();
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
