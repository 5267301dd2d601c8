import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { reconcileWorkflowId } from '../core/ids.js';
import type { Db } from '../db/client.js';
import { deployments } from '../db/schema/index.js';
import { reconcile } from '../../workflows/reconcile.js';

export interface ReconcilePolicy {
  /** `report`: incidents only; `restore`: also redeploy the approved state; `off`: start no loop (FERRY_RECONCILE). */
  mode: 'off' | 'report' | 'restore';
  /** Between checks (FERRY_RECONCILE_EVERY). */
  every: string;
}

/**
 * Starts the reconcile loop (`reconcile-<env>`, workflows/reconcile.ts) of every environment that has a live deployment
 * and none yet; a running loop is left as it is (its policy is the one it was started with). Returns the environments
 * whose loop this call started.
 */
export async function ensureReconcilers(client: Client, db: Db, taskQueue: string, policy: ReconcilePolicy): Promise<string[]> {
  if (policy.mode === 'off') return [];
  const envs = await db.selectDistinct({ env: deployments.env }).from(deployments).where(eq(deployments.status, 'live'));
  const started: string[] = [];
  for (const { env } of envs) {
    try {
      await client.workflow.start(reconcile, {
        workflowId: reconcileWorkflowId(env),
        taskQueue,
        args: [{ env, every: policy.every, restore: policy.mode === 'restore' }],
        staticSummary: `reconciles what ${env}'s deployment targets serve with the registry`,
      });
      started.push(env);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return started;
}
