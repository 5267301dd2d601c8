/** Drift between two files (CSV or Parquet), read column-wise by DuckDB: what `ferry drift` runs. */
import { type PreparedColumn, prepareFromWindows, requireValues } from './columns.js';
import { checkHeaders, chooseMethod, summarise, testColumn } from './detect.js';
import { WindowReader, readWindows } from './read.js';
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
    checkHeaders(reference.header, current.header, referencePath, currentPath);
    // Sorting is most of the work after reading: all numeric columns at once, on every core.
    const numbers = [...reference.columns.values(), ...current.columns.values()].filter((w) => w.kind === 'numbers');
    await sortColumns(numbers.map((w) => w.values));
    for (const w of numbers) w.sorted = true;
    const kept: PreparedColumn[] = [];
    const results = reference.header.map((name) => {
      const col = requireValues(
        prepareFromWindows(name, reference.columns.get(name)!, current.columns.get(name)!),
        referencePath,
        currentPath,
      );
      reference.columns.delete(name);
      current.columns.delete(name);
      if (options.keepColumns) kept.push(col);
      return testColumn(col, chooseMethod(col, options.method ?? 'auto', reference.rows));
    });
    return { report: summarise(results), columns: kept };
  } finally {
    reader.close();
  }
}
