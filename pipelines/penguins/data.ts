import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { toCsv } from './csv.js';
import { ISLANDS, SEXES, SPECIES, type LabelledPenguin } from './features.js';

/**
 * The Palmer penguins data (Gorman et al., CC0), as shipped in the `vega-datasets` npm package: nothing downloads at run
 * time. The pipeline's dataset is a committed CSV copy (`pipelines/penguins/data/penguins.csv`) so the run hashes the
 * very bytes it trains on; {@link exportPenguinsCsv} produced it and a test keeps it equal to the package's data.
 */

/** The source columns, with the names the data set uses. */
export const SOURCE_COLUMNS = ['Species', 'Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'] as const;

const sourceRowSchema = z.object({
  Species: z.string(),
  Island: z.string(),
  'Beak Length (mm)': z.number().nullable(),
  'Beak Depth (mm)': z.number().nullable(),
  'Flipper Length (mm)': z.number().nullable(),
  'Body Mass (g)': z.number().nullable(),
  Sex: z.string().nullable(),
});

/** The package's directory, found from its entry point (its `exports` map does not expose `package.json`). */
function packageDir(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the directory of the "${name}" package; run npm install`);
    dir = parent;
  }
  return dir;
}

/** The 344 raw records of `vega-datasets/data/penguins.json`, missing values included. */
export function readPenguinsJson(): z.infer<typeof sourceRowSchema>[] {
  const file = join(packageDir('vega-datasets'), 'data', 'penguins.json');
  return z.array(sourceRowSchema).parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** The raw records as CSV text with the original column names; a missing value is an empty cell. */
export function penguinsCsv(): string {
  const rows = readPenguinsJson().map((row) => SOURCE_COLUMNS.map((column) => row[column] ?? ''));
  return toCsv([...SOURCE_COLUMNS], rows);
}

/** Writes the raw records to `path` as CSV (how `pipelines/penguins/data/penguins.csv` was made). */
export function exportPenguinsCsv(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, penguinsCsv());
}

export interface LoadedPenguins {
  rows: LabelledPenguin[];
  /** Rows left out because a field the model uses is missing or unknown (e.g. sex recorded as "."). */
  dropped: number;
}

const cleanRowSchema = z.object({
  Species: z.enum(SPECIES),
  Island: z.enum(ISLANDS),
  'Beak Length (mm)': z.coerce.number().positive(),
  'Beak Depth (mm)': z.coerce.number().positive(),
  'Flipper Length (mm)': z.coerce.number().positive(),
  'Body Mass (g)': z.coerce.number().positive(),
  Sex: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(SEXES)),
});

/**
 * Reads the penguins CSV and keeps the complete rows, renamed to the model's record fields. A file without the expected
 * columns is an error naming the missing column; incomplete rows are counted in `dropped`.
 */
export function loadPenguinsCsv(path: string): LoadedPenguins {
  const records = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const header = Object.keys(records[0] ?? {});
  const missing = SOURCE_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new Error(`${path}: missing column(s) ${missing.map((c) => `"${c}"`).join(', ')}; expected ${SOURCE_COLUMNS.join(', ')}`);
  const rows: LabelledPenguin[] = [];
  for (const record of records) {
    // An empty cell would coerce to 0 and pass as a number: treat it as missing before validating.
    const parsed = SOURCE_COLUMNS.some((c) => (record[c] ?? '').trim() === '') ? undefined : cleanRowSchema.safeParse(record);
    if (!parsed?.success) continue;
    const r = parsed.data;
    rows.push({
      species: r.Species,
      island: r.Island,
      bill_length_mm: r['Beak Length (mm)'],
      bill_depth_mm: r['Beak Depth (mm)'],
      flipper_length_mm: r['Flipper Length (mm)'],
      body_mass_g: r['Body Mass (g)'],
      sex: r.Sex,
    });
  }
  return { rows, dropped: records.length - rows.length };
}
