import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportPenguinsCsv, loadPenguinsCsv, penguinsCsv } from '../../pipelines/penguins/data.js';
import { stratifiedSplit } from '../../pipelines/penguins/split.js';
import { DATASET } from './context.js';

const CHECK = fileURLToPath(new URL('../../pipelines/penguins/check.mjs', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'ferry-penguins-data-'));
const countBy = <T>(rows: T[], key: (r: T) => string) => rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [key(r)]: (acc[key(r)] ?? 0) + 1 }), {});

describe('the penguins dataset', () => {
  it('the committed CSV is exactly what exportPenguinsCsv writes from vega-datasets', () => {
    const path = join(tmp(), 'penguins.csv');
    exportPenguinsCsv(path);
    expect(readFileSync(path, 'utf8')).toBe(readFileSync(DATASET, 'utf8'));
    expect(penguinsCsv().split('\n')[0]).toBe('Species,Island,Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g),Sex');
  });

  it('keeps the 333 complete rows of 344 and reports the 11 it drops', () => {
    const { rows, dropped } = loadPenguinsCsv(DATASET);
    expect(rows).toHaveLength(333);
    expect(dropped).toBe(11);
    expect(countBy(rows, (r) => r.species)).toEqual({ Adelie: 146, Chinstrap: 68, Gentoo: 119 });
    expect(rows[0]).toEqual({ species: 'Adelie', island: 'Torgersen', bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750, sex: 'male' });
  });

  it('names a missing column', () => {
    const path = join(tmp(), 'bad.csv');
    writeFileSync(path, 'Species,Island,Sex\nAdelie,Dream,MALE\n');
    expect(() => loadPenguinsCsv(path)).toThrow(/missing column\(s\) "Beak Length \(mm\)"/);
  });
});

describe('the stratified split', () => {
  const { rows } = loadPenguinsCsv(DATASET);

  it('puts a quarter of every species in the test set and uses every row once', () => {
    const { train, test } = stratifiedSplit(rows, (r) => r.species, { testShare: 0.25, seed: 42 });
    expect(countBy(test, (r) => r.species)).toEqual({ Adelie: 37, Chinstrap: 17, Gentoo: 30 });
    expect(countBy(train, (r) => r.species)).toEqual({ Adelie: 109, Chinstrap: 51, Gentoo: 89 });
    expect(new Set([...train, ...test]).size).toBe(rows.length);
  });

  it('is the same for a seed and differs for another', () => {
    const a = stratifiedSplit(rows, (r) => r.species, { testShare: 0.25, seed: 42 });
    const b = stratifiedSplit(rows, (r) => r.species, { testShare: 0.25, seed: 42 });
    const c = stratifiedSplit(rows, (r) => r.species, { testShare: 0.25, seed: 43 });
    expect(b.test).toEqual(a.test);
    expect(c.test).not.toEqual(a.test);
  });

  it('rejects a test share outside (0, 1)', () => {
    expect(() => stratifiedSplit(rows, (r) => r.species, { testShare: 1, seed: 1 })).toThrow(/testShare/);
  });
});

describe('the build check (check.mjs)', () => {
  const check = (path: string) => spawnSync(process.execPath, [CHECK, path], { encoding: 'utf8' });

  it('accepts the committed dataset and counts rows as the loader does', () => {
    const out = execFileSync(process.execPath, [CHECK, DATASET], { encoding: 'utf8' });
    const { rows, dropped } = loadPenguinsCsv(DATASET);
    expect(out).toContain(`${rows.length} complete rows, ${dropped} incomplete`);
  });

  it('fails naming the line and column of a corrupt value', () => {
    const path = join(tmp(), 'corrupt.csv');
    const lines = readFileSync(DATASET, 'utf8').split('\n');
    lines[1] = 'Adelie,Torgersen,39.1,18.7,181,heavy,MALE';
    writeFileSync(path, lines.join('\n'));
    const result = check(path);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${path}:2: "Body Mass (g)" is "heavy"; expected a positive number`);
  });

  it('fails when a species is too rare to train on', () => {
    const path = join(tmp(), 'no-chinstrap.csv');
    writeFileSync(path, readFileSync(DATASET, 'utf8').split('\n').filter((l) => !l.startsWith('Chinstrap')).join('\n'));
    const result = check(path);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('0 complete Chinstrap rows; expected at least 30');
  });
});
