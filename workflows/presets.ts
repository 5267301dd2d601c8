import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { durationMs } from '../src/core/duration.js';
import type { StepSpec } from '../src/core/spec.js';
import { Failure } from '../src/core/failures.js';

/** Timeout and retry presets, named once. Errors of these types are user mistakes: retrying cannot fix them. */
export const NON_RETRYABLE: string[] = [Failure.IntegrateError, Failure.StepNotFound, Failure.InvalidParams, Failure.StepOutputError, Failure.ZodError];

/** Bookkeeping writes to Postgres: short, retried patiently (the database may be restarting). */
export const quick: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Postgres bookkeeping as local activities (run beside the workflow task; retried by the workflow on failure). */
export const bookkeeping: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  localRetryThreshold: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** git checkouts and dataset hashing. */
export const checkout: ActivityOptions = {
  startToCloseTimeout: '10m',
  retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** How long a step on a resource queue (`taskQueue`) waits for a worker of that queue by default. */
export const DEFAULT_QUEUE_TIMEOUT = '30m';

/**
 * Heartbeat timeouts of activities that do not declare one: the worker heartbeats for them while they run (see
 * src/observability/activity-interceptor.ts), so only a dead worker misses them. A function step gets more room: a
 * synchronous step function holds the event loop while it computes.
 */
export const INTEGRATE_HEARTBEAT = '1m';
export const FUNCTION_HEARTBEAT = '2m';
/** A monitor check's heartbeat timeout: a check whose worker died is retried elsewhere after this. */
export const MONITOR_CHECK_HEARTBEAT = '1m';

/** Attempts a command step gets for infrastructure failures (a lost worker, a timed-out attempt). */
export const INFRA_ATTEMPTS = 10;

/**
 * A declared step: its own timeout, retries, heartbeat and task queue. With `infraRetries` (the `step-liveness` patch), a step without a declared heartbeat gets FUNCTION_HEARTBEAT, a command step is retried
 * for infrastructure failures up to INFRA_ATTEMPTS while its own non-zero exits count against `retries` (the activity
 * makes an exit past them non-retryable); before it, every failure counted against `retries`.
 */
export function stepOptions(step: StepSpec, defaultQueue: string, infraRetries = false): ActivityOptions {
  const attempts = infraRetries && step.kind === 'command' ? Math.max(INFRA_ATTEMPTS, step.retries + 1) : step.retries + 1;
  return {
    taskQueue: step.taskQueue ?? defaultQueue,
    // A resource queue nobody polls (a typo, no GPU worker started) fails the run instead of waiting forever.
    ...(infraRetries && step.taskQueue ? { scheduleToStartTimeout: durationMs(step.queueTimeout ?? DEFAULT_QUEUE_TIMEOUT) } : {}),
    startToCloseTimeout: durationMs(step.timeout),
    heartbeatTimeout: step.heartbeat ? durationMs(step.heartbeat) : step.kind === 'command' ? '1m' : infraRetries ? FUNCTION_HEARTBEAT : undefined,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: attempts, nonRetryableErrorTypes: NON_RETRYABLE },
  };
}
