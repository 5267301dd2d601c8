import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import type { pipelineRun } from '../../workflows/pipeline.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { rootMessage } from '../errors.js';
import type { RunStatus } from '../../workflows/status.js';


/**
 * Waits for a run to finish, reporting each stage as it starts and ends. Returns the final status; a failed run's
 * status carries the innermost cause (the gate, the command's output).
 */
export async function watchRun(handle: WorkflowHandle<typeof pipelineRun>, report: (line: string) => void, pollMs = 500): Promise<RunStatus | undefined> {
  const seen = new Map<string, string>();
  const poll = async () => {
    const status = await handle.query(statusQuery).catch(() => undefined);
    for (const stage of status?.stages ?? []) {
      if (seen.get(stage.name) === stage.state) continue;
      seen.set(stage.name, stage.state);
      const took = stage.finishedAt && stage.startedAt ? ` (${((stage.finishedAt - stage.startedAt) / 1000).toFixed(1)} s)` : '';
      report(`  ${stage.state.padEnd(9)} ${stage.name}${stage.detail ? ` — ${stage.detail}` : ''}${took}`);
    }
    return status;
  };
  const timer = setInterval(() => void poll(), pollMs);
  try {
    await handle.result();
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const status = await poll();
    return status ? { ...status, state: status.state === 'running' ? 'failed' : status.state, error: status.error ?? rootMessage(err) } : undefined;
  } finally {
    clearInterval(timer);
  }
  return poll();
}
