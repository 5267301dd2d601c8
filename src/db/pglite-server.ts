import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { SyncBatchingQueue } from './pglite-queue.js';

/**
 * Ferry's Postgres wire-protocol front for PGlite. It replaces pglite-socket 0.2.17's server, which has no
 * authentication (any local process was a passwordless superuser) and no idle-in-transaction timeout (PGlite has one
 * session, so one idle `BEGIN` held every other client). Here: SCRAM-SHA-256 password authentication (RFC 5802/7677,
 * what Postgres itself uses), loopback only, and a transaction left idle is rolled back and its connection ended
 * (SQLSTATE 25P03, as Postgres does with idle_in_transaction_session_timeout).
 */
export interface PgliteServerOptions {
  db: PGlite;
  /** The only user name accepted; PGlite's session is its superuser whatever the name. */
  user: string;
  password: string;
  /** Loopback only: 127.0.0.1 (default) or ::1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  maxConnections?: number;
  /** A transaction idle this long is rolled back and its connection ended (default 60 s). */
  idleInTransactionMs?: number;
}

export interface PgliteServer {
  host: string;
  port: number;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const SCRAM_ITERATIONS = 4096;
const MAX_STARTUP_BYTES = 10_000;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** A backend message: type byte, int32 length (itself included), body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function authentication(code: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32BE(code);
  return message('R', Buffer.concat([body, data]));
}

/** A FATAL ErrorResponse: what a client shows as the connection's error. */
function fatal(code: string, text: string): Buffer {
  const field = (t: string, v: string) => Buffer.concat([Buffer.from(t, 'latin1'), Buffer.from(v, 'utf8'), Buffer.from([0])]);
  return message('E', Buffer.concat([field('S', 'FATAL'), field('V', 'FATAL'), field('C', code), field('M', text), Buffer.from([0])]));
}

/** The SCRAM keys of one password, derived once per server. */
function scramKeys(password: string) {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  return { salt, storedKey: sha256(clientKey), serverKey: hmac(salted, 'Server Key') };
}

const isLoopback = (address: string | undefined) => !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

let nextConnectionId = 1;

class Connection {
  readonly id = nextConnectionId++;
  private buffer = Buffer.alloc(0);
  private state: 'startup' | 'sasl-initial' | 'sasl-final' | 'ready' | 'closed' = 'startup';
  private startup?: Buffer;
  private user?: string;
  private scram?: { clientFirstBare: string; serverFirst: string; nonce: string; gs2: string };
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly server: { queue: SyncBatchingQueue; user: string; keys: ReturnType<typeof scramKeys>; onClose: (c: Connection) => void },
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      // Messages are handled one at a time, in order, whatever the chunking.
      this.work = this.work.then(() => this.drain()).catch(() => this.close());
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Ends the connection with a FATAL error the client can show. */
  terminate(code: string, text: string): void {
    if (this.state === 'closed') return;
    if (this.socket.writable) this.socket.write(fatal(code, text));
    this.close();
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end();
    this.socket.destroy();
    this.server.onClose(this);
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.state === 'closed') return;
      if (this.state === 'startup') {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (length < 8 || length > MAX_STARTUP_BYTES) return this.terminate('08P01', 'invalid startup packet length');
        if (this.buffer.length < length) return;
        const packet = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        this.onStartupPacket(packet);
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = this.buffer.readInt32BE(1);
      if (length < 4) return this.terminate('08P01', 'invalid message length');
      if (this.buffer.length < length + 1) return;
      const packet = Buffer.from(this.buffer.subarray(0, length + 1));
      this.buffer = this.buffer.subarray(length + 1);
      await this.onMessage(packet);
    }
  }

