import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { SyncBatchingQueue } from './pglite-queue.js';

export interface EmbeddedPostgres {
  /** `postgres://` URL of the wire-protocol server, for `pg` in this and other processes. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (WASM Postgres) and serves it over the Postgres wire protocol on loopback, so all code uses `pg` and a
 * second process can read while `ferry dev` runs. `dataDir` persists it; omitted → in memory (tests).
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedPostgres> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pglite = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: options.port ?? 0, maxConnections: 32 });
  // pglite-socket 0.2.17 interleaves connections' extended-query messages; see SyncBatchingQueue.
  (server as unknown as { queryQueue: SyncBatchingQueue }).queryQueue = new SyncBatchingQueue(pglite);
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await pglite.close();
    },
  };
}
