import { performance } from 'node:perf_hooks';
import { trace } from '@opentelemetry/api';
import type { Context } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { withLogBindings } from '../log.js';
import type { ActivityObserver } from './activity-metrics.js';

function pick(input: unknown): Record<string, unknown> {
  if (!input || typeof input !== 'object') return {};
  const o = input as Record<string, unknown>;
  const step = o.step && typeof o.step === 'object' ? (o.step as { id?: unknown }).id : undefined;
  const out: Record<string, unknown> = {};
  if (typeof step === 'string') out.step = step;
  if (typeof o.stage === 'string') out.stage = o.stage;
  if (typeof o.model === 'string') out.model = o.model;
  if (typeof o.version === 'number') out.version = o.version;
  if (typeof o.env === 'string') out.env = o.env;
  return out;
}

/**
 * The log fields of one activity call: the run (workflow id, Temporal run id), the activity, and — when its input
 * names them — step, stage, model, version and env; plus the trace id when the call is traced.
 */
export function activityLogBindings(ctx: Context, input: unknown): Record<string, unknown> {
  const { info } = ctx;
  const span = trace.getActiveSpan()?.spanContext();
  return {
    workflowId: info.workflowExecution?.workflowId,
    runId: info.workflowExecution?.runId,
    activity: info.activityType,
    attempt: info.attempt,
    ...pick(input),
    ...(span ? { traceId: span.traceId } : {}),
  };
}

/**
 * Heartbeats for an activity that has a heartbeat timeout, every third of it, while it runs on this worker: the
 * heartbeat then says "this worker is alive" (a killed worker's attempt is retried after the heartbeat timeout, not
 * the start-to-close timeout). The activity's own heartbeats go through unchanged; the keep-alive repeats the last
 * details it sent, so progress is never overwritten.
 */
function keepAlive(ctx: Context): { stop(): void } | undefined {
  const timeout = ctx.info.heartbeatTimeoutMs;
  if (ctx.info.isLocal || !timeout) return undefined;
  const send = ctx.heartbeat;
  let last: unknown;
  (ctx as { heartbeat: Context['heartbeat'] }).heartbeat = (details?: unknown) => {
    last = details;
    send(details);
  };
  const timer = setInterval(() => send(last), Math.max(1000, timeout / 3));
  return { stop: () => clearInterval(timer) };
}

/**
 * Activity interceptors that bind log fields for the call's duration and feed its input and result to the metrics
 * observer. Workflow code stays untouched: everything here happens on the worker, around the activity.
 */
export function ferryActivityInterceptors(observer: ActivityObserver): ActivityInterceptorsFactory {
  return (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const arg = input.args[0];
        const beat = keepAlive(ctx);
        return withLogBindings(activityLogBindings(ctx, arg), async () => {
          const started = performance.now();
          let output: unknown;
          let error: unknown;
          try {
            output = await next(input);
            return output;
          } catch (err) {
            error = err ?? new Error('activity failed');
            throw err;
          } finally {
            beat?.stop();
            await observer.observe({ activityType: ctx.info.activityType, input: arg, output, error, seconds: (performance.now() - started) / 1000 });
          }
        });
      },
    };
    return { inbound };
  };
}
