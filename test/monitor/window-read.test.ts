/**
 * A monitor check reads a small window of logged predictions straight from Postgres into typed arrays (issue 19, fleet:
 * no scratch CSV and DuckDB scan per check), and a large one through the CSV export and DuckDB. Both paths must judge a
 * window the same: the same report, the same prepared columns and the same data quality, on inputs that exercise the
 * typing contract (JSON numbers, numeric strings, text, booleans, JSON null, missing keys, a column numeric in one window
 * and text in the other), and errors and other models' or versions' predictions stay out of the window.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_ROWS, checkPredictionWindow } from '../../activities/monitor-window.js';
import { predictions } from '../../src/db/schema/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { judgedTypes, logged, referenceCsv } from './window-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-window-read-'));
const names = { referenceName: 'training reference', currentName: 'production window' };

describe.each(backends())('a small window read straight from the log is judged like the exported one ($name)', (backend) => {
  let database: TestDatabase;
  const reference = referenceCsv(dir);
  const window = { model: 'wr', env: 'production', version: 2, afterId: 0, toId: 0 };
  beforeAll(async () => {
    database = await backend.create();
    const rows = Array.from({ length: 240 }, (_, i) => logged(i, 'wr'));
    const inserted = await database.db.insert(predictions).values(rows).returning({ id: predictions.id });
    window.toId = Math.max(...inserted.map((r) => r.id));
  });
  afterAll(async () => {
    await database?.close();
  });

  const check = (directRows: number, storeDir: string) =>
    checkPredictionWindow(database.db, window, { ...reference, storeDir, inputsOnly: false }, names, { directRows });

  it('gives the same report, columns and quality as the CSV export read by DuckDB', async () => {
    const storeDir = join(dir, 'store');
    const exported = await check(0, storeDir);
    const direct = await check(DIRECT_ROWS, storeDir);
    expect(direct.report).toEqual(exported.report);
    expect(direct.columns).toEqual(exported.columns);
    expect(direct.quality).toEqual(exported.quality);
    // The window is what it should be, so the comparison means something: every column judged, in the reference's order,
    // text where the contract says text, and the quality of the gaps the inputs hold.
    expect(direct.report.columns.map((c) => [c.column, c.type])).toEqual(judgedTypes);
    const kept = (i: number) => i % 10 !== 9 && i % 15 !== 14 && i % 23 !== 22;
    const rows = Array.from({ length: 240 }, (_, i) => i).filter(kept);
    const quality = Object.fromEntries(direct.quality.map((q) => [q.column, q]));
    expect(quality.x!.missingShare).toBeCloseTo(rows.filter((i) => i % 9 === 0).length / rows.length, 12);
    expect(quality.city!.missingShare).toBeCloseTo(rows.filter((i) => i % 13 === 0).length / rows.length, 12);
    const cities = rows.filter((i) => i % 13 !== 0);
    expect(quality.city!.unseenShare).toBeCloseTo(cities.filter((i) => i % 5 === 0).length / cities.length, 12);
    expect(direct.report.columns.find((c) => c.column === 'x')!.drifted).toBe(true);
  });

  it('a window larger than the direct limit goes through the export and still agrees', async () => {
    const storeDir = join(dir, 'store-large');
    const exported = await check(0, storeDir);
    const overLimit = await check(10, storeDir);
    expect(overLimit.report).toEqual(exported.report);
    expect(overLimit.quality).toEqual(exported.quality);
    // The stored reference was written once and read back by the later checks.
    expect(readdirSync(storeDir)).toEqual([`${reference.sha256}.v1`]);
  });
});
