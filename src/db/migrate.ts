import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Db } from './client.js';

/** The SQL that drizzle-kit generated from `src/db/schema`, shipped with the package. */
export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

// Any constant works: it only has to be the same in every Ferry process sharing a database.
const MIGRATION_LOCK = 0x66657272;

/** Applies pending migrations under an advisory lock, so several workers starting at once migrate once. */
export async function migrateDatabase(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await migrate(tx as unknown as Db, { migrationsFolder });
  });
}
