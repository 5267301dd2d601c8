import { pino, type Logger } from 'pino';

/**
 * The process logger: structured JSON on stderr so stdout stays free for command output.
 * `FERRY_LOG_LEVEL` sets the level (default `warn`, so commands print only what they mean to).
 */
export const log: Logger = pino(
  { level: process.env.FERRY_LOG_LEVEL ?? 'warn', base: { app: 'ferry' } },
  pino.destination(2),
);
