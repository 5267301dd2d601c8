/**
 * The prediction log column-wise (`prediction_segments`, `prediction_segment_columns`): what a monitor check reads
 * instead of extracting each feature from every prediction's `inputs` jsonb, which was most of a check over a large
 * window (BENCHMARKS.md, monitor check). The logger writes one segment per batch and deployment version in the
 * transaction that inserts the rows; a check reads the segments its window overlaps and keeps the rows in its id range.
 */
import { and, asc, eq, gt, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { predictionSegmentColumns, predictionSegments } from './schema/index.js';

/** The logged predictions a monitor check judges: one deployment's version, ids in (afterId, toId], errors left out. */
export interface PredictionWindow {
  model: string;
  env: string;
  version: number;
  afterId: number;
  toId: number;
}

/** The `predictions` rows of a window, as a WHERE condition. */
export function inWindow(window: PredictionWindow): SQL {
  return sql`model = ${window.model} AND env = ${window.env} AND version = ${window.version}
    AND id > ${window.afterId} AND id <= ${window.toId} AND error IS NULL`;
}

/** One logged prediction as a segment holds it. */
export interface SegmentRow {
  id: number;
  model: string;
  version: number;
  env: string;
  inputs: unknown;
  error: string | null;
}

/** A feature's cell, for a value that is neither a number nor missing/null: a string as it is, anything else as JSON. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function float64Bytes(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Writes the segments of freshly inserted prediction rows (one per model, version and env; error rows left out).
 * Call it in the transaction that inserted them, so a segment never disagrees with the log.
 */
export async function writeSegments(db: Db, rows: readonly SegmentRow[]): Promise<void> {
  const groups = new Map<string, SegmentRow[]>();
  for (const row of rows) {
    if (row.error !== null) continue;
    const key = JSON.stringify([row.model, row.version, row.env]);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  for (const group of groups.values()) {
    group.sort((a, b) => a.id - b.id);
    const { model, version, env } = group[0]!;
    const names = new Set<string>();
    for (const row of group) if (isRecord(row.inputs)) for (const name of Object.keys(row.inputs)) names.add(name);
    const [segment] = await db
      .insert(predictionSegments)
      .values({ model, version, env, firstId: group[0]!.id, lastId: group.at(-1)!.id, rows: group.length, ids: float64Bytes(Float64Array.from(group, (r) => r.id)) })
      .returning({ id: predictionSegments.id });
    if (names.size === 0) continue;
    await db.insert(predictionSegmentColumns).values(
      [...names].map((name) => {
        const numbers = new Float64Array(group.length).fill(NaN);
        let texts: (string | null)[] | null = null;
        group.forEach((row, i) => {
          const value = isRecord(row.inputs) ? row.inputs[name] : undefined;
          if (typeof value === 'number') numbers[i] = value;
          else if (value !== undefined && value !== null) (texts ??= new Array<string | null>(group.length).fill(null))[i] = textOf(value);
        });
        return { segmentId: segment!.id, name, numbers: float64Bytes(numbers), texts };
      }),
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A feature of a window: its numbers (missing rows left out), or, when some value is text, every cell. Rows come in
 * segment order, which is id order when one logger writes; the statistics do not depend on it.
 */
export type SegmentColumn = { kind: 'numbers'; values: Float64Array } | { kind: 'cells'; cells: string[] };

/** Segments per query: a query's bytes stay near 500 rows × features × 8 × this (~40 MB for 20 features). */
const SEGMENTS_PER_QUERY = 200;

/**
 * The window's features `columns` from the column-wise log, or undefined when its segments do not hold every row of
 * the window (rows logged before the log was kept column-wise, or by another writer): the caller reads `predictions`.
 * Each feature is read into one array of the window's size, straight from the driver's bytes.
 */
export async function readSegmentWindow(
  db: Db,
  window: PredictionWindow,
  columns: readonly string[],
): Promise<{ rows: number; columns: Map<string, SegmentColumn> } | undefined> {
  const counted = await db.execute(sql`SELECT count(*)::int AS n FROM predictions WHERE ${inWindow(window)}`);
  const expected = (counted.rows[0] as { n: number }).n;
  // Each row's value in window order (NaN where it is not a number), and the text cells of the features that have any.
  const raw = new Map(columns.map((name) => [name, new Float64Array(expected).fill(NaN)]));
  const texts = new Map<string, Map<number, string>>();
  let rows = 0;
  for (let after = window.afterId; ; ) {
    const segments = await db
      .select({ id: predictionSegments.id, lastId: predictionSegments.lastId, ids: predictionSegments.ids })
      .from(predictionSegments)
      .where(and(eq(predictionSegments.model, window.model), eq(predictionSegments.env, window.env), eq(predictionSegments.version, window.version), gt(predictionSegments.lastId, after), lte(predictionSegments.firstId, window.toId)))
      .orderBy(asc(predictionSegments.lastId))
      .limit(SEGMENTS_PER_QUERY);
    if (segments.length === 0) break;
    const cells = columns.length === 0 ? [] : await db.select().from(predictionSegmentColumns).where(and(inArray(predictionSegmentColumns.segmentId, segments.map((s) => s.id)), inArray(predictionSegmentColumns.name, [...columns])));
    const bySegment = new Map<number, (typeof cells)[number][]>();
    for (const c of cells) {
      const those = bySegment.get(c.segmentId);
      if (those) those.push(c);
      else bySegment.set(c.segmentId, [c]);
    }
    for (const segment of segments) {
      // The rows of this segment inside (afterId, toId]: ids ascend, so a contiguous range.
      const count = segment.ids.byteLength / 8;
      let from = 0;
      while (from < count && segment.ids.readDoubleLE(8 * from) <= window.afterId) from++;
      let to = from;
      while (to < count && segment.ids.readDoubleLE(8 * to) <= window.toId) to++;
      if (rows + to - from > expected) return undefined;
      for (const column of bySegment.get(segment.id) ?? []) {
        const out = raw.get(column.name)!;
        for (let i = from; i < to; i++) out[rows + i - from] = column.numbers.readDoubleLE(8 * i);
        if (!column.texts) continue;
        const text = texts.get(column.name) ?? texts.set(column.name, new Map()).get(column.name)!;
        for (let i = from; i < to; i++) if (column.texts[i] != null) text.set(rows + i - from, column.texts[i]!);
      }
      rows += to - from;
    }
    after = segments.at(-1)!.lastId;
    if (segments.length < SEGMENTS_PER_QUERY) break;
  }
  if (rows !== expected) return undefined;
  return { rows, columns: new Map(columns.map((name) => [name, columnOf(raw.get(name)!, texts.get(name))])) };
}

/** A feature's values as numbers (missing ones left out, compacted in place), or as cells when some are text. */
function columnOf(raw: Float64Array, text: Map<number, string> | undefined): SegmentColumn {
  if (!text) {
    let k = 0;
    for (const v of raw) if (!Number.isNaN(v)) raw[k++] = v;
    return { kind: 'numbers', values: raw.subarray(0, k) };
  }
  return { kind: 'cells', cells: Array.from(raw, (v, i) => text.get(i) ?? (Number.isNaN(v) ? '' : String(v))) };
}
