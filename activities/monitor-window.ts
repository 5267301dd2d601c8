import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { type PredictionWindow, inWindow, readSegmentWindow } from '../src/db/prediction-columns.js';
import { type PreparedColumn, type WindowValues, countLabels, windowValues } from '../src/drift/columns.js';
import { driftOfWindows } from '../src/drift/files.js';
import { type WindowFile, WindowReader, settleAcross } from '../src/drift/read.js';
import { storedReference } from '../src/drift/reference-store.js';
import type { DriftReport } from '../src/drift/schema.js';

export type { PredictionWindow } from '../src/db/prediction-columns.js';

/** Predictions per query: each chunk is one row of CSV text built by Postgres, so memory holds one chunk at a time. */
const CHUNK_ROWS = 50_000;

/**
 * Windows of at most this many predictions are read straight from Postgres into typed arrays, without a scratch CSV
 * and a DuckDB scan (a fleet of monitors checks many small windows: the export and the scan were most of a small
 * check's CPU). It equals the rows the CSV path samples to guess a column's type (`readCsvHead`), so at this size both
 * paths type every column by the same rule: numbers when every non-empty cell parses as a finite decimal, else text.
 */
export const DIRECT_ROWS = 1000;

/**
 * Writes the window's input features `columns` to a CSV file at `path`, for DuckDB to read column-wise like any drift
 * window. Postgres extracts only these features from each prediction's `inputs` and joins them into CSV text, a chunk
 * of predictions per query (keyset by id), so no prediction becomes an object here. JSON numbers are written as they
 * are, missing keys and JSON null as empty cells, anything else (text, booleans, objects) as quoted text.
 * @example const { rows } = await exportPredictionWindow(db, { model, env, version, afterId: 0, toId }, ['age'], path)
 */
export async function exportPredictionWindow(
  db: Db,
  window: PredictionWindow,
  columns: readonly string[],
  path: string,
): Promise<{ rows: number; start?: Date; end?: Date }> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const closed = once(out, 'close');
  let rows = 0;
  let start: Date | undefined;
  let end: Date | undefined;
  try {
    await write(`${columns.map(csvQuote).join(',')}\n`);
    const cells = sql.join(
      columns.map(
        (c) =>
          sql`coalesce(CASE jsonb_typeof(inputs -> ${c}::text) WHEN 'number' THEN inputs ->> ${c}::text WHEN 'null' THEN '' ELSE '"' || replace(inputs ->> ${c}::text, '"', '""') || '"' END, '')`,
      ),
      sql`, `,
    );
    for (let after = window.afterId; ; ) {
      const result = await db.execute(sql`
        WITH w AS (
          SELECT id, at, inputs FROM predictions WHERE ${inWindow({ ...window, afterId: after })}
          ORDER BY id LIMIT ${CHUNK_ROWS}
        )
        SELECT max(id)::text AS last, count(*)::int AS n, min(at) AS first_at, max(at) AS last_at,
               string_agg(concat_ws(',', ${cells}), E'\n' ORDER BY id) AS body
        FROM w`);
      const chunk = result.rows[0] as { last: string | null; n: number; first_at: Date | string | null; last_at: Date | string | null; body: string | null };
      if (!chunk || chunk.n === 0 || chunk.last === null) break;
      rows += chunk.n;
      const first = new Date(chunk.first_at!);
      const last = new Date(chunk.last_at!);
      if (!start || first < start) start = first;
      if (!end || last > end) end = last;
      await write(`${chunk.body ?? ''}\n`);
      after = Number(chunk.last);
      if (chunk.n < CHUNK_ROWS) break;
    }
  } finally {
    out.end();
    await closed;
  }
  return { rows, start, end };
}

function csvQuote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** Data quality of one feature in a window: empty cells, and (for a text feature) values the reference never had. */
export interface FeatureQuality {
  column: string;
  missingShare: number;
  unseenShare: number;
}

/**
 * Drift and data quality of a window of logged predictions against a model version's training reference. The reference
 * is read, typed and sorted once per content hash and stored under `storeDir` (`storedReference`); each check only
 * reads the features it needs from the prediction log: a window of up to `directRows` predictions (default
 * {@link DIRECT_ROWS}) straight into typed arrays, a larger one from the column-wise log (`prediction_segments`), and
 * one the segments do not cover (rows logged before them; `columnWise: false`) exported to CSV and read by DuckDB.
 */
