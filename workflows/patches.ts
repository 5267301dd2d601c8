import { patched } from '@temporalio/workflow';

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
export function decidePatches() {
  return {
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
  };
}

export type Patches = ReturnType<typeof decidePatches>;

/**
 * `waiting-status` for a run that may have been recorded before patches were decided at start: true when decided at
 * start, otherwise the marker is looked for where those runs recorded it (the approval stage).
 */
export function waitingStatusAtApproval(patches: Patches): boolean {
  return patches.waitingStatus || patched('waiting-status');
}
