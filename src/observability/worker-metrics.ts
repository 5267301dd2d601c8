import type { Db } from '../db/client.js';
import { installRuntime } from '../temporal/runtime.js';
import { freePort, startMetricsServer } from './endpoint.js';
import { watchRuns } from './run-gauges.js';
import { envValue } from '../settings.js';

export interface WorkerMetricsOptions {
  db: Db;
  /** Default `FERRY_METRICS_PORT`, else a free port. */
  port?: number;
  /** Default `FERRY_METRICS_HOST`, else 127.0.0.1 (0.0.0.0 in a container). */
  host?: string;
}

/**
 * Exposes a worker process's `/metrics`: Ferry's registry (open runs read from `db`) followed by the Temporal SDK's
 * own metrics, which the SDK serves on a private local port. Call before the worker starts: the SDK's exporter is
 * part of its runtime, installed once per process.
 * @example const metrics = await exposeWorkerMetrics({ db }); say(`Metrics ${metrics.url}`);
 */
export async function exposeWorkerMetrics(options: WorkerMetricsOptions): Promise<{ url: string; close(): Promise<void> }> {
  const sdkAddress = `127.0.0.1:${await freePort()}`;
  const installed = installRuntime({ sdkMetricsAddress: sdkAddress });
  const sdkMetricsUrl = installed.sdkMetricsAddress ? `http://${installed.sdkMetricsAddress}/metrics` : undefined;
  const unwatch = watchRuns(options.db);
  try {
    const server = await startMetricsServer({ port: options.port, host: options.host ?? envValue('FERRY_METRICS_HOST'), sdkMetricsUrl });
    return {
      url: server.url,
      async close() {
        unwatch();
        await server.close();
      },
    };
  } catch (err) {
    unwatch();
    throw err;
  }
}
