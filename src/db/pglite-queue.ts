import type { PGlite } from '@electric-sql/pglite';

/** Extended-query messages that only take effect at the next Sync: Parse, Bind, Describe, Execute, Close. */
const DEFERRED = new Set([0x50, 0x42, 0x44, 0x45, 0x43]);

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

/**
 * A drop-in for pglite-socket's query queue that keeps each connection's extended-query cycle (Parse … Sync) together.
 * pglite-socket 0.2.17 queues single messages, so two connections' Parse/Bind interleave on PGlite's one session and
 * a query fails with "unnamed prepared statement does not exist" (electric-sql/pglite#1046). Here messages up to a
 * Sync are held per connection and run as one exclusive batch; during a transaction only its connection runs.
 */
export class SyncBatchingQueue {
  private pending = new Map<number, Uint8Array[]>();
  private queue: Batch[] = [];
  private processing = false;
  private lastHandlerId: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const type = message[0]!;
    if (DEFERRED.has(type)) {
      // Held until the connection's Sync; the handler may go on reading its next message.
      const held = this.pending.get(handlerId) ?? [];
      held.push(message);
      this.pending.set(handlerId, held);
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

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
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
    } finally {
      this.processing = false;
    }
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

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.db.isInTransaction() && this.lastHandlerId === handlerId) {
      await this.db.exec('ROLLBACK');
      this.lastHandlerId = null;
      await this.process();
    }
  }
}