export async function checkPredictionWindow(
  db: Db,
  window: PredictionWindow,
  reference: { path: string; sha256: string; storeDir: string; inputsOnly?: boolean },
  names: { referenceName: string; currentName: string },
  options: { directRows?: number; columnWise?: boolean } = {},
): Promise<{ report: DriftReport; columns: PreparedColumn[]; quality: FeatureQuality[] }> {
  const reader = await WindowReader.shared();
  const path = join(windowDir(), `window-${randomUUID()}.csv`);
  try {
    const stored = await storedReference(reader, reference.path, reference.sha256, reference.storeDir);
    // A training dataset holds the label and maybe other columns the model never takes: only its input columns count.
    const ref = reference.inputsOnly ? onColumns(stored, await inputColumns(db, window)) : stored;
    const textInReference = new Set(ref.header.filter((name) => ref.columns.get(name)!.kind === 'labels'));
    const direct = (await readSmallWindow(db, window, ref.header, options.directRows ?? DIRECT_ROWS)) ?? (options.columnWise === false ? undefined : await segmentWindow(db, window, ref.header));
    let cur: WindowFile;
    if (direct) {
      cur = direct.file;
      await settleAcross(reader, ref, cur, async (file, column) => (file === cur ? countLabels(direct.cells(column)) : reader.labels(file, column)));
    } else {
      await exportPredictionWindow(db, window, ref.header, path);
      cur = await reader.read(path);
      await settleAcross(reader, ref, cur);
    }
    const quality = ref.header.map((column) => featureQuality(column, ref.columns.get(column)!, cur.columns.get(column)!, cur.rows, textInReference.has(column)));
    const { report, columns } = await driftOfWindows(ref, cur, { ...names, keepColumns: true });
    return { report, columns, quality };
  } finally {
    reader.close();
    rmSync(path, { force: true });
  }
}

/** A window read into memory without a scratch file, with each feature's cells for label counts. */
interface DirectWindow {
  file: WindowFile;
  cells(column: string): string[];
}

/**
 * The window's features `columns` as a window file, with each column's cells, when it holds at most `limit`
 * predictions; undefined when it holds more. A cell is the feature's JSON text (a string unquoted), empty when the key
 * is missing or JSON null — the cells the CSV export writes.
 */
async function readSmallWindow(
  db: Db,
  window: PredictionWindow,
  columns: readonly string[],
  limit: number,
): Promise<DirectWindow | undefined> {
  if (limit <= 0) return undefined;
  const selected = sql.join(
    columns.map((c, i) => sql`coalesce(inputs ->> ${c}::text, '') AS ${sql.raw(`c${i}`)}`),
    sql`, `,
  );
  const result = await db.execute(sql`
    SELECT ${selected} FROM predictions WHERE ${inWindow(window)}
    ORDER BY id LIMIT ${limit + 1}`);
  const rows = result.rows as Record<string, string>[];
  if (rows.length > limit) return undefined;
  const cells = new Map(columns.map((name, i) => [name, rows.map((row) => row[`c${i}`]!)]));
  const values = new Map(columns.map((name) => [name, windowValues(cells.get(name)!)]));
  return { file: { path: '(prediction log)', format: 'csv', header: [...columns], rows: rows.length, columns: values }, cells: (column) => cells.get(column)! };
}

/**
 * The window read from the column-wise log (`readSegmentWindow`): a feature whose values are all JSON numbers comes as
 * typed numbers, with no cell text; undefined when the segments do not hold every row of the window.
 */
async function segmentWindow(db: Db, window: PredictionWindow, columns: readonly string[]): Promise<DirectWindow | undefined> {
  const read = await readSegmentWindow(db, window, columns);
  if (!read) return undefined;
  const values = new Map<string, WindowValues>();
  for (const [name, column] of read.columns) values.set(name, column.kind === 'numbers' ? { kind: 'numbers', values: column.values, rows: read.rows } : windowValues(column.cells));
  const cells = (column: string): string[] => {
    const c = read.columns.get(column)!;
    if (c.kind === 'cells') return c.cells;
    return [...Array.from(c.values, String), ...new Array<string>(read.rows - c.values.length).fill('')];
  };
  return { file: { path: '(prediction log, column-wise)', format: 'csv', header: [...columns], rows: read.rows, columns: values }, cells };
}

function featureQuality(column: string, ref: WindowValues, cur: WindowValues, rows: number, text: boolean): FeatureQuality {
  let present = 0;
  let unseen = 0;
  if (cur.kind === 'numbers') present = cur.values.length;
  else {
    for (const [label, count] of cur.counts) {
      present += count;
      if (text && ref.kind === 'labels' && !ref.counts.has(label)) unseen += count;
    }
  }
  return { column, missingShare: (rows - present) / Math.max(1, rows), unseenShare: unseen / Math.max(1, present) };
}

/** The columns any logged input of the window names. */
async function inputColumns(db: Db, window: PredictionWindow): Promise<Set<string>> {
  const result = await db.execute(sql`
    SELECT DISTINCT jsonb_object_keys(inputs) AS name FROM predictions
    WHERE ${inWindow(window)} AND jsonb_typeof(inputs) = 'object'`);
  return new Set((result.rows as { name: string }[]).map((r) => r.name));
}

/**
 * A reference window cut to `names` (in its own column order); the rest is dropped, not sorted. A window whose inputs
 * name none of the reference's columns keeps them all, so data quality reports every one missing.
 */
function onColumns<T extends { header: string[]; columns: Map<string, unknown> }>(ref: T, names: Set<string>): T {
  const header = ref.header.filter((name) => names.has(name));
  if (header.length === 0) return ref;
  return { ...ref, header, columns: new Map(header.map((name) => [name, ref.columns.get(name)!])) };
}

let windowScratch: string | undefined;
/** The process's directory for exported windows (one file per check, removed after it), made once. */
function windowDir(): string {
  if (!windowScratch) {
    const made = mkdtempSync(join(tmpdir(), 'ferry-window-'));
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
    windowScratch = made;
  }
  return windowScratch;
}
