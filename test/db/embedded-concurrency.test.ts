import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';

// Many connections doing parameterised queries (Parse/Bind/Execute/Sync) and transactions at once must not see each
// other's unnamed statements or break into each other's transactions.
describe('embedded Postgres over the wire with many connections', () => {
  let server: EmbeddedPostgres;
  let pool: pg.Pool;
  beforeAll(async () => {
    server = await startEmbeddedPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 12 });
    await pool.query('create table t (id serial primary key, owner int not null, n int not null)');
  });
  afterAll(async () => {
    await pool.end();
    await server.stop();
  });

  it('keeps every extended-query cycle and transaction of a connection together', async () => {
    const work = Array.from({ length: 12 }, (_, owner) =>
      (async () => {
        for (let i = 0; i < 40; i++) {
          const { rows } = await pool.query('select $1::int + $2::int as sum, $3::text as tag', [owner, i, `o${owner}`]);
          expect(rows[0]).toEqual({ sum: owner + i, tag: `o${owner}` });
          if (i % 8 === 0) {
            const client = await pool.connect();
            try {
              await client.query('begin');
              await client.query('insert into t (owner, n) values ($1, $2)', [owner, i]);
              const { rows: mine } = await client.query('select count(*)::int as c from t where owner = $1', [owner]);
              await client.query('commit');
              expect(mine[0].c).toBe(i / 8 + 1);
            } finally {
              client.release();
            }
          }
        }
      })(),
    );
    await Promise.all(work);
    const { rows } = await pool.query('select count(*)::int as c from t');
    expect(rows[0].c).toBe(12 * 5);
  });
});
