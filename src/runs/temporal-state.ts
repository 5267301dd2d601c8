import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

/** How Temporal sees a run: its execution status, and whether its workflow task keeps failing (a wedged run). */
export interface TemporalRunState {
  /** `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TERMINATED`, `TIMED_OUT`, `CONTINUED_AS_NEW`, or `NOT_FOUND`. */
  status: string;
  closedAt?: Date;
  /** Set when the run's workflow task has failed and is being retried: the run cannot move until the code is fixed. */
  wedged?: { attempt: number; message: string };
}

/** Temporal's execution statuses that mean the run is over, with the Ferry state a run row then takes. */
export const CLOSED_STATES: Record<string, string> = {
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed-out',
  NOT_FOUND: 'lost',
};

/**
 * Reads a run's state from Temporal. A workflow task on its second attempt or later is reported as wedged, with the
 * message of the last recorded `WorkflowTaskFailed` event (the server records the first failure of a retried task).
 */
export async function temporalRunState(client: Client, workflowId: string): Promise<TemporalRunState> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { status: 'NOT_FOUND' };
    throw err;
  }
  const status = description.status.name;
  const pending = description.raw.pendingWorkflowTask;
  const attempt = pending?.attempt ?? 0;
  if (status !== 'RUNNING' || attempt < 2) return { status, closedAt: description.closeTime };
  return { status, wedged: { attempt, message: await lastWorkflowTaskFailure(client, workflowId) } };
}

async function lastWorkflowTaskFailure(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  for (let i = events.length - 1; i >= 0; i--) {
    const failure = events[i]?.workflowTaskFailedEventAttributes?.failure;
    if (failure) return failure.message ?? 'workflow task failed';
  }
  return 'workflow task failing (no failure recorded yet)';
}
