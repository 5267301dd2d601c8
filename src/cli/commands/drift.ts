/**
 * `ferry drift --reference A.csv --current B.csv [--method ...] [--format json|text|html] [--out file]`:
 * compares two CSV windows column by column. Output goes to stdout (nothing else does); `--out` writes the HTML report
 * to a file instead. Bad input throws `UsageError` naming the file, the field and the fix.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { UsageError } from '../../errors.js';
import { type RawTable, tableFromRows } from '../../drift/columns.js';
import { chooseMethod, prepareColumns, rowCount, summarise, testColumn } from '../../drift/detect.js';
import { renderHtmlReport } from '../../drift/report-html.js';
import { type DriftReport, driftMethodOptionSchema } from '../../drift/schema.js';

const formatSchema = z.enum(['json', 'text', 'html']);

const optionsSchema = z.object({
  reference: z.string().min(1),
  current: z.string().min(1),
  method: z.string().default('auto'),
  format: z.string().default('json'),
  out: z.string().min(1).optional(),
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
}

/** Reads a CSV file with a header row into a column-major table. */
export async function readCsvTable(path: string): Promise<RawTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new UsageError(`${path}: file ${why}; pass the path of a CSV file with a header row`, {
      cause: err,
      details: { file: path },
    });
  }
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true }) as string[][];
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    throw new UsageError(
      `${path}: not valid CSV (${e.message ?? 'parse error'}); every row needs as many fields as the header`,
      { cause: err, details: { file: path, line: e.lines } },
    );
  }
  const header = records[0];
  if (!header || header.length === 0) {
    throw new UsageError(`${path}: file is empty; give it a header row and at least one data row`, {
      details: { file: path },
    });
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name.trim() === '') {
      throw new UsageError(`${path}: the header has an empty column name; name every column`, {
        details: { file: path, field: name },
      });
    }
    if (seen.has(name)) {
      throw new UsageError(`${path}: column "${name}" appears twice in the header; give columns unique names`, {
        details: { file: path, field: name },
      });
    }
    seen.add(name);
  }
  if (records.length < 2) {
    throw new UsageError(`${path}: file has a header but no data rows; add at least one row`, {
      details: { file: path },
    });
  }
  return tableFromRows(header, records.slice(1));
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
 * Runs `ferry drift`: reads both CSV files, tests every column and writes JSON (default), a text table or HTML.
 * @example await driftCommand({ reference: 'train.csv', current: 'today.csv', format: 'text' })
 */
export async function driftCommand(opts: DriftCommandOptions, stdout: TextWriter = process.stdout): Promise<void> {
  const parsed = optionsSchema.safeParse(opts);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'options';
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
  const [reference, current] = await Promise.all([readCsvTable(o.reference), readCsvTable(o.current)]);
  const columns = prepareColumns(reference, current, o.reference, o.current);
  const refRows = rowCount(reference);
  const report = summarise(columns.map((col) => testColumn(col, chooseMethod(col, method.data, refRows))));

  if (format.data === 'json') {
    stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (format.data === 'text') {
    stdout.write(formatText(report));
  } else {
    const html = renderHtmlReport(report, columns, `Drift: ${o.current} vs ${o.reference}`);
    if (o.out !== undefined) await writeFile(o.out, html, 'utf8');
    else stdout.write(html);
  }
}
