import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Installs the SDK runtime once, with its logger at WARN (FERRY_LOG_LEVEL=debug shows more). */
export function installRuntime(): void {
  if (installed) return;
  installed = true;
  const level = (process.env.FERRY_LOG_LEVEL ?? 'warn').toUpperCase();
  const sdkLevel = (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(level) ? level : 'WARN') as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  Runtime.install({ logger: new DefaultLogger(sdkLevel) });
}
