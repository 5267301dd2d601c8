import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { writeSegments } from '../db/prediction-columns.js';
import { predictionQuarantine, predictions } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { log } from '../log.js';
import { isDataError, quarantineAlerter, quarantineText, reasonOf, storable, type QuarantineEvent } from './quarantine.js';

export { quarantineAlerter, type QuarantineEvent } from './quarantine.js';

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
  /** Bytes (of serialised inputs and outputs) held in memory at most; beyond it new records are dropped (default 64 MiB). */
  maxQueueBytes?: number;
  /** How long `close()` keeps retrying a database that refuses writes before it gives up and says why (default 30 s). */
  closeTimeoutMs?: number;
  /** Told of every quarantined record (default: an alert to the configured channels, at most one a minute). */
  onQuarantine?: (event: QuarantineEvent) => void;
}

/** Counters for the metrics endpoint and `close()`'s report. */
export interface PredictionLoggerStats {
  /** Records waiting to be written, and their size. */
  queued: number;
  queuedBytes: number;
  /** Rows inserted into `predictions`. */
  written: number;
  /** Records refused because the queue was full (count and bytes). */
  dropped: number;
  droppedBytes: number;
  /** Records Postgres refused, moved to `prediction_quarantine`. */
  quarantined: number;
  /** Records whose request id was already logged (a client retry): not written again. */
  duplicates: number;
  /** Inserts that failed and were retried (the database unreachable, restarting…). */
  failedWrites: number;
}

/** What `close()` reports once everything is written. */
export interface PredictionLogReport {
  written: number;
  dropped: number;
  quarantined: number;
  duplicates: number;
  unwritten: number;
}

interface Queued {
  record: PredictionRecord;
  inputs: string;
  outputs: string | null;
  bytes: number;
}

/** Per-record overhead beyond its JSON: ids, numbers, the object itself. */
const RECORD_OVERHEAD = 200;
/**
 * Writes predictions to Postgres in batches (every `batchSize` records or `flushMs`), one insert at a time, off the
 * request path. A batch Postgres refuses is retried row by row: a bad row goes to `prediction_quarantine` (metric and
 * `onQuarantine`) and never holds back the good ones; a database that cannot be reached keeps the batch and retries.
 * The queue is bounded by records and by bytes. `close()` writes everything queued and reports it, or throws saying
 * why it could not.
 */
