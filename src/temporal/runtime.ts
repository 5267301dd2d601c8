import { DefaultLogger, Runtime } from '@temporalio/worker';
import { envValue } from '../settings.js';

export interface RuntimeOptions {
  /** `host:port` where the SDK serves its own Prometheus metrics (`/metrics`); unset: no SDK metrics. */
  sdkMetricsAddress?: string;
}

let installed: RuntimeOptions | undefined;

/**
 * Installs the SDK runtime once, with its logger at WARN (FERRY_LOG_LEVEL=debug shows more) and, when asked, its
 * Prometheus exporter (counters end in `_total`, durations in seconds with a `_seconds` suffix). Later calls return
 * what the first call installed: the runtime cannot be replaced in a process.
 */
export function installRuntime(options: RuntimeOptions = {}): RuntimeOptions {
  if (installed) return installed;
  installed = options;
  const level = (envValue('FERRY_LOG_LEVEL') ?? 'warn').toUpperCase();
  const sdkLevel = (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(level) ? level : 'WARN') as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  Runtime.install({
    logger: new DefaultLogger(sdkLevel),
    ...(options.sdkMetricsAddress
      ? {
          telemetryOptions: {
            metrics: { prometheus: { bindAddress: options.sdkMetricsAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } },
          },
        }
      : {}),
  });
  // The exporter starts with the runtime; start it now so /metrics answers before the first connection.
  if (options.sdkMetricsAddress) Runtime.instance();
  return installed;
}
