import { UsageError } from '../core/errors.js';

/** Prints rows as an aligned text table (the default), or JSON with `--format json`. */
export function printTable(rows: Record<string, unknown>[], columns: string[], out: NodeJS.WritableStream = process.stdout): void {
  const cell = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString().replace('T', ' ').slice(0, 19) : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  out.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const row of rows) out.write(`${line(columns.map((c) => cell(row[c])))}\n`);
}

export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Progress and hints go to stderr so stdout stays for results. */
export function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The Temporal UI page of a workflow. */
export function workflowUrl(uiUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  return uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
}

/** A `--format` value checked against the allowed ones: a usage error (exit 2) listing them otherwise. */
export function expectFormat<T extends string>(value: string, allowed: readonly T[], hint = ''): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0];
  throw new UsageError(`--format ${value}: expected ${list}${hint}`);
}
