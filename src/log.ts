import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';
import { formatLine } from './observability/log-format.js';
import { envValue } from './settings.js';

/** Fields every log line inside the current async context carries (an activity's run id, step, model, version). */
export const logContext = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` with `bindings` added to every line logged inside it (nested calls merge). */
export function withLogBindings<T>(bindings: Record<string, unknown>, fn: () => T): T {
  return logContext.run({ ...logContext.getStore(), ...bindings }, fn);
}

/** Readable lines for a person at a terminal; one JSON object per line for machines (or FERRY_LOG_FORMAT=json|pretty). */
function destination(): DestinationStream {
  const format = envValue('FERRY_LOG_FORMAT') ?? (process.stderr.isTTY ? 'pretty' : 'json');
  if (format !== 'pretty') return pino.destination(2);
  return { write: (line: string) => void process.stderr.write(formatLine(line, process.stderr.hasColors?.() ?? false)) };
}

/** A logger writing to `destination` with the current async context's bindings on every line. */
export function createLogger(destination: DestinationStream, level = envValue('FERRY_LOG_LEVEL') ?? 'warn'): Logger {
  return pino({ level, base: { app: 'ferry' }, mixin: () => logContext.getStore() ?? {} }, destination);
}

/**
 * The process logger: on stderr so stdout stays free for command output. `FERRY_LOG_LEVEL` sets the level (default
 * `warn`, so commands print only what they mean to).
 */
export const log: Logger = createLogger(destination());
