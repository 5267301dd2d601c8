import { randomBytes } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { pipelineRun } from '../../workflows/pipeline.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

const EventType = temporal.api.enums.v1.EventType;

describe('an invalid spec sent straight to the workflow (bypassing the CLI)', () => {
  let database: TestDatabase;
  const taskQueue = uniqueQueue('zod');
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let client: Awaited<ReturnType<typeof testClient>>;

  beforeAll(async () => {
    database = await backends()[0]!.create();
    worker = await startTestWorker({ db: database.db, taskQueue });
    client = await testClient();
  });
  afterAll(async () => {
    await worker?.stop();
    await client?.close();
    await database?.close();
  });

  it('fails the workflow at once with a non-retryable ZodError failure, never a retried workflow task', async () => {
    const handle = await client.client.workflow.start<typeof pipelineRun>('pipelineRun', {
      workflowId: `zod-${randomBytes(4).toString('hex')}`,
      taskQueue,
      // Not a valid spec: an upper-case name and a gate bound of the wrong type.
      args: [{ spec: { apiVersion: 'ferry/v1', name: 'Not A Slug', evaluate: { gates: [{ kind: 'min', metric: 'r2', min: 'high' }] } } as never, specHash: 'x', trigger: 'test', taskQueue }],
    });
    const error = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'ZodError', nonRetryable: true });
    expect(cause!.message).toMatch(/^invalid pipeline spec: name: expected lower-case letters/);

    // One workflow task, completed, then the failure: the task was not failed and retried.
    const events = (await handle.fetchHistory()).events ?? [];
    const types = events.map((e) => e.eventType);
    expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)).toHaveLength(1);
    expect(types.at(-1)).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
  });
});
