import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { FerryFailure } from '../core/failures.js';

/**
 * The one place an activity's typed failure becomes a Temporal failure: a {@link FerryFailure} turns into an
 * ApplicationFailure of its kind, retried or not as the catalogue (`src/core/failures.ts`) says; anything else passes
 * through unchanged (Temporal retries it under the activity's retry policy).
 */
export function toApplicationFailure(err: unknown): unknown {
  if (!(err instanceof FerryFailure)) return err;
  const failure = ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: err.nonRetryable, details: err.details });
  // The stack of the throw site, not of this function: where the failure came from is what a reader of the UI needs.
  failure.stack = err.stack?.replace(/^FerryFailure/, 'ApplicationFailure');
  return failure;
}

/** Activity interceptors mapping typed failures (innermost, so every other interceptor sees the ApplicationFailure). */
export const failureInterceptors: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        throw toApplicationFailure(err);
      }
    },
  },
});
