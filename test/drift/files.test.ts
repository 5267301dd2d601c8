/**
 * `ferry drift` on files read by DuckDB: Parquet gives the same report as the same data in CSV, typing follows the
 * contract past the rows that guess it, bad input is one line and exit 2, and --fail-on-drift is exit 1 after the report.
 * The Parquet files are written by DuckDB itself (a real Parquet writer).
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftCommand } from '../../src/cli/commands/drift.js';
import { tableFromRows } from '../../src/drift/columns.js';
import { detectDrift } from '../../src/drift/detect.js';
import { detectDriftInFiles, driftOfWindows } from '../../src/drift/files.js';
import { WindowReader, settleAcross } from '../../src/drift/read.js';
import { storedReference } from '../../src/drift/reference-store.js';
import { radixSortFloat64, sharedFloat64, sortColumns } from '../../src/drift/sort.js';
import { FerryError, UsageError } from '../../src/core/errors.js';
import { generate } from './generators.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-drift-files-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const capture = () => {
  const chunks: string[] = [];
  return { write: (c: string) => chunks.push(c) > 0, text: () => chunks.join('') };
};

/** Rows of a mixed window: two numeric features (one shifted), a category, a binary flag with gaps. */
function csvWindow(n: number, seed: number, shift: number): string {
  const x = generate({ kind: 'normalish', seed, n, scale: 1, shift });
  const y = generate({ kind: 'normalish', seed: seed + 1, n, scale: 3, shift: 0 });
  const k = generate({ kind: 'int', seed: seed + 2, n, k: 4, shift: 0 });
  const lines = ['x,y,city,flag'];
  for (let i = 0; i < n; i++) {
    lines.push(`${x[i]},${y[i]},${['oslo', 'rome', 'lima', 'pune'][k[i]!]},${i % 7 === 0 ? '' : i % 3 ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

let duck: DuckDBInstance;
async function toParquet(csvPath: string, name: string, select = '*'): Promise<string> {
  const out = join(dir, name);
  const con = await duck.connect();
  await con.run(`COPY (SELECT ${select} FROM read_csv('${csvPath}', header = true, types = {'flag': 'VARCHAR'})) TO '${out}' (FORMAT parquet)`);
  con.closeSync();
  return out;
}

beforeAll(async () => {
  duck = await DuckDBInstance.create(':memory:');
});
afterAll(() => duck.closeSync());

describe('Parquet and CSV', () => {
  const refCsv = file('ref.csv', csvWindow(3000, 11, 0));
  const curCsv = file('cur.csv', csvWindow(2500, 29, 0.4));

  it('gives the same report for the same data as Parquet as the CSV reader, and as the in-memory path', async () => {
    const refPq = await toParquet(refCsv, 'ref.parquet');
    const curPq = await toParquet(curCsv, 'cur.data'); // recognised by its bytes, not its name
    for (const method of ['auto', 'ks', 'psi', 'chisquare'] as const) {
      const fromCsv = (await detectDriftInFiles(refCsv, curCsv, { method })).report;
      const fromPq = (await detectDriftInFiles(refPq, curPq, { method })).report;
      const mixed = (await detectDriftInFiles(refPq, curCsv, { method })).report;
      expect(fromPq).toEqual(fromCsv);
      expect(mixed).toEqual(fromCsv);
    }
    const rows = (text: string) => text.trim().split('\n').map((l) => l.split(','));
    const [rh, ...rr] = rows(csvWindow(3000, 11, 0));
    const [ch, ...cr] = rows(csvWindow(2500, 29, 0.4));
    const inMemory = detectDrift(tableFromRows(rh!, rr), tableFromRows(ch!, cr), { method: 'ks' });
    expect((await detectDriftInFiles(refCsv, curCsv, { method: 'ks' })).report).toEqual(inMemory);
  });

  it('a stored reference (sorted once, loaded from disk by later checks) gives the same report as reading the file', async () => {
    const store = join(dir, 'store');
    const expected = (await detectDriftInFiles(refCsv, curCsv)).report;
    const reader = await WindowReader.open();
    try {
      for (const pass of ['first: read and stored', 'second: loaded']) {
        const ref = await storedReference(reader, refCsv, 'a'.repeat(64), store);
        expect([...ref.columns.values()].filter((w) => w.kind === 'numbers').every((w) => w.sorted), pass).toBe(true);
        const cur = await reader.read(curCsv);
        await settleAcross(reader, ref, cur);
        expect((await driftOfWindows(ref, cur, { referenceName: refCsv, currentName: curCsv })).report, pass).toEqual(expected);
      }
    } finally {
      reader.close();
    }
    expect(readdirSync(store)).toEqual([`${'a'.repeat(64)}.v1`]);
  });

  it('types columns as the contract says: text that parses is numeric, a late word makes a column categorical', async () => {
    const late = ['v,w', ...Array.from({ length: 1500 }, (_, i) => `${i % 50},${i}`), 'n/a,1500'].join('\n');
    const spaced = ['v,w', ...Array.from({ length: 1200 }, (_, i) => `\u00a0${i % 50}\u00a0,${i} `)].join('\n');
    const a = file('late.csv', `${late}\n`);
    const b = file('spaced.csv', `${spaced}\n`);
    const { report } = await detectDriftInFiles(b, a, { method: 'psi' });
    expect(report.columns.map((c) => [c.column, c.type])).toEqual([
      ['v', 'categorical'], // "n/a" on the last line of the current window
      ['w', 'numeric'], // non-breaking spaces and a trailing space are trimmed, as before
    ]);
    const inf = file('inf.csv', 'v\n1\n2\ninf\n');
    expect((await detectDriftInFiles(inf, inf)).report.columns[0]!.type).toBe('categorical');
  });

  it('reads a numeric Parquet column against a text CSV column as text on both sides', async () => {
    const nums = file('nums.csv', 'v\n1.50\n2\n3\n');
    const text = file('text.csv', 'v\n1.50\nx\n3\n');
    const { report, columns } = await detectDriftInFiles(nums, text, { method: 'chisquare', keepColumns: true });
    expect(report.columns[0]!.type).toBe('categorical');
    const col = columns[0]!;
    expect(col.type === 'categorical' && col.labels).toEqual(['1.50', '2', '3', 'x']);
  });
});

describe('bad input and --fail-on-drift', () => {
  const run = (opts: Parameters<typeof driftCommand>[0], out = capture()) => driftCommand(opts, out);
  const A = file('A.csv', csvWindow(400, 3, 0));
  const B = file('B.csv', csvWindow(400, 5, 2)); // x shifted by two standard deviations
  const oneLine = async (p: Promise<unknown>, pattern: RegExp, type: typeof FerryError = UsageError) => {
    const err = await p.then(
      () => new Error('expected an error'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(type);
    expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain('\n');
    return err as FerryError;
  };

  it('rejects a Parquet column of a type drift cannot compare, naming the file and the column (exit 2)', async () => {
    const pq = await toParquet(A, 'nested.parquet', "x, [x, y] AS pair, {'a': x} AS s");
    const err = await oneLine(run({ reference: pq, current: pq }), /nested\.parquet: column "pair" has type DOUBLE\[\], which drift cannot compare/);
    expect(err.exitCode).toBe(2);
  });
  it('rejects a file that is not Parquet nor CSV with a header, and a ragged CSV row with its line number', async () => {
    const broken = file('broken.parquet', 'PAR1 not really');
    await oneLine(run({ reference: broken, current: A }), /broken\.parquet: not a readable Parquet file/);
    const ragged = file('ragged-late.csv', ['x,y', ...Array.from({ length: 1200 }, (_, i) => `${i},${i}`), '5'].join('\n'));
    await oneLine(run({ reference: A, current: ragged }), /ragged-late\.csv: not valid CSV \(line 1202: expected 2 fields, found 1\)/);
  });
  it('rejects a missing file and a directory as usage errors', async () => {
    await oneLine(run({ reference: join(dir, 'nope.parquet'), current: A }), /nope\.parquet: file does not exist/);
    await oneLine(run({ reference: dir, current: A }), /file is a directory/);
  });
  it('exits 1 after writing the report when the dataset drifted, and not otherwise', async () => {
    const out = capture();
    const err = await oneLine(
      run({ reference: A, current: B, method: 'ks', failOnDrift: true }, out),
      /^dataset drift: \d+ of 4 columns drifted \(x[,)].*--fail-on-drift$/,
      FerryError,
    );
    expect(err).not.toBeInstanceOf(UsageError);
    expect(err.exitCode).toBe(1);
    expect(JSON.parse(out.text()).datasetDrifted).toBe(true);
    await expect(run({ reference: A, current: A, failOnDrift: true })).resolves.toBeUndefined();
  });
});

describe('column sort', () => {
  it('orders like Float64Array.prototype.sort, negative zero, ties and tiny values included', async () => {
    const samples = [0, 1, 4095, 4096, 50_000].flatMap((n) =>
      [
        (i: number) => Math.sin(i * 12.9898) * 43758.5453,
        (i: number) => (i % 5) - 2,
        (i: number) => (i % 2 ? -0 : 0),
        (i: number) => Math.sin(i) * 1e-300,
      ].map((f) => Float64Array.from({ length: n }, (_, i) => f(i))),
    );
    // Object.is tells −0 from +0 (a deep equality on 50,000-element arrays would take seconds).
    const mismatches = (a: Float64Array, b: Float64Array) => a.reduce((n, v, i) => n + (Object.is(v, b[i]) ? 0 : 1), 0);
    for (const s of samples) expect(mismatches(radixSortFloat64(s.slice()), s.slice().sort())).toBe(0);
    // Shared columns large enough to go to worker threads.
    const cols = Array.from({ length: 6 }, (_, c) => {
      const a = sharedFloat64(400_000);
      for (let i = 0; i < a.length; i++) a[i] = Math.sin((i + 1) * (c + 1.5)) * 1e3;
      return a;
    });
    const expected = cols.map((c) => Float64Array.from(c).sort());
    await sortColumns(cols);
    cols.forEach((c, i) => expect(mismatches(c, expected[i]!)).toBe(0));
  });
});

describe('the ferry bin', () => {
  it('writes only the JSON report to stdout, exits 1 with --fail-on-drift on drift and 2 on bad input', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = new URL('../../bin/ferry.mjs', import.meta.url).pathname;
    const two = (seed: number, shift: number) => {
      const x = generate({ kind: 'normalish', seed, n: 300, scale: 1, shift });
      return `x,y\n${Array.from(x, (v, i) => `${v},${x[(i * 7) % 300]! * 2}`).join('\n')}\n`;
    };
    const A = file('binA.csv', two(3, 0));
    const B = file('binB.csv', two(5, 2)); // both columns shifted
    const drifted = spawnSync(process.execPath, [bin, 'drift', '--reference', A, '--current', B, '--method', 'ks', '--fail-on-drift'], { encoding: 'utf8' });
    expect(drifted.status).toBe(1);
    expect(JSON.parse(drifted.stdout).datasetDrifted).toBe(true);
    expect(drifted.stderr.trim().split('\n')).toHaveLength(1);
    const bad = spawnSync(process.execPath, [bin, 'drift', '--reference', join(dir, 'missing.csv'), '--current', B], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^ferry: .*missing\.csv: file does not exist; pass the path of a CSV file with a header row, or a Parquet file\n$/);
  }, 60_000);
});
