import { createDatabase } from '../../db/client.js';
import { migrateDatabase } from '../../db/migrate.js';
import { readEnv } from '../../settings.js';
import { resolveEndpoints } from '../../stack.js';
import { say } from '../output.js';

/** `ferry migrate`: applies pending migrations to DATABASE_URL (or the running ferry dev's database). */
export async function migrateCommand(): Promise<void> {
  const endpoints = resolveEndpoints(readEnv(), { database: true });
  const database = createDatabase(endpoints.databaseUrl, { max: 1 });
  try {
    await migrateDatabase(database.db);
    say('Migrations applied.');
  } finally {
    await database.close();
  }
}
