import { Client, Connection } from '@temporalio/client';
import { FerryError } from '../core/errors.js';
import { temporalConnection } from './tls.js';
import { currentEnv, type EnvSource } from '../settings.js';
import { startTracing, tracingClientInterceptors } from '../observability/tracing.js';

/**
 * Connects a Temporal client; an unreachable server is a one-line error that says how to start one. With
 * `OTEL_EXPORTER_OTLP_ENDPOINT` set, the workflows it starts join the caller's trace, and `close()` sends the spans.
 */
export async function connectClient(address: string, namespace: string, source: EnvSource = currentEnv()): Promise<{ client: Client; close(): Promise<void> }> {
  const tracing = startTracing('ferry-cli');
  const options = temporalConnection(address, source);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: 5000 });
  } catch (err) {
    throw new FerryError(`cannot reach Temporal at ${address}: ${(err as Error).message}; start 'npx ferry dev' or fix TEMPORAL_ADDRESS`, { cause: err });
  }
  const client = new Client({ connection, namespace, interceptors: { workflow: tracingClientInterceptors() } });
  return {
    client,
    async close() {
      await tracing?.flush().catch(() => undefined);
      await connection.close();
    },
  };
}
