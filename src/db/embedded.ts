import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { FerryError } from '../core/errors.js';
import { servePglite } from './pglite-server.js';

export interface EmbeddedPostgres {
  /** `postgres://` URL of the wire-protocol server (password included), for `pg` in this and other processes. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Persists the data (mode 0700); omitted → in memory (tests). */
  dataDir?: string;
  port?: number;
  /**
   * FERRY_HOME: made mode 0700, and the server's password kept in `<home>/pg-password` (0600), generated on first
   * start, so other `ferry` processes of this user can connect. Omitted → a fresh password held in memory.
   */
  home?: string;
  /** A transaction idle this long is rolled back and its connection ended (default 60 s). */
  idleInTransactionMs?: number;
}

const USER = 'postgres';

/** Makes `dir` (FERRY_HOME, a data directory) exist with mode 0700: only this OS user may read what is inside. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** The password in `<home>/pg-password`, created (0600) on first use; a file other users can read is refused. */
function passwordIn(home: string): string {
  ensurePrivateDir(home);
  const file = join(home, 'pg-password');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new FerryError(`${file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it, or delete it to generate a new password`);
  const password = readFileSync(file, 'utf8').trim();
  if (password.length < 16) throw new FerryError(`${file} holds no usable password (under 16 characters); delete it to generate a new one`);
  return password;
}

/** The URL with its password replaced by `***`: for output a person reads. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Starts PGlite (WASM Postgres) and serves it over the Postgres wire protocol on 127.0.0.1, behind a password, so all
 * code uses `pg` and a second process can read while `ferry dev` runs (see src/db/pglite-server.ts).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const password = options.home ? passwordIn(options.home) : randomBytes(32).toString('base64url');
  if (options.dataDir) ensurePrivateDir(options.dataDir);
  const pglite = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  let server;
  try {
    server = await servePglite({ db: pglite, user: USER, password, port: options.port ?? 0, maxConnections: 32, idleInTransactionMs: options.idleInTransactionMs });
  } catch (err) {
    await pglite.close();
    throw err;
  }
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@${server.host}:${server.port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await pglite.close();
    },
  };
}
