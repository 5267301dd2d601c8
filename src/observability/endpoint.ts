import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { UsageError } from '../core/errors.js';
import { log } from '../log.js';
import { metricsContentType, metricsRegistry } from './metrics-registry.js';
import { currentEnv, type EnvSource } from '../settings.js';

/** A free TCP port on `host`, for servers (the SDK's exporter) that cannot report the port they picked. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, host, () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Ferry's registry in Prometheus text format, followed by the Temporal SDK's own metrics when `sdkMetricsUrl` is
 * given (an unreachable SDK exporter leaves a comment, not a failed scrape).
 */
export async function renderMetrics(sdkMetricsUrl?: string): Promise<string> {
  const ours = await metricsRegistry.metrics();
  if (!sdkMetricsUrl) return ours;
  try {
    const res = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const sdk = await res.text();
    return `${ours.endsWith('\n') ? ours : `${ours}\n`}# Temporal SDK metrics from ${sdkMetricsUrl}\n${sdk}`;
  } catch (err) {
    return `${ours}\n# Temporal SDK metrics unavailable from ${sdkMetricsUrl}: ${(err as Error).message}\n`;
  }
}

export interface MetricsServerOptions {
  /** Default `FERRY_METRICS_PORT`, else 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1; `0.0.0.0` in a container so Prometheus can reach it. */
  host?: string;
  sdkMetricsUrl?: string;
}

/** Serves `GET /metrics` (and `/healthz`) on a small HTTP server: what `ferry worker` and `ferry dev` expose. */
export async function startMetricsServer(options: MetricsServerOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/metrics') {
      renderMetrics(options.sdkMetricsUrl).then(
        (text) => res.writeHead(200, { 'content-type': metricsContentType }).end(text),
        (err: Error) => {
          log.error({ err: err.message }, 'metrics: cannot render the registry');
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot render metrics: ${err.message}\n`);
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('try GET /metrics\n');
  });
  const port = options.port ?? metricsPortFromEnv() ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => void server.closeAllConnections()),
  };
}

/** `FERRY_METRICS_PORT` as a port number, or undefined when unset. */
export function metricsPortFromEnv(env: EnvSource = currentEnv()): number | undefined {
  const raw = env.FERRY_METRICS_PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`environment variable FERRY_METRICS_PORT: expected a port number 0–65535, got "${raw}"; fix or unset it`);
  }
  return port;
}
