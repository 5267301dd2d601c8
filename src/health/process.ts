import { log } from '../log.js';
import { failureReason, isUnreachable } from './failure.js';
import { publishServiceHealth } from './report.js';

let guarded = false;

/**
 * Keeps a long-running process up when a client library lets a network failure escape (a rejected promise nobody
 * awaits, an `error` event nobody listens to): it is logged, not fatal. Any other uncaught exception is a bug and still
 * ends the process, as Node would. Idempotent.
 */
export function guardProcess(): void {
  if (guarded) return;
  guarded = true;
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, `kept running after an unhandled rejection: ${failureReason(reason).reason}`);
  });
  process.on('uncaughtException', (err) => {
    if (isUnreachable(err)) return void log.error({ err }, `kept running after a network error nobody handled: ${failureReason(err).reason}`);
    log.fatal({ err }, `uncaught exception: ${err.message}`);
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}

export interface ProcessHealthOptions {
  home: string;
  /** How `ferry status` names the process: `ferry dev`, `ferry worker`… */
  role: string;
}

/**
 * What every long-running command does first: guard the process and publish its outside services' health for
 * `ferry status`. Returns the function that withdraws it.
 */
export function watchProcessHealth(options: ProcessHealthOptions): () => void {
  guardProcess();
  return publishServiceHealth(options.home, options.role);
}
