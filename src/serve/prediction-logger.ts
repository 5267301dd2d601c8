import type { Db } from '../db/client.js';
import { predictions } from '../db/schema/index.js';
import { FerryError } from '../errors.js';
import { log } from '../log.js';

/** One logged prediction (a row of `predictions`). */
export interface PredictionRecord {
  requestId: string;
  model: string;
  version: number;
  env: string;
  inputs: unknown;
  outputs: unknown;
  error: string | null;
  latencyMs: number;
  at: Date;
}

export interface PredictionLoggerOptions {
  /** Rows per insert (default 500). */
  batchSize?: number;
  /** Longest a record waits before its batch is written (default 250 ms). */
  flushMs?: number;
  /** Records held in memory at most; beyond it new records are dropped and counted (default 100,000). */
  maxQueue?: number;
}

/** Counters for the metrics endpoint: records waiting, written, dropped over the bound, and failed writes retried. */
export interface PredictionLoggerStats {
  queued: number;
  written: number;
  dropped: number;
  failedWrites: number;
}

/**
 * Writes predictions to Postgres in batches (every `batchSize` records or `flushMs`), one insert at a time, off the
 * request path. A failed insert keeps its batch and retries; `close()` writes everything still queued.
 */
export function createPredictionLogger(db: Db, options: PredictionLoggerOptions = {}) {
  const batchSize = options.batchSize ?? 500;
  const flushMs = options.flushMs ?? 250;
  const maxQueue = options.maxQueue ?? 100_000;
  let queue: PredictionRecord[] = [];
  const stats = { written: 0, dropped: 0, failedWrites: 0 };
  let writing: Promise<void> | undefined;
  let closed = false;
  let backoffUntil = 0;

  async function writeBatches(): Promise<void> {
    while (queue.length > 0 && Date.now() >= backoffUntil) {
      const batch = queue.slice(0, batchSize);
      try {
        // A retried request id (client retry, re-sent batch after a lost ack) is written once.
        await db.insert(predictions).values(batch).onConflictDoNothing({ target: predictions.requestId });
        queue = queue.slice(batch.length);
        stats.written += batch.length;
      } catch (err) {
        stats.failedWrites += 1;
        backoffUntil = Date.now() + Math.min(5000, 100 * 2 ** Math.min(stats.failedWrites, 6));
        log.error({ err: (err as Error).message, queued: queue.length }, 'prediction log write failed; will retry');
        return;
      }
      if (!closed && queue.length < batchSize) return;
    }
  }

  function kick(): Promise<void> {
    writing ??= writeBatches().finally(() => {
      writing = undefined;
      if (queue.length >= batchSize && !closed && Date.now() >= backoffUntil) void kick();
    });
    return writing;
  }

  /** Waits until everything queued so far is written, retrying failed inserts up to `attempts` times. */
  async function flush(attempts = 20): Promise<void> {
    for (let i = 0; queue.length > 0; i++) {
      if (writing) await writing;
      backoffUntil = 0;
      const before = stats.failedWrites;
      await kick();
      if (stats.failedWrites === before) continue;
      if (i + 1 >= attempts) {
        throw new FerryError(`prediction log: ${queue.length} records could not be written after ${attempts} attempts; is the database reachable?`);
      }
      await new Promise((r) => setTimeout(r, 100 * Math.min(i + 1, 10)));
    }
  }

  const timer = setInterval(() => void kick(), flushMs);
  timer.unref();

  return {
    /** Queues a record; returns false (and counts it as dropped) when the queue is full. */
    log(record: PredictionRecord): boolean {
      if (closed) throw new FerryError('prediction logger is closed; records after close() would be lost');
      if (queue.length >= maxQueue) {
        stats.dropped += 1;
        return false;
      }
      queue.push(record);
      if (queue.length >= batchSize) void kick();
      return true;
    },
    stats: (): PredictionLoggerStats => ({ queued: queue.length, ...stats }),
    flush,
    /** Stops the timer and writes every queued record; later `log()` calls throw. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      await flush();
    },
  };
}

export type PredictionLogger = ReturnType<typeof createPredictionLogger>;
