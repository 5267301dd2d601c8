import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/client.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { migrateDatabase } from '../../src/db/migrate.js';

export interface TestDatabase extends Database {
  backend: 'pglite' | 'postgres';
}

export interface Backend {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty database: PGlite in memory, or a new database on the DATABASE_URL server. */
  create(): Promise<TestDatabase>;
}

const pglite: Backend = {
  name: 'pglite',
  async create() {
    const server = await startEmbeddedPostgres();
    const database = createDatabase(server.url);
    await migrateDatabase(database.db);
    return {
      ...database,
      backend: 'pglite',
      async close() {
        await database.close();
        await server.stop();
      },
    };
  },
};

function postgres(url: string): Backend {
  return {
    name: 'postgres',
    async create() {
      const name = `ferry_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const target = new URL(url);
      target.pathname = `/${name}`;
      const database = createDatabase(target.toString());
      await migrateDatabase(database.db);
      return {
        ...database,
        backend: 'postgres',
        async close() {
          await database.close();
          const cleanup = new pg.Client({ connectionString: url });
          await cleanup.connect();
          await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await cleanup.end();
        },
      };
    },
  };
}

/**
 * The database backends every database test runs against: PGlite always, and the real PostgreSQL server of
 * `DATABASE_URL` when it is set (as `.ci/run` does). Use with `describe.each(backends())`.
 */
export function backends(): Backend[] {
  const url = process.env.DATABASE_URL;
  return url ? [pglite, postgres(url)] : [pglite];
}