export function createPredictionLogger(db: Db, options: PredictionLoggerOptions = {}) {
  const batchSize = options.batchSize ?? 500;
  const flushMs = options.flushMs ?? 250;
  const maxQueue = options.maxQueue ?? 100_000;
  const maxQueueBytes = options.maxQueueBytes ?? 64 * 1024 * 1024;
  const closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
  const onQuarantine = options.onQuarantine ?? quarantineAlerter();
  let queue: Queued[] = [];
  const stats = { queuedBytes: 0, written: 0, dropped: 0, droppedBytes: 0, quarantined: 0, duplicates: 0, failedWrites: 0 };
  let lastError: string | undefined;
  let writing: Promise<void> | undefined;
  let closed = false;
  let backoffUntil = 0;

  const row = (q: Queued) => ({
    ...q.record,
    // Serialised once, when queued (its size bounds the queue), and sent as is.
    inputs: sql`${q.inputs}::jsonb` as SQL<unknown>,
    outputs: q.outputs === null ? null : (sql`${q.outputs}::jsonb` as SQL<unknown>),
  });

  /** Inserts rows; a retried request id is written once and counted as a duplicate. */
  async function insert(rows: Queued[]): Promise<void> {
    // With the rows' column-wise segment, in one transaction: monitor checks read the segments (prediction-columns.ts).
    const inserted = await db.transaction(async (tx) => {
      const ids = await tx.insert(predictions).values(rows.map(row)).onConflictDoNothing({ target: predictions.requestId }).returning({ id: predictions.id, requestId: predictions.requestId });
      // A request id twice in one batch is inserted once, as its first record.
      const byRequest = new Map<string, PredictionRecord>();
      for (const q of rows) if (!byRequest.has(q.record.requestId)) byRequest.set(q.record.requestId, q.record);
      await writeSegments(tx as unknown as Db, ids.map(({ id, requestId }) => ({ ...byRequest.get(requestId)!, id })));
      return ids;
    });
    stats.written += inserted.length;
    stats.duplicates += rows.length - inserted.length;
  }

  async function quarantine(q: Queued, err: unknown): Promise<void> {
    const event: QuarantineEvent = { requestId: q.record.requestId, model: q.record.model, version: q.record.version, env: q.record.env, reason: reasonOf(err), bytes: q.bytes };
    await db.insert(predictionQuarantine).values({
      requestId: storable(event.requestId),
      model: storable(event.model),
      version: event.version,
      env: storable(event.env),
      reason: storable(event.reason),
      record: quarantineText(q.record),
      bytes: q.bytes,
    });
    stats.quarantined += 1;
    log.error({ requestId: event.requestId, model: event.model, reason: event.reason }, 'prediction log: Postgres refused a record; quarantined it, wrote the rest');
    try {
      onQuarantine(event);
    } catch (hookErr) {
      log.error({ err: (hookErr as Error).message }, 'prediction log: onQuarantine hook failed');
    }
  }

  /**
   * Writes one batch; a batch Postgres refuses is retried row by row and its bad rows quarantined. Returns how many
   * records left the queue, and the error that stopped it early (the database unreachable: the rest stays queued).
   */
  async function writeBatch(batch: Queued[]): Promise<{ done: number; error?: unknown }> {
    try {
      await insert(batch);
      return { done: batch.length };
    } catch (err) {
      if (!isDataError(err)) return { done: 0, error: err };
    }
    for (const [done, q] of batch.entries()) {
      try {
        await insert([q]);
      } catch (err) {
        if (!isDataError(err)) return { done, error: err };
        try {
          await quarantine(q, err);
        } catch (quarantineErr) {
          if (!isDataError(quarantineErr)) return { done, error: quarantineErr };
          // Cannot happen for JSON text; if it does, the record is lost, and said so.
          stats.dropped += 1;
          stats.droppedBytes += q.bytes;
          log.error({ requestId: q.record.requestId, err: reasonOf(quarantineErr) }, 'prediction log: could not quarantine a refused record; dropped it');
        }
      }
    }
    return { done: batch.length };
  }

  function take(n: number): void {
    for (let i = 0; i < n; i++) stats.queuedBytes -= queue[i]!.bytes;
    queue = queue.slice(n);
  }

  async function writeBatches(): Promise<void> {
    while (queue.length > 0 && Date.now() >= backoffUntil) {
      const { done, error } = await writeBatch(queue.slice(0, batchSize));
      take(done);
      if (error !== undefined) {
        stats.failedWrites += 1;
        lastError = reasonOf(error);
        backoffUntil = Date.now() + Math.min(5000, 100 * 2 ** Math.min(stats.failedWrites, 6));
        log.error({ err: lastError, queued: queue.length }, 'prediction log write failed; will retry');
        return;
      }
      lastError = undefined;
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

  /** Waits until everything queued so far is written, retrying failed inserts until `timeoutMs` has passed. */
  async function flush(timeoutMs = closeTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; queue.length > 0; i++) {
      if (writing) await writing;
      backoffUntil = 0;
      const before = stats.failedWrites;
      await kick();
      if (stats.failedWrites === before) continue;
      if (Date.now() >= deadline) {
        throw new FerryError(`prediction log: ${queue.length} records could not be written: ${lastError ?? 'unknown error'}; is the database reachable?`, {
          details: { ...report(), unwritten: queue.length, lastError },
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(100 * Math.min(i + 1, 10), Math.max(0, deadline - Date.now()))));
    }
  }

  const report = (): PredictionLogReport => ({ written: stats.written, dropped: stats.dropped, quarantined: stats.quarantined, duplicates: stats.duplicates, unwritten: queue.length });

  const timer = setInterval(() => void kick(), flushMs);
  timer.unref();

  return {
    /** Queues a record; returns false (and counts it as dropped) when the queue is full by records or bytes. */
    log(record: PredictionRecord): boolean {
      if (closed) throw new FerryError('prediction logger is closed; records after close() would be lost');
      const inputs = JSON.stringify(record.inputs ?? null);
      const outputs = record.outputs === null || record.outputs === undefined ? null : JSON.stringify(record.outputs);
      const bytes = inputs.length + (outputs?.length ?? 0) + (record.error?.length ?? 0) + RECORD_OVERHEAD;
      if (queue.length >= maxQueue || stats.queuedBytes + bytes > maxQueueBytes) {
        stats.dropped += 1;
        stats.droppedBytes += bytes;
        return false;
      }
      queue.push({ record, inputs, outputs, bytes });
      stats.queuedBytes += bytes;
      if (queue.length >= batchSize) void kick();
      return true;
    },
    stats: (): PredictionLoggerStats => ({ queued: queue.length, ...stats }),
    flush,
    /**
     * Stops the timer, writes every queued record and reports what was written, dropped and quarantined; throws a
     * `FerryError` saying why when the database refused writes for `closeTimeoutMs`. Later `log()` calls throw.
     */
    async close(): Promise<PredictionLogReport> {
      closed = true;
      clearInterval(timer);
      await flush();
      const result = report();
      log.info(result, 'prediction log closed');
      return result;
    },
  };
}

export type PredictionLogger = ReturnType<typeof createPredictionLogger>;
