import { fileURLToPath } from 'node:url';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import { currentEnv, type EnvSource } from '../settings.js';

/** The workflow interceptors module workers bundle when tracing is on (it must be in the workflow bundle). */
export const workflowInterceptorsPath = fileURLToPath(new URL('../../workflows/interceptors.ts', import.meta.url));

/** Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; undefined: tracing off. */
export function tracesEndpoint(env: EnvSource = currentEnv()): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

export interface Tracing {
  tracer: Tracer;
  resource: Resource;
  processor: SpanProcessor;
  /** Sends the spans ended so far. */
  flush(): Promise<void>;
}

let active: Tracing | undefined;

/**
 * Starts OpenTelemetry tracing for this process once (OTLP over HTTP with JSON bodies, W3C trace context), when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set; returns undefined when it is not. `OTEL_SERVICE_NAME` overrides `serviceName`.
 */
export function startTracing(serviceName: string, env: EnvSource = currentEnv()): Tracing | undefined {
  if (active) return active;
  const url = tracesEndpoint(env);
  if (!url) return undefined;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 500 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global: the context manager (AsyncLocalStorage), the W3C propagator and the tracer the SDK interceptors use.
  provider.register();
  active = { tracer: trace.getTracer('ferry'), resource, processor, flush: () => provider.forceFlush() };
  return active;
}

/** The tracing started in this process, if any. */
export function currentTracing(): Tracing | undefined {
  return active;
}

/** Client interceptors that carry the caller's span into the workflows it starts (empty when tracing is off). */
export function tracingClientInterceptors(): WorkflowClientInterceptor[] {
  return active ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
}

/** What a worker adds when tracing is on: activity interceptors, the workflow span sink and the workflow module. */
export function tracingWorkerOptions(tracing: Tracing): { activity: ActivityInterceptorsFactory[]; sinks: NonNullable<WorkerOptions['sinks']>; workflowModules: string[] } {
  return {
    activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    sinks: { exporter: makeWorkflowExporter(tracing.processor, tracing.resource) },
    workflowModules: [workflowInterceptorsPath],
  };
}

/**
 * Runs `fn` in a span (a child of the active one, or of `carrier`'s `traceparent`), ending it with the outcome.
 * A no-op span when tracing is off.
 * @example await withSpan('ferry run', { 'ferry.pipeline': 'hello' }, () => client.workflow.start(...));
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: { carrier?: Record<string, string | string[] | undefined>; kind?: SpanKind } = {},
): Promise<T> {
  const parent = options.carrier ? propagation.extract(context.active(), options.carrier) : context.active();
  const tracer = active?.tracer ?? trace.getTracer('ferry');
  return tracer.startActiveSpan(name, { attributes, kind: options.kind ?? SpanKind.INTERNAL }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  });
}
