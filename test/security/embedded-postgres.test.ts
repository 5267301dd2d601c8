import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';

// Attack #4 of the red-team pass: the embedded Postgres accepted a passwordless superuser on its TCP port (an admin
// token was inserted), and one idle `BEGIN` froze the whole database for every client. It must take a generated
// password kept in FERRY_HOME (0600, FERRY_HOME 0700), listen on loopback only, and end a transaction left idle.

const mode = (path: string) => statSync(path).mode & 0o777;

/** Connects one client, runs `sql`, and ends; resolves with the rows or rejects with the server's error. */
async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const withPassword = (url: string, password: string | undefined) => {
  const u = new URL(url);
  u.password = password ?? '';
  return u.toString();
};

describe('the embedded Postgres is locked', () => {
  let server: EmbeddedPostgres;
  const home = join(mkdtempSync(join(tmpdir(), 'ferry-pg-lock-')), 'home');

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ home, idleInTransactionMs: 500 });
    await query(server.url, 'create table users_probe (name text primary key, token text)');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a client without the password, so no one can insert an admin token', async () => {
    await expect(query(withPassword(server.url, undefined), "insert into users_probe values ('mallory', 'admin-token')")).rejects.toThrow();
    await expect(query(withPassword(server.url, 'guessed'), "insert into users_probe values ('mallory', 'admin-token')")).rejects.toThrow(/password authentication failed for user "postgres"/);
    expect(await query(server.url, 'select * from users_probe')).toEqual([]);
  });

  it('takes the generated password, kept in FERRY_HOME with mode 0600 inside a 0700 FERRY_HOME', async () => {
    const password = readFileSync(join(home, 'pg-password'), 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(new URL(server.url).password).toBe(encodeURIComponent(password));
    expect(mode(join(home, 'pg-password'))).toBe(0o600);
    expect(mode(home)).toBe(0o700);
    expect(await query(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('listens on loopback only', async () => {
    const url = new URL(server.url);
    expect(url.hostname).toBe('127.0.0.1');
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of external) {
      const elsewhere = new URL(server.url);
      elsewhere.hostname = address;
      await expect(query(elsewhere.toString(), 'select 1')).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it('ends a transaction left idle, so one idle BEGIN cannot freeze the other clients', async () => {
    const idle = new pg.Client({ connectionString: server.url });
    const errors: Error[] = [];
    idle.on('error', (err) => errors.push(err));
    await idle.connect();
    await idle.query('begin');
    await idle.query("insert into users_probe values ('half-done', null)");
    // Another client gets through once the idle transaction is ended for it.
    expect(await query(server.url, 'select count(*)::int as n from users_probe')).toEqual([{ n: 0 }]);
    await expect(idle.query('commit')).rejects.toThrow();
    await idle.end().catch(() => undefined);
    expect(errors.map((e) => e.message).join(' ')).toMatch(/idle-in-transaction timeout/);
    expect(await query(server.url, "select name from users_probe where name = 'half-done'")).toEqual([]);
  });

  it('keeps a busy transaction: one that keeps talking is not ended', async () => {
    const busy = new pg.Client({ connectionString: server.url });
    await busy.connect();
    try {
      await busy.query('begin');
      for (let i = 0; i < 5; i++) {
        await busy.query(`insert into users_probe values ('busy-${i}', null)`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await busy.query('commit');
    } finally {
      await busy.end();
    }
    expect(await query(server.url, "select count(*)::int as n from users_probe where name like 'busy-%'")).toEqual([{ n: 5 }]);
  });

  it('reuses the password on restart and refuses a password file others can read', async () => {
    const again = await startEmbeddedPostgres({ home });
    try {
      expect(new URL(again.url).password).toBe(new URL(server.url).password);
    } finally {
      await again.stop();
    }
    const loose = join(mkdtempSync(join(tmpdir(), 'ferry-pg-loose-')), 'home');
    const first = await startEmbeddedPostgres({ home: loose });
    await first.stop();
    chmodSync(join(loose, 'pg-password'), 0o644);
    await expect(startEmbeddedPostgres({ home: loose })).rejects.toThrow(/pg-password is readable by other users \(mode 644\); chmod 600/);
  });
});
