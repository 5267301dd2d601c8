import { reconcileEnvironment, type ReconcileFinding } from '../src/deploy/reconcile.js';
import { createTarget, type TargetName } from '../src/deploy/targets.js';
import { envValue } from '../src/settings.js';
import { currentWorkflowId, type ActivityDeps } from './deps.js';

/** The reconcile workflow's read: what each target serves against what Ferry deployed (restores go through `applyRoutes`). */
export function createReconcileActivities(deps: ActivityDeps) {
  const { db } = deps;
  const serveUrl = deps.serveUrl ?? envValue('FERRY_SERVE_URL');
  return {
    /** Reads back every live deployment of `env` and returns (and audits) each mismatch; `check` keys the audit rows. */
    async reconcileEnvironment(input: { env: string; check: string }): Promise<ReconcileFinding[]> {
      const workflowId = currentWorkflowId();
      const targetFor = (name: TargetName) => createTarget(name, { db, serveUrl, store: deps.store, home: deps.home });
      return reconcileEnvironment(db, { env: input.env, auditKey: `${workflowId ?? 'manual'}:${input.check}`, workflowId }, targetFor);
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
