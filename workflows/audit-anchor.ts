import { condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

/** One anchored audit head: what `ferry audit verify` compares Postgres's chain against. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  /** When it was anchored (ms since the epoch, workflow time). */
  at: number;
}

export interface AuditAnchorInput {
  /** How often the head is anchored (ms). */
  everyMs: number;
  /** Carried over continue-as-new. */
  checkpoints?: AuditCheckpoint[];
}

/** The anchored checkpoints, oldest first. */
export const auditCheckpointsQuery = defineQuery<AuditCheckpoint[]>('auditCheckpoints');
/** Anchors the head now (after a batch of appends) rather than at the next tick. */
export const anchorNowSignal = defineSignal('anchorNow');

const act = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });
const KEEP = 2_000;
const TICKS_PER_RUN = 200;

/**
 * Anchors the audit chain outside Postgres: every `everyMs` (or on `anchorNow`) it reads the chain's head (seq, hash)
 * in an activity, and the result is recorded in this workflow's Temporal history, which no database user can edit.
 * A later rewrite (rehashed), removal or truncation of an anchored record no longer matches a checkpoint.
 */
export async function auditAnchor(input: AuditAnchorInput): Promise<void> {
  const checkpoints = [...(input.checkpoints ?? [])];
  let now = false;
  setHandler(auditCheckpointsQuery, () => checkpoints);
  setHandler(anchorNowSignal, () => {
    now = true;
  });
  for (let tick = 0; tick < TICKS_PER_RUN; tick += 1) {
    const head = await act.readAuditHead();
    const last = checkpoints[checkpoints.length - 1];
    if (head && (!last || last.seq !== head.seq || last.hash !== head.hash)) checkpoints.push({ ...head, at: Date.now() });
    await condition(() => now, input.everyMs);
    now = false;
  }
  await continueAsNew<typeof auditAnchor>({ everyMs: input.everyMs, checkpoints: checkpoints.slice(-KEEP) });
}
