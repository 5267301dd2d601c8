import { channelsFromEnv, sendAlert } from '../alerts/index.js';
import { log } from '../log.js';
import { LONE_SURROGATE } from './schemas.js';

// Records Postgres refuses: which errors mean "this row", what is kept of the row, and the alert that says so.

/** A record Postgres refused, moved to `prediction_quarantine` so the rest of its batch could be written. */
export interface QuarantineEvent {
  requestId: string;
  model: string;
  version: number;
  env: string;
  /** The database's error for the row. */
  reason: string;
  bytes: number;
}

/** Most of a quarantined record kept as text. */
const QUARANTINE_MAX_CHARS = 64 * 1024;

/** Postgres refused the data (not the connection): 22 data exception, 23 integrity, 54 program limit (e.g. depth). */
export function isDataError(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^(22|23|54)/.test(e.code)) return true;
  }
  return false;
}

/** The innermost message: drizzle wraps the driver's error ("Failed query: …"), whose message says what Postgres refused. */
export function reasonOf(err: unknown): string {
  let e = err as Error & { cause?: unknown; code?: string };
  while (e.cause instanceof Error) e = e.cause as typeof e;
  const message = e.message || (e as { errors?: Error[] }).errors?.map((x) => x.message).join('; ') || String(e);
  return e.code ? `${message} (SQLSTATE ${e.code})` : message;
}

/** Text Postgres can store whatever the record held: JSON escapes NUL and lone surrogates. */
export function quarantineText(record: unknown): string {
  const json = JSON.stringify(record);
  return json.length > QUARANTINE_MAX_CHARS ? `${json.slice(0, QUARANTINE_MAX_CHARS)}…` : json;
}

export const storable = (text: string) => text.replace(/\u0000/g, '\ufffd').replace(new RegExp(LONE_SURROGATE.source, 'g'), '\ufffd');

/** The default quarantine hook: an alert to the configured channels, the first at once, then at most one a minute. */
export function quarantineAlerter(intervalMs = 60_000): (event: QuarantineEvent) => void {
  let last = 0;
  let since = 0;
  return (event) => {
    since += 1;
    if (Date.now() - last < intervalMs) return;
    const count = since;
    last = Date.now();
    since = 0;
    void sendAlert(channelsFromEnv(), {
      title: `Prediction log quarantined ${count} record${count === 1 ? '' : 's'}`,
      text: `Postgres refused the prediction ${event.requestId} of ${event.model} v${event.version} (${event.env}): ${event.reason}. It is kept in prediction_quarantine; the other records were written.`,
      severity: 'warning',
      model: event.model,
      env: event.env,
      details: { ...event, count },
    }).catch((err: Error) => log.error({ err: err.message }, 'prediction log: quarantine alert failed'));
  };
}
