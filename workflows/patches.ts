import { condition, patched, workflowInfo } from '@temporalio/workflow';

/**
 * Every `patched()` id of the lifecycle workflow, decided once, in the workflow's first activation, before anything
 * is awaited. During replay the SDK only knows a patch marker once the workflow task that recorded it is being
 * replayed; a `patched()` call deep in the run can be reached before that (local activities resolve at different
 * points of a replay than of the first execution) and then takes the old branch, leaving the marker without a
 * command: TMPRL1100 "Non-deprecated patch marker encountered … but there is no corresponding change command". At
 * the very start of the run the first workflow task is always the one being replayed, so a decision taken there is
 * the same in every replay. Rules (test/replay/README.md): a new patch gets an entry here and is read through the
 * returned object; never call `patched()` anywhere else.
 */
export function decidePatches(compact = false) {
  if (compact) return COMPACT;
  return {
    /** See `decideCompactHistory`. */
    compactHistory: false as boolean,
    /** Bookkeeping writes as local activities (runs recorded before use scheduled activities). */
    localBookkeeping: patched('local-bookkeeping'),
    /**
     * `waiting`/`running` written to Postgres around an approval wait. Decided here for runs started since
     * `patch-at-start`; runs recorded before it carry the marker at the approval stage, where `atApproval()` reads it.
     */
    waitingStatus: patched('waiting-status'),
    /**
     * Liveness: integrate and every step heartbeat (so a killed worker's attempt is retried within a minute or two,
     * not after its whole timeout), command steps are retried for infrastructure failures while their non-zero exits
     * count against `retries`, and a step on a resource queue nobody polls fails after its `queueTimeout`.
     */
    stepLiveness: patched('step-liveness'),
    /** The run's signed start is verified (and submission policies re-checked) before any step runs. */
    signedStart: patched('signed-start'),
    /** No-regression gates compare with production scored on the candidate's evaluation data (`scoreProduction`). */
    championScoring: patched('champion-scoring'),
    /** A run that finds its environment's monitor already running hands it the promoted version's settings, spec and run. */
    monitorFollows: patched('monitor-follows'),
    /** A version registers with a drift reference: the train step's, or the dataset `monitor.reference` names (default the first). */
    datasetReference: patched('dataset-reference'),
    /** An escalated approval admits `escalateTo` as deciders (before, escalation only sent a notice). */
    approvalEscalation: patched('approval-escalation'),
  };
}

export type Patches = ReturnType<typeof decidePatches>;

/**
 * `compact-history`: a run started since then records one patch marker for every lifecycle patch above instead of one
 * each. Each `patched()` records a marker *and* an upsert of `TemporalChangeVersion`, so the eight patches cost a new
 * run 16 history events; runs recorded before it have no `compact-history` marker, answer false here and decide the
 * patches one by one as they did. Asked first, in the first activation (before the run's first upsert): the compact
 * run's commands begin with it. It also skips search-attribute values the start already set (`startRun` tags a run
 * with its pipeline, model, status and first stage) and records the run's start with its verification, as one local
 * activity. A patch added later gets its own `patched()` call after this one.
 */
export function decideCompactHistory(): boolean {
  return patched('compact-history');
}

/** Every lifecycle patch taken: what a run that recorded `compact-history` runs with. */
const COMPACT = {
  compactHistory: true,
  localBookkeeping: true,
  waitingStatus: true,
  stepLiveness: true,
  signedStart: true,
  championScoring: true,
  monitorFollows: true,
  datasetReference: true,
  approvalEscalation: true,
};

/** Every `patched()` id of the promotion workflow, decided in its first activation (same rules as `decidePatches`). */
export function decidePromotionPatches() {
  return {
    /**
     * A bake needs `minRequests` (default 100) and is compared with the stable version; a failed rollout opens an
     * incident and raises an alert.
     */
    rolloutSafety: patched('rollout-safety'),
    /** A bake short of `minRequests` is extended (MAX_BAKE_EXTENSIONS times) before it fails. */
    bakeEvidence: patched('bake-evidence'),
  };
}

/** Every `patched()` id of the monitor workflow, decided in each run's first activation (same rules as `decidePatches`). */
export function decideMonitorPatches() {
  return {
    /**
     * The check activity has a heartbeat timeout (the worker's keep-alive beats for it): a check on a worker that dies
     * is retried on another within `MONITOR_CHECK_HEARTBEAT`, not after its whole start-to-close timeout, during which
     * the monitor judged nothing.
     */
    checkLiveness: patched('monitor-check-liveness'),
  };
}

/**
 * `waiting-status` for a run that may have been recorded before patches were decided at start: true when decided at
 * start, otherwise the marker is looked for where those runs recorded it (the approval stage).
 *
 * Those runs can hold the marker one or more workflow tasks *after* the one this replay is in: the stage's
 * bookkeeping local activity was recorded in one workflow task, but the first execution only went on (and asked for
 * the patch) in the next — a workflow task completed while the local activity's result was on its way, e.g. to answer
 * a status query. A replay resolves the local activity from its marker in the earlier task, reaches this point one
 * task early, and the SDK does not know the marker yet: `patched()` answers false, no marker command is issued, and
 * the run wedged with TMPRL1100 (test/replay/histories/wedge-lagging-local-activity-v0.json, recorded on that code).
 * Runs that recorded `local-bookkeeping` were all started by code that asked for `waiting-status` here, so while
 * replaying such a run without the marker known yet, wait for the next workflow task (no command is issued while
 * waiting) and ask again; once live, the patch is taken and recorded as that code did.
 */
export async function waitingStatusAtApproval(patches: Patches): Promise<boolean> {
  if (patches.waitingStatus || patched('waiting-status')) return true;
  if (!patches.localBookkeeping) return false;
  for (;;) {
    const seen = workflowInfo().historyLength;
    await condition(() => !workflowInfo().unsafe.isReplaying || workflowInfo().historyLength !== seen);
    if (patched('waiting-status')) return true;
  }
}
