/** `driftCommand`: reads CSV files, writes only the report to stdout, and turns bad input into one-line UsageErrors. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driftCommand } from '../../src/cli/commands/drift.js';
import { driftReportSchema } from '../../src/drift/schema.js';
import { UsageError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-drift-'));
function csv(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
function capture(): { write(chunk: string): boolean; text: () => string } {
  const chunks: string[] = [];
  return { write: (c: string) => chunks.push(c) > 0, text: () => chunks.join('') };
}

const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n');
const A = csv('A.csv', `age,city,member\n${rows(300, (i) => `${20 + (i % 40)},${['paris', 'rome', 'oslo'][i % 3]},${i % 2 ? 'yes' : 'no'}`)}\n`);
const B = csv('B.csv', `age,city,member\n${rows(250, (i) => `${35 + (i % 40)},${['paris', 'rome', 'rome'][i % 3]},${i % 4 ? '' : 'yes'}`)}\n`);

describe('driftCommand output', () => {
  it('writes the JSON report (and nothing else) to stdout by default', async () => {
    const out = capture();
    await driftCommand({ reference: A, current: B }, out);
    const report = driftReportSchema.parse(JSON.parse(out.text()));
    expect(report.columns.map((c) => [c.column, c.method])).toEqual([
      ['age', 'ks'],
      ['city', 'chisquare'],
      ['member', 'z'],
    ]);
    expect(report.columns[0]!.drifted).toBe(true);
    expect(report.columns[2]!.missingShare).toBe(187 / 250); // i % 4 !== 0 for 187 of 250 rows
  });
  it('forces a method with --method', async () => {
    const out = capture();
    await driftCommand({ reference: A, current: B, method: 'psi' }, out);
    expect(JSON.parse(out.text()).columns.map((c: { method: string }) => c.method)).toEqual(['psi', 'psi', 'psi']);
  });
  it('writes a text table with --format text', async () => {
    const out = capture();
    await driftCommand({ reference: A, current: B, format: 'text' }, out);
    const lines = out.text().split('\n');
    expect(lines[0]).toMatch(/^column\s+type\s+method\s+statistic\s+p-value/);
    expect(lines[1]).toMatch(/^age\s+numeric\s+ks\s+/);
    expect(out.text()).toMatch(/columns drifted/);
  });
  it('writes self-contained HTML with inline SVG histograms', async () => {
    const out = capture();
    await driftCommand({ reference: A, current: B, format: 'html' }, out);
    const html = out.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).not.toMatch(/<script|<link|src=/i);
  });
  it('writes HTML to --out and nothing to stdout', async () => {
    const out = capture();
    const file = join(dir, 'report.html');
    await driftCommand({ reference: A, current: B, format: 'html', out: file }, out);
    expect(out.text()).toBe('');
    expect(readFileSync(file, 'utf8')).toContain('<svg');
  });
});

describe('driftCommand errors', () => {
  const run = (opts: Parameters<typeof driftCommand>[0]) => driftCommand(opts, capture());

  it('lists valid methods for an unknown --method', async () => {
    await expect(run({ reference: A, current: B, method: 'ttest' })).rejects.toThrow(
      'ferry drift: --method "ttest" is not known; use one of auto, ks, psi, wasserstein, jensenshannon, chisquare, z',
    );
  });
  it('rejects an unknown --format', async () => {
    await expect(run({ reference: A, current: B, format: 'xml' })).rejects.toThrow(/--format "xml" is not known/);
  });
  it('names the file, the column and the fix for a header mismatch', async () => {
    const C = csv('C.csv', 'city,member\nparis,yes\n');
    await expect(run({ reference: A, current: C })).rejects.toThrow(
      `${C}: column "age" is missing (the reference ${A} has it); give both files the same header`,
    );
  });
  it('rejects an empty file and a file without data rows', async () => {
    const empty = csv('empty.csv', '');
    const headerOnly = csv('header.csv', 'age,city,member\n');
    await expect(run({ reference: A, current: empty })).rejects.toThrow(`${empty}: file is empty`);
    await expect(run({ reference: headerOnly, current: B })).rejects.toThrow(`${headerOnly}: file has a header but no data rows`);
  });
  it('rejects a missing file and a ragged row as UsageError', async () => {
    await expect(run({ reference: join(dir, 'nope.csv'), current: B })).rejects.toBeInstanceOf(UsageError);
    const ragged = csv('ragged.csv', 'age,city,member\n1,paris\n');
    await expect(run({ reference: A, current: ragged })).rejects.toThrow(new RegExp(`^${ragged.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid CSV`));
  });
  it('keeps error messages to one line', async () => {
    const ragged = csv('ragged2.csv', 'age,city,member\n1,paris\n');
    const err = await run({ reference: A, current: ragged }).then(
      () => new Error('expected a UsageError'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).not.toContain('\n');
  });
});
