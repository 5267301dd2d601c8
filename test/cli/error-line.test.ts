/**
 * Every Temporal error shown to a user carries its cause: starting a workflow with a search attribute the server does
 * not know fails in the client with a bare `Failed to start Workflow`; the line Ferry prints adds the server's reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLine } from '../../src/cli/error-message.js';
import { FerryError } from '../../src/core/errors.js';
import { testClient, uniqueQueue } from '../helpers/temporal.js';

describe('the error line of the CLI', () => {
  let temporal: Awaited<ReturnType<typeof testClient>>;
  beforeAll(async () => {
    temporal = await testClient();
  });
  afterAll(() => temporal?.close());

  it("adds the Temporal server's reason to the client's bare message", async () => {
    const err = await temporal.client.workflow
      .start('pipelineRun', { taskQueue: uniqueQueue('error-line'), workflowId: `error-line-${Date.now()}`, args: [], searchAttributes: { FerryNoSuchAttribute: ['x'] } })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('Failed to start Workflow');
    const line = errorLine(err);
    expect(line).toMatch(/^Failed to start Workflow: .*FerryNoSuchAttribute/);
    expect(line).not.toContain('\n');
  });

  it("keeps Ferry's own messages as they are, and never loops on a cyclic cause", () => {
    expect(errorLine(new FerryError('penguins@3: not in the registry', { cause: new Error('row missing') }))).toBe('penguins@3: not in the registry');
    const a = new Error('outer') as Error & { cause?: unknown };
    a.cause = new Error('inner', { cause: a });
    expect(errorLine(a)).toBe('outer: inner');
  });
});