  private onStartupPacket(packet: Buffer): void {
    const code = packet.readInt32BE(4);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) return void this.socket.write('N');
    // PGlite has no backend to signal; the protocol expects no answer to a CancelRequest.
    if (code === CANCEL_REQUEST) return this.close();
    if (code !== PROTOCOL_3) return this.terminate('08P01', `unsupported frontend protocol ${code >> 16}.${code & 0xffff}: server supports 3.0`);
    const fields = packet.subarray(8).toString('utf8').split('\0');
    const params = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length && fields[i] !== ''; i += 2) params.set(fields[i]!, fields[i + 1]!);
    this.user = params.get('user');
    if (!this.user) return this.terminate('28000', 'no PostgreSQL user name specified in startup packet');
    this.startup = Buffer.from(packet);
    this.state = 'sasl-initial';
    const mechanisms = Buffer.from('SCRAM-SHA-256\0\0', 'latin1');
    this.socket.write(authentication(10, mechanisms));
  }

  private authFailed(): void {
    this.terminate('28P01', `password authentication failed for user "${this.user}"`);
  }

  private async onMessage(packet: Buffer): Promise<void> {
    const type = String.fromCharCode(packet[0]!);
    if (this.state === 'sasl-initial' || this.state === 'sasl-final') {
      if (type !== 'p') return this.terminate('08P01', `expected a password response, got message type "${type}"`);
      return this.state === 'sasl-initial' ? this.onSaslInitial(packet.subarray(5)) : this.onSaslFinal(packet.subarray(5));
    }
    if (type === 'X') return this.close();
    await this.server.queue.enqueue(this.id, new Uint8Array(packet), (data) => {
      if (data.length > 0 && this.state === 'ready' && this.socket.writable) this.socket.write(data);
    });
  }

  private onSaslInitial(body: Buffer): void {
    const end = body.indexOf(0);
    const mechanism = body.subarray(0, end).toString('latin1');
    if (mechanism !== 'SCRAM-SHA-256') return this.terminate('28000', `SASL mechanism ${mechanism} is not supported; use SCRAM-SHA-256`);
    const clientFirst = body.subarray(end + 5).toString('utf8');
    // gs2 header: "n,," (no channel binding) or "y,," (client could, server does not offer it); "p=" is refused.
    const match = /^([ny]),[^,]*,(.*)$/.exec(clientFirst);
    const nonce = match ? /(?:^|,)r=([^,]+)/.exec(match[2]!)?.[1] : undefined;
    if (!match || !nonce) return this.authFailed();
    const gs2 = clientFirst.slice(0, clientFirst.length - match[2]!.length);
    const full = nonce + randomBytes(18).toString('base64');
    const serverFirst = `r=${full},s=${this.server.keys.salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
    this.scram = { clientFirstBare: match[2]!, serverFirst, nonce: full, gs2 };
    this.state = 'sasl-final';
    this.socket.write(authentication(11, Buffer.from(serverFirst, 'utf8')));
  }

  private async onSaslFinal(body: Buffer): Promise<void> {
    const scram = this.scram!;
    const clientFinal = body.toString('utf8');
    const proofAt = clientFinal.lastIndexOf(',p=');
    const withoutProof = proofAt > 0 ? clientFinal.slice(0, proofAt) : '';
    const attrs = new Map(withoutProof.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)]));
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    if (proofAt < 0 || attrs.get('r') !== scram.nonce || attrs.get('c') !== Buffer.from(scram.gs2).toString('base64') || proof.length !== 32) return this.authFailed();
    const authMessage = `${scram.clientFirstBare},${scram.serverFirst},${withoutProof}`;
    const { storedKey, serverKey } = this.server.keys;
    const signature = hmac(storedKey, authMessage);
    const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
    if (!timingSafeEqual(sha256(clientKey), storedKey) || this.user !== this.server.user) return this.authFailed();
    this.socket.write(authentication(12, Buffer.from(`v=${hmac(serverKey, authMessage).toString('base64')}`, 'utf8')));
    this.state = 'ready';
    // PGlite answers the startup packet with AuthenticationOk, its parameters, BackendKeyData and ReadyForQuery.
    await this.server.queue.enqueue(this.id, new Uint8Array(this.startup!), (data) => {
      if (data.length > 0 && this.socket.writable) this.socket.write(data);
    });
  }
}

/** Serves `db` over the Postgres wire protocol on loopback, behind a password (see `PgliteServerOptions`). */
export async function servePglite(options: PgliteServerOptions): Promise<PgliteServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isIP(host) || !isLoopback(host)) throw new Error(`embedded Postgres listens on loopback only (127.0.0.1 or ::1), not ${host}`);
  const maxConnections = options.maxConnections ?? 32;
  const connections = new Map<number, Connection>();
  const queue = new SyncBatchingQueue(options.db, {
    idleInTransactionMs: options.idleInTransactionMs ?? 60_000,
    onIdleInTransaction: (id) => connections.get(id)?.terminate('25P03', 'terminating connection due to idle-in-transaction timeout'),
  });
  const shared = {
    queue,
    user: options.user,
    keys: scramKeys(options.password),
    onClose: (c: Connection) => {
      if (!connections.delete(c.id)) return;
      queue.clearQueueForHandler(c.id);
      void queue.clearTransactionIfNeeded(c.id).catch(() => undefined);
    },
  };
  await options.db.waitReady;
  const server: Server = createServer((socket) => {
    if (!isLoopback(socket.remoteAddress)) return void socket.destroy();
    if (connections.size >= maxConnections) {
      socket.end(fatal('53300', 'sorry, too many clients already'));
      return;
    }
    const connection = new Connection(socket, shared);
    connections.set(connection.id, connection);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of [...connections.values()]) connection.close();
      queue.stop();
      await closed;
      await queue.idle();
    },
  };
}
