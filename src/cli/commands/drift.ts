/**
 * `ferry drift --reference A --current B [--method ...] [--format json|text|html] [--out file] [--fail-on-drift]`:
 * compares two windows (CSV with a header row, or Parquet) column by column. Output goes to stdout (nothing else does);
 * `--out` writes the HTML report to a file instead. Bad input throws `UsageError` naming the file, the field and the fix
 * (exit 2); with `--fail-on-drift` a dataset drift throws `FerryError` after the report is written (exit 1, for CI).
 */
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { FerryError, UsageError } from '../../core/errors.js';
import { detectDriftInFiles } from '../../drift/files.js';
import { renderHtmlReport } from '../../drift/report-html.js';
import { type DriftReport, driftMethodOptionSchema } from '../../drift/schema.js';
import { firstIssue } from '../../dsl/issues.js';

const formatSchema = z.enum(['json', 'text', 'html']);

const optionsSchema = z.object({
  reference: z.string().min(1),
  current: z.string().min(1),
  method: z.string().default('auto'),
  format: z.string().default('json'),
  out: z.string().min(1).optional(),
  failOnDrift: z.boolean().default(false),
});

/** Where output goes; defaults to `process.stdout`. */
export interface TextWriter {
  write(chunk: string): unknown;
}

/** Options of `ferry drift`, as the CLI parses them. */
export interface DriftCommandOptions {
  reference: string;
  current: string;
  method?: string;
  format?: string;
  out?: string;
  /** Exit 1 (a `FerryError`) when the dataset drifted. */
  failOnDrift?: boolean;
}

/** Plain-text table of the report, one column per line. */
export function formatText(report: DriftReport): string {
  const rows = report.columns.map((c) => [
    c.column,
    c.type,
    c.method,
    num(c.statistic),
    c.pValue === null ? '-' : num(c.pValue),
    String(c.threshold),
    c.drifted ? 'DRIFT' : 'ok',
    `${(c.missingShare * 100).toFixed(1)}%`,
  ]);
  const head = ['column', 'type', 'method', 'statistic', 'p-value', 'threshold', 'drift', 'missing'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const drifted = report.columns.filter((c) => c.drifted).length;
  return [
    line(head),
    ...rows.map(line),
    '',
    `${drifted}/${report.columns.length} columns drifted (${(report.driftedShare * 100).toFixed(1)}%): ` +
      (report.datasetDrifted ? 'dataset drift' : 'no dataset drift'),
    '',
  ].join('\n');
}

function num(x: number): string {
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6)) return x.toExponential(4);
  return x.toFixed(6);
}

/**
 * Runs `ferry drift`: reads both files, tests every column and writes JSON (default), a text table or HTML.
 * @example await driftCommand({ reference: 'train.parquet', current: 'today.csv', format: 'text', failOnDrift: true })
 */
export async function driftCommand(opts: DriftCommandOptions, stdout: TextWriter = process.stdout): Promise<void> {
  const parsed = optionsSchema.safeParse(opts);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, opts);
    const field = issue.path || 'options';
    throw new UsageError(`ferry drift: --${field} is required (${issue.message}); pass --reference A.csv --current B.csv`, {
      details: { field },
    });
  }
  const o = parsed.data;
  const method = driftMethodOptionSchema.safeParse(o.method);
  if (!method.success) {
    throw new UsageError(
      `ferry drift: --method "${o.method}" is not known; use one of ${driftMethodOptionSchema.options.join(', ')}`,
      { details: { field: 'method' } },
    );
  }
  const format = formatSchema.safeParse(o.format);
  if (!format.success) {
    throw new UsageError(
      `ferry drift: --format "${o.format}" is not known; use one of ${formatSchema.options.join(', ')}`,
      { details: { field: 'format' } },
    );
  }
  if (o.out !== undefined && format.data !== 'html') {
    throw new UsageError(`ferry drift: --out is only for --format html; drop --out or add --format html`, {
      details: { field: 'out' },
    });
  }
  const { report, columns } = await detectDriftInFiles(o.reference, o.current, {
    method: method.data,
    keepColumns: format.data === 'html',
  });

  if (format.data === 'json') {
    stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (format.data === 'text') {
    stdout.write(formatText(report));
  } else {
    const html = renderHtmlReport(report, columns, `Drift: ${o.current} vs ${o.reference}`);
    if (o.out !== undefined) await writeFile(o.out, html, 'utf8');
    else stdout.write(html);
  }
  if (o.failOnDrift && report.datasetDrifted) {
    const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
    throw new FerryError(
      `dataset drift: ${drifted.length} of ${report.columns.length} columns drifted (${drifted.join(', ')}); ` +
        'failing because of --fail-on-drift',
      { details: { drifted, driftedShare: report.driftedShare } },
    );
  }
}
