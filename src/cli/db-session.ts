import { createDatabase, type Database } from '../db/client.js';
import { readEnv, type FerryEnv } from '../env.js';
import { resolveEndpoints } from '../stack.js';

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
  const database = createDatabase(databaseUrl, { max: 4 });
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
