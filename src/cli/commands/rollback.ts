import { and, desc, eq } from 'drizzle-orm';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { deployments } from '../../db/schema/index.js';
import { FerryError, rootMessage, UsageError } from '../../core/errors.js';
import type { promotion } from '../../../workflows/promotion.js';
import { promotionWorkflowId } from '../../core/ids.js';
import { printJson, say } from '../output.js';
import { openAuthenticatedSession } from '../auth-session.js';
import { checkRollback } from '../../registry/rollback-rules.js';

/** `ferry rollback <model> [--env production] [--to <version>]`: a durable promotion back to an earlier version. */
export async function rollback(model: string, opts: { env: string; to?: string; reason?: string; format: string }): Promise<void> {
  const to = opts.to === undefined ? undefined : Number(opts.to);
  if (to !== undefined && (!Number.isInteger(to) || to < 1)) throw new UsageError(`--to ${opts.to}: expected a version number ≥ 1`);
  const session = await openAuthenticatedSession('approver');
  try {
    const [last] = await session.database.db
      .select({ target: deployments.target })
      .from(deployments)
      .where(and(eq(deployments.model, model), eq(deployments.env, opts.env)))
      .orderBy(desc(deployments.id))
      .limit(1);
    if (!last) throw new UsageError(`${model} has never been deployed to ${opts.env}; see 'ferry models ${model}'`);
    const workflowId = promotionWorkflowId(model, opts.env);
    const reason = opts.reason ?? `manual rollback by ${session.user.name}`;
    // The approval rules hold for a rollback too: the environment's groups, and only a version approved for it.
    const { breakGlass } = await checkRollback(session.database.db, { model, env: opts.env, version: to, caller: session.user, reason });
    if (breakGlass.length > 0) say(`break-glass (audited): ${breakGlass.join('; ')}`);
    let handle;
    try {
      handle = await session.client.workflow.start<typeof promotion>('promotion', {
        workflowId,
        taskQueue: session.env.FERRY_TASK_QUEUE,
        args: [{ model, env: opts.env, version: to, target: last.target as 'local', strategy: { kind: 'all-at-once' }, kind: 'rollback', actor: session.user.name, reason }],
        staticSummary: `rollback of ${model} in ${opts.env}`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new FerryError(`a promotion of ${model} in ${opts.env} is running (workflow ${workflowId}); wait for it or cancel it, then roll back`);
      throw err;
    }
    const result = await handle.result().catch((err: Error) => {
      throw new FerryError(`rollback of ${model} in ${opts.env} failed: ${rootMessage(err)}`);
    });
    if (opts.format === 'json') return printJson(result);
    say(`${model} in ${opts.env} now serves v${result.version} (was v${result.from ?? '-'}).`);
  } finally {
    await session.close();
  }
}
