import { WorkflowFailedError } from '@temporalio/client';
import { say } from '../output.js';
import { openAuthenticatedSession } from '../auth-session.js';
import { statusQuery } from '../../../workflows/pipeline.js';

/** `ferry cancel <run>`: asks the run to stop at a safe point; it runs its compensations and records itself cancelled. */
export async function cancel(run: string): Promise<void> {
  const session = await openAuthenticatedSession('engineer');
  try {
    const handle = session.client.workflow.getHandle(run);
    await handle.cancel();
    await handle.result().catch((err: unknown) => {
      if (!(err instanceof WorkflowFailedError)) throw err;
    });
    const status = await handle.query(statusQuery).catch(() => undefined);
    say(`Run ${run} ${status?.state ?? 'cancelled'}${status?.stage ? ` at ${status.stage}` : ''}.`);
  } finally {
    await session.close();
  }
}
