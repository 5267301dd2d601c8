import type { PGlite } from '@electric-sql/pglite';

/** Extended-query messages that only take effect at the next Sync: Parse, Bind, Describe, Execute, Close. */
const DEFERRED = new Set([0x50, 0x42, 0x44, 0x45, 0x43]);

/** The transaction holder while a connection's abandoned transaction is rolled back: no handler has this id. */
const ROLLING_BACK = -1;

interface Batch {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export interface QueueOptions {
  /** A transaction whose connection sends nothing for this long is ended (0 = never). */
  idleInTransactionMs?: number;
  /** Told which connection held the idle transaction; it should end that connection. The queue rolls back. */
  onIdleInTransaction?: (handlerId: number) => void;
}

/**
 * The query queue of Ferry's PGlite server: connections share PGlite's one session, one exclusive batch at a time.
 * Each connection's extended-query cycle (Parse … Sync) is kept together: queued as single messages, two connections'
 * Parse/Bind would interleave and a query fail with "unnamed prepared statement does not exist"
 * (electric-sql/pglite#1046). During a transaction only its connection runs — so a transaction left idle would
 * hold every other client: after `idleInTransactionMs` without a message from its connection it is rolled back.
 */
export class SyncBatchingQueue {
  private pending = new Map<number, Uint8Array[]>();
  private queue: Batch[] = [];
  private processing: Promise<void> | undefined;
  private lastHandlerId: number | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: PGlite,
    private readonly options: QueueOptions = {},
  ) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    if (this.stopped) return Promise.reject(new Error('embedded Postgres is stopping'));
    const type = message[0]!;
    // The transaction's connection is talking: its idle clock starts again.
    if (handlerId === this.lastHandlerId) this.disarm();
    if (DEFERRED.has(type)) {
      // Held until the connection's Sync; the handler may go on reading its next message.
      const held = this.pending.get(handlerId) ?? [];
      held.push(message);
      this.pending.set(handlerId, held);
      this.armIfIdle();
      return Promise.resolve(0);
    }
    const held = this.pending.get(handlerId);
    this.pending.delete(handlerId);
    const batch = held ? concat([...held, message]) : message;
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message: batch, onData, resolve, reject });
      void this.process();
    });
  }

  private process(): Promise<void> {
    this.processing ??= this.run().finally(() => {
      this.processing = undefined;
      this.armIfIdle();
    });
    return this.processing;
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      let index = 0;
      if (this.db.isInTransaction() && this.lastHandlerId !== null) {
        index = this.queue.findIndex((b) => b.handlerId === this.lastHandlerId);
        if (index === -1) break; // wait for the connection holding the transaction
      }
      const [batch] = this.queue.splice(index, 1);
      let bytes = 0;
      try {
        await this.db.runExclusive(() =>
          this.db.execProtocolRawStream(batch!.message, {
            onRawData: (data) => {
              bytes += data.length;
              batch!.onData(data);
            },
          }),
        );
        this.lastHandlerId = batch!.handlerId;
        batch!.resolve(bytes);
      } catch (error) {
        batch!.reject(error as Error);
      }
    }
  }

  /** Starts the idle clock when a transaction is open and its connection has nothing queued. */
  private armIfIdle(): void {
    const ms = this.options.idleInTransactionMs ?? 0;
    if (ms <= 0 || this.idleTimer || this.stopped || this.processing) return;
    const holder = this.lastHandlerId;
    if (holder === null || holder === ROLLING_BACK || !this.db.isInTransaction() || this.queue.some((b) => b.handlerId === holder)) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.lastHandlerId !== holder || !this.db.isInTransaction()) return;
      this.options.onIdleInTransaction?.(holder);
      this.clearQueueForHandler(holder);
      void this.clearTransactionIfNeeded(holder).catch(() => undefined);
    }, ms);
    this.idleTimer.unref();
  }

  private disarm(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Refuses new messages and stops the idle clock; `idle()` then waits for the batch running now. */
  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  async idle(): Promise<void> {
    while (this.processing) await this.processing;
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.pending.delete(handlerId);
    this.queue = this.queue.filter((b) => {
      if (b.handlerId !== handlerId) return true;
      b.reject(new Error('Handler disconnected'));
      return false;
    });
  }

  /** Rolls back the transaction `handlerId` left open (it disconnected, or idled too long), then lets the others run. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.lastHandlerId !== handlerId) return;
    this.disarm();
    // Nobody's turn until the ROLLBACK is done (a second call returns here); exec waits for PGlite's query lock, so
    // it cannot land inside a batch that is running.
    this.lastHandlerId = ROLLING_BACK;
    try {
      if (this.db.isInTransaction() && !this.db.closed) await this.db.exec('ROLLBACK');
    } finally {
      this.lastHandlerId = null;
    }
    if (!this.stopped) await this.process();
  }

}
