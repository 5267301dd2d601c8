import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import type { pipelineRun } from '../../workflows/pipeline.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { rootMessage } from '../core/errors.js';
import type { RunStatus } from '../core/status.js';

/**
 * Waits for a run to finish, reporting each stage as it starts and ends. Returns the final status; a failed run's
 * status carries the innermost cause (the gate, the command's output). The outcome comes from the workflow's result,
 * so a status query that fails at the end (a busy worker) cannot turn a finished run into an unknown one.
 */
export async function watchRun(handle: WorkflowHandle<typeof pipelineRun>, report: (line: string) => void, pollMs = 500): Promise<RunStatus> {
  const seen = new Map<string, string>();
  let last: RunStatus | undefined;
  const poll = async () => {
    const status = await handle.query(statusQuery).catch(() => undefined);
    last = status ?? last;
    for (const stage of status?.stages ?? []) {
      if (seen.get(stage.name) === stage.state) continue;
      seen.set(stage.name, stage.state);
      const took = stage.finishedAt && stage.startedAt ? ` (${((stage.finishedAt - stage.startedAt) / 1000).toFixed(1)} s)` : '';
      report(`  ${stage.state.padEnd(9)} ${stage.name}${stage.detail ? ` — ${stage.detail}` : ''}${took}`);
      if (stage.state === 'waiting' && stage.name.startsWith('approve:')) {
        const env = stage.name.slice('approve:'.length);
        report(`            to approve: FERRY_TOKEN=<an approver's token> npx ferry approve ${handle.workflowId} --env ${env}   (or: npx ferry reject ${handle.workflowId} --env ${env} --reason …; npx ferry approvals lists who may)`);
      }
    }
    return last;
  };
  const base = (): RunStatus => last ?? { workflowId: handle.workflowId, pipeline: '', model: '', state: 'running', stage: '', stages: [] };
  const timer = setInterval(() => void poll(), pollMs);
  try {
    const result = await handle.result();
    await poll();
    return { ...base(), state: result.state, commit: result.commit ?? base().commit, metrics: result.metrics, modelVersion: result.modelVersion ?? base().modelVersion };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    await poll();
    const status = base();
    return { ...status, state: status.state === 'running' || status.state === 'waiting' ? 'failed' : status.state, error: status.error ?? rootMessage(err) };
  } finally {
    clearInterval(timer);
  }
}
