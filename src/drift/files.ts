/** Drift between two files (CSV or Parquet), read column-wise by DuckDB: what `ferry drift` runs. */
import { type PreparedColumn, prepareFromWindows, requireValues } from './columns.js';
import { checkHeaders, chooseMethod, summarise, testColumn } from './detect.js';
import { type WindowFile, WindowReader, readWindows } from './read.js';
import { sortColumns } from './sort.js';
import type { DriftMethodOption, DriftReport } from './schema.js';

/** Options of {@link detectDriftInFiles}. */
export interface FileDriftOptions {
  /** Default `auto`. */
  method?: DriftMethodOption;
  /** Keep every prepared column for the HTML report (otherwise each is dropped once tested, to free its memory). */
  keepColumns?: boolean;
}

/**
 * Reads both windows, types and tests every column of the reference header, and summarises.
 * @example const { report } = await detectDriftInFiles('train.parquet', 'today.csv', { method: 'ks' })
 */
export async function detectDriftInFiles(
  referencePath: string,
  currentPath: string,
  options: FileDriftOptions = {},
): Promise<{ report: DriftReport; columns: PreparedColumn[] }> {
  const reader = await WindowReader.open();
  try {
    const { reference, current } = await readWindows(reader, referencePath, currentPath);
    return await driftOfWindows(reference, current, options);
  } finally {
    reader.close();
  }
}

/**
 * Tests every column of two windows already read and typed across each other (see `readWindows`); numeric columns
 * marked `sorted` (a stored reference) are not sorted again. Columns are taken out of both windows as they are tested.
 */
export async function driftOfWindows(
  reference: WindowFile,
  current: WindowFile,
  options: FileDriftOptions & { referenceName?: string; currentName?: string } = {},
): Promise<{ report: DriftReport; columns: PreparedColumn[] }> {
  const refName = options.referenceName ?? reference.path;
  const curName = options.currentName ?? current.path;
  checkHeaders(reference.header, current.header, refName, curName);
  // Sorting is most of the work after reading: all numeric columns at once, on every core.
  const numbers = [...reference.columns.values(), ...current.columns.values()].flatMap((w) =>
    w.kind === 'numbers' && !w.sorted ? [w] : [],
  );
  await sortColumns(numbers.map((w) => w.values));
  for (const w of numbers) w.sorted = true;
  const kept: PreparedColumn[] = [];
  const results = reference.header.map((name) => {
    const col = requireValues(prepareFromWindows(name, reference.columns.get(name)!, current.columns.get(name)!), refName, curName);
    reference.columns.delete(name);
    current.columns.delete(name);
    if (options.keepColumns) kept.push(col);
    return testColumn(col, chooseMethod(col, options.method ?? 'auto', reference.rows));
  });
  return { report: summarise(results), columns: kept };
}
