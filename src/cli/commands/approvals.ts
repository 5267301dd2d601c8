import { statusQuery } from '../../../workflows/pipeline.js';
import { printJson, printTable, workflowUrl } from '../output.js';
import { openSession } from '../session.js';

function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60 ? `${minutes}m` : minutes < 1440 ? `${Math.floor(minutes / 60)}h${minutes % 60}m` : `${Math.floor(minutes / 1440)}d${Math.floor((minutes % 1440) / 60)}h`;
}

/** `ferry approvals`: runs waiting for a decision, how long they have waited and who may decide. */
export async function approvals(opts: { format: string }): Promise<void> {
  const session = await openSession();
  try {
    const rows: Record<string, unknown>[] = [];
    for await (const execution of session.client.workflow.list({ query: `WorkflowType = "pipelineRun" AND ExecutionStatus = "Running" AND FerryStatus = "waiting"` })) {
      const status = await session.client.workflow.getHandle(execution.workflowId).query(statusQuery).catch(() => undefined);
      for (const pending of status?.approvals ?? []) {
        rows.push({
          run: execution.workflowId,
          model: `${status!.model}${status!.modelVersion ? ` v${status!.modelVersion}` : ''}`,
          env: pending.env,
          approvals: `${pending.decisions.filter((d) => d.decision === 'approve').length}/${pending.required}`,
          waiting: age(Date.now() - pending.requestedAt),
          expires: new Date(pending.expiresAt).toISOString().replace('T', ' ').slice(0, 16),
          'who may approve': pending.groups.length ? `approvers in ${pending.groups.join(' or ')}` : 'any approver',
          url: workflowUrl(session.endpoints.uiUrl, session.endpoints.namespace, execution.workflowId),
        });
      }
    }
    if (opts.format === 'json') return printJson(rows);
    if (rows.length === 0) return void process.stdout.write('No run is waiting for an approval.\n');
    printTable(rows, ['run', 'model', 'env', 'approvals', 'waiting', 'expires', 'who may approve']);
  } finally {
    await session.close();
  }
}
