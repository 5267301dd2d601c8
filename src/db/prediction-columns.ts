/**
 * The prediction log column-wise (`prediction_segments`, `prediction_segment_columns`): what a monitor check reads
 * instead of extracting each feature from every prediction's `inputs` jsonb, which was most of a check over a large
 * window (BENCHMARKS.md, monitor check). The logger writes one segment per batch and deployment version in the
 * transaction that inserts the rows; a check reads the segments its window overlaps and keeps the rows in its id range.
 */
import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { predictionSegmentColumns, predictionSegments } from './schema/index.js';

/** One logged prediction as a segment holds it. */
export interface SegmentRow {
  id: number;
  model: string;
  version: number;
  env: string;
  inputs: unknown;
  error: string | null;
}

/** A feature's cell as the log's readers see it: a JSON number or string as its text, '' when missing or null. */
function textOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function float64Bytes(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

function float64s(bytes: Uint8Array): Float64Array {
  // A copy: the driver's buffer may be a slice at an offset that is not a multiple of 8.
  const out = new Float64Array(bytes.byteLength / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
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
    groups.set(key, [...(groups.get(key) ?? []), row]);
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
 */
export async function readSegmentWindow(
  db: Db,
  window: { model: string; env: string; version: number; afterId: number; toId: number },
  columns: readonly string[],
): Promise<{ rows: number; columns: Map<string, SegmentColumn> } | undefined> {
  const counted = await db.execute(sql`
    SELECT count(*)::int AS n FROM predictions
    WHERE model = ${window.model} AND env = ${window.env} AND version = ${window.version}
      AND id > ${window.afterId} AND id <= ${window.toId} AND error IS NULL`);
  const expected = (counted.rows[0] as { n: number }).n;
  const numbers = new Map(columns.map((name) => [name, [] as Float64Array[]]));
  const texts = new Map(columns.map((name) => [name, [] as (string | null)[][]]));
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
    const bySegment = new Map<number, Map<string, (typeof cells)[number]>>();
    for (const c of cells) bySegment.set(c.segmentId, (bySegment.get(c.segmentId) ?? new Map()).set(c.name, c));
    for (const segment of segments) {
      const ids = float64s(segment.ids);
      // The rows of this segment inside (afterId, toId]: ids ascend, so a contiguous range.
      let from = 0;
      while (from < ids.length && ids[from]! <= window.afterId) from++;
      let to = from;
      while (to < ids.length && ids[to]! <= window.toId) to++;
      rows += to - from;
      for (const name of columns) {
        const column = bySegment.get(segment.id)?.get(name);
        numbers.get(name)!.push(column ? float64s(column.numbers).subarray(from, to) : new Float64Array(to - from).fill(NaN));
        texts.get(name)!.push(column?.texts ? column.texts.slice(from, to) : []);
      }
    }
    after = segments.at(-1)!.lastId;
    if (segments.length < SEGMENTS_PER_QUERY) break;
  }
  if (rows !== expected) return undefined;
  return { rows, columns: new Map(columns.map((name) => [name, assemble(numbers.get(name)!, texts.get(name)!)])) };
}

/** A feature's parts, one per segment, as one column. */
function assemble(numbers: Float64Array[], texts: (string | null)[][]): SegmentColumn {
  if (texts.every((t) => t.length === 0)) {
    let present = 0;
    for (const part of numbers) for (const v of part) if (!Number.isNaN(v)) present++;
    const values = new Float64Array(present);
    let k = 0;
    for (const part of numbers) for (const v of part) if (!Number.isNaN(v)) values[k++] = v;
    return { kind: 'numbers', values };
  }
  const cells: string[] = [];
  numbers.forEach((part, p) => part.forEach((v, i) => cells.push(texts[p]![i] ?? (Number.isNaN(v) ? '' : String(v)))));
  return { kind: 'cells', cells };
}
