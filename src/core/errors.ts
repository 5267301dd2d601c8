/**
 * Ferry's error classes. Every surface (CLI, Slack app, HTTP server) turns these into output in one place.
 * `UsageError` is a user mistake (bad input, bad flags: exit code 2); `FerryError` is a failed check or run (exit code 1).
 */
export interface FerryErrorOptions {
  /** Exit code the CLI uses for this error. */
  exitCode?: number;
  cause?: unknown;
  /** Structured context for logs and `--format json` (run id, stage, file, field...). */
  details?: Record<string, unknown>;
}

/** A failed check or run: exit code 1 unless told otherwise. */
export class FerryError extends Error {
  override name = 'FerryError';
  readonly exitCode: number;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details ?? {};
  }
}

/** Bad usage or input (a flag, a file, a field): exit code 2. The message names the file, the field and the fix. */
export class UsageError extends FerryError {
  override name = 'UsageError';

  constructor(message: string, options: Omit<FerryErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/**
 * The innermost cause's message: what a person needs from a Temporal failure (an activity failure wraps the step's
 * own error, a workflow failure wraps that). Pure: safe in workflow code.
 */
export function rootMessage(err: unknown): string {
  let current = err as Error | undefined;
  while (current?.cause instanceof Error) current = current.cause;
  return current?.message ?? String(err);
}
