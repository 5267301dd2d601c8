import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createGateActivities } from '../../activities/gates.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { FerryError, UsageError } from '../../src/core/errors.js';
import { Failure, FerryFailure } from '../../src/core/failures.js';
import { failureInterceptors } from '../../src/temporal/failure-interceptor.js';

/** The SDK's activity harness with the worker's failure interceptor: what a workflow receives from an activity. */
const env = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR'), interceptors: [failureInterceptors] });
const failureOf = (fn: () => Promise<unknown>) => env().run(fn).catch((err: unknown) => err);

describe('the activity failure interceptor', () => {
  it('turns a real activity\'s typed failure into a non-retryable ApplicationFailure of its kind', async () => {
    const { checkCustomGate } = createGateActivities({ config: configFrom({}) } as ActivityDeps);
    const err = await env()
      .run(checkCustomGate, { gate: { kind: 'custom', name: 'fair', fn: 'fairness' }, metrics: {} } as Parameters<typeof checkCustomGate>[0])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'StepNotFound', nonRetryable: true });
    expect((err as Error).message).toContain('function "fairness" is not registered in ferry.config.ts');
    expect((err as Error).stack).toMatch(/^ApplicationFailure: gate fair[\s\S]*activities\/gates\.ts/);
  });

  it('keeps a kind the catalogue retries retryable until the failure is final, with its details', async () => {
    const retried = await failureOf(async () => {
      throw new FerryFailure(Failure.CommandFailed, 'exited 1 (attempt 1)', { details: [{ attempt: 1 }] });
    });
    expect(retried).toMatchObject({ type: 'CommandFailed', nonRetryable: false, details: [{ attempt: 1 }] });
    const final = await failureOf(async () => {
      throw new FerryFailure(Failure.CommandFailed, 'exited 1 (attempt 3)', { final: true });
    });
    expect(final).toMatchObject({ type: 'CommandFailed', nonRetryable: true });
  });

  it("gives a deploy target's refusal its class name as type, final, and lets any other error through", async () => {
    const refused = await failureOf(async () => {
      throw FerryFailure.finalAs(new UsageError('target: bad routes', { details: { env: 'qa' } }));
    });
    expect(refused).toMatchObject({ type: 'UsageError', nonRetryable: true, details: [{ env: 'qa' }] });
    const plain = new FerryError('database gone');
    expect(await failureOf(async () => Promise.reject(plain))).toBe(plain);
  });
});
