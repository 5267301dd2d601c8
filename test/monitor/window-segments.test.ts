/**
 * The prediction logger keeps the log column-wise as well (`prediction_segments`, issue 19: a monitor check reads the
 * features it needs without extracting them from every row's jsonb). A check over a large window reads the segments,
 * and must judge it exactly as the CSV export read by DuckDB does: the same report, columns and quality, on inputs of
 * every kind, with the window's edges inside a segment and errors, other models and other versions left out. A window
 * the segments do not fully cover (rows written without the logger) is read from `predictions`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPredictionWindow } from '../../activities/monitor-window.js';
import { readSegmentWindow } from '../../src/db/prediction-columns.js';
import { predictionSegments, predictions } from '../../src/db/schema/index.js';
import { createPredictionLogger } from '../../src/serve/prediction-logger.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { input, judgedTypes, logged, referenceCsv } from './window-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-window-segments-'));
const names = { referenceName: 'training reference', currentName: 'production window' };

describe.each(backends())('a large window read from the column-wise log is judged like the exported one ($name)', (backend) => {
  let database: TestDatabase;
  const reference = referenceCsv(dir);
  const window = { model: 'ws', env: 'production', version: 2, afterId: 0, toId: 0 };
  let ids: number[] = [];
  beforeAll(async () => {
    database = await backend.create();
    const logger = createPredictionLogger(database.db, { batchSize: 50, flushMs: 10_000 });
    for (let i = 0; i < 400; i++) {
      logger.log({ ...logged(i, 'ws'), at: new Date() });
    }
    expect((await logger.close()).written).toBe(400);
    ids = (await database.db.select({ id: predictions.id }).from(predictions).where(eq(predictions.model, 'ws')).orderBy(asc(predictions.id))).map((r) => r.id);
    // Both edges fall inside a batch's segment.
    window.afterId = ids[7]!;
    window.toId = ids[ids.length - 5]!;
  });
  afterAll(async () => {
    await database?.close();
  });

  const check = (columnWise: boolean, storeDir: string) =>
    checkPredictionWindow(database.db, window, { ...reference, storeDir, inputsOnly: false }, names, { directRows: 10, columnWise });

  it('writes a segment per batch and version, and reads back exactly the rows of the window', async () => {
    const segments = await database.db.select().from(predictionSegments).where(eq(predictionSegments.model, 'ws'));
    expect(segments.length).toBeGreaterThanOrEqual(8);
    expect(segments.reduce((n, s) => n + s.rows, 0)).toBe(ids.length - (await database.db.select().from(predictions).where(eq(predictions.model, 'ws'))).filter((r) => r.error !== null).length);
    const read = await readSegmentWindow(database.db, window, ['x', 'city', 'code']);
    expect(read).toBeDefined();
    const rows = await database.db.select().from(predictions).where(eq(predictions.model, 'ws'));
    const inWindow = rows.filter((r) => r.version === 2 && r.error === null && r.id > window.afterId && r.id <= window.toId).sort((a, b) => a.id - b.id);
    expect(read!.rows).toBe(inWindow.length);
    // code is a JSON number in every row: typed numbers, in id order.
    expect(read!.columns.get('code')).toEqual({ kind: 'numbers', values: Float64Array.from(inWindow, (r) => (r.inputs as { code: number }).code) });
    // x holds numbers, numeric strings and nulls: every cell, '' where null.
    const x = read!.columns.get('x');
    expect(x?.kind).toBe('cells');
    expect(x?.kind === 'cells' && x.cells).toEqual(inWindow.map((r) => { const v = (r.inputs as { x: unknown }).x; return v === null ? '' : String(v); }));
  });

  it('gives the same report, columns and quality as the CSV export read by DuckDB', async () => {
    const storeDir = join(dir, 'store');
    const exported = await check(false, storeDir);
    const columnWise = await check(true, storeDir);
    expect(columnWise.report).toEqual(exported.report);
    expect(columnWise.columns).toEqual(exported.columns);
    expect(columnWise.quality).toEqual(exported.quality);
    expect(columnWise.report.columns.map((c) => [c.column, c.type])).toEqual(judgedTypes);
    expect(columnWise.report.columns.find((c) => c.column === 'x')!.drifted).toBe(true);
  });

  it('reads predictions the segments do not hold from the log itself', async () => {
    await database.db.insert(predictions).values({ requestId: 'raw-1', model: 'ws', version: 2, env: 'production', inputs: input(1), outputs: null, error: null, latencyMs: 1 });
    const [last] = await database.db.select({ id: predictions.id }).from(predictions).where(eq(predictions.requestId, 'raw-1'));
    expect(await readSegmentWindow(database.db, { ...window, toId: last!.id }, ['x'])).toBeUndefined();
    const storeDir = join(dir, 'store-uncovered');
    const wider = { ...window, toId: last!.id };
    const judged = await checkPredictionWindow(database.db, wider, { ...reference, storeDir, inputsOnly: false }, names, { directRows: 10 });
    const exported = await checkPredictionWindow(database.db, wider, { ...reference, storeDir, inputsOnly: false }, names, { directRows: 0, columnWise: false });
    expect(judged.report).toEqual(exported.report);
  });
});
