import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDatabase, type Database } from '../../src/db/client.js';
import { startPostgresServer, type PostgresServer } from '../helpers/postgres-server.js';

// A real PostgreSQL server restarted under a client checked out of the pool (what a `ferry worker`'s activity holds
// mid-transaction): the query in flight fails, the process keeps running, and the next query reconnects.
describe('a pooled database across a PostgreSQL restart', () => {
  let server: PostgresServer;
  let database: Database;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  beforeAll(async () => {
    server = await startPostgresServer();
    database = createDatabase(server.url());
    process.on('uncaughtException', onUncaught);
  }, 120_000);

  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await database?.close().catch(() => undefined);
    await server?.stop();
  }, 60_000);

  it('rejects the checked-out client query, emits no uncaught error, and answers again after the restart', { timeout: 120_000 }, async () => {
    const held = await database.pool.connect();
    await held.query('begin');
    await server.restart();
    await new Promise((r) => setTimeout(r, 200));
    await expect(held.query('select 1')).rejects.toThrow();
    held.release(true);
    const rows = await database.db.execute(sql`select 1 as one`);
    expect(rows.rows[0]).toEqual({ one: 1 });
    expect(uncaught).toEqual([]);
  });
});
