/**
 * Per-column drift detection and the dataset verdict behind `ferry drift`.
 *
 * `auto` follows Evidently's default rule: with a reference of at most 1,000 rows, numeric columns with more than 5
 * distinct values (reference ∪ current) use `ks`, columns with more than 2 distinct values `chisquare`, others `z`;
 * with a larger reference, numeric columns with more than 5 distinct values use `wasserstein`, others `jensenshannon`.
 *
 * A forced method applies where it is defined: `ks` and `wasserstein` on numeric columns, `z` on columns with at most
 * 2 distinct values, `psi`, `jensenshannon` and `chisquare` on any column. Where it does not apply, the column falls back
 * to auto's choice (the result names the method actually used).
 *
 * Thresholds: p-value tests (ks, chisquare, z) drift when p < 0.05; psi, wasserstein and jensenshannon when the statistic
 * is ≥ 0.1. The dataset drifts when at least half of the columns drift.
 */
import { UsageError } from '../core/errors.js';
import { sharedBins } from './bins.js';
import { chiSquareContingency } from './chi-square.js';
import { type PreparedColumn, type RawTable, prepareColumn, requireValues, sum } from './columns.js';
import { countDistinctUnion, distinctUnion, valueCounts } from './histogram.js';
import { jensenShannon } from './jensen-shannon.js';
import { ks2sampSorted } from './ks.js';
import { psi } from './psi.js';
import type { ColumnDrift, DriftMethod, DriftMethodOption, DriftReport } from './schema.js';
import { normalisedWasserstein } from './wasserstein.js';
import { twoProportionZTest } from './z-test.js';

/** Options of {@link detectDrift}. File names only improve error messages. */
export interface DetectOptions {
  /** Default `auto`. */
  method?: DriftMethodOption;
  referenceName?: string;
  currentName?: string;
}

const P_VALUE_THRESHOLD = 0.05;
const DISTANCE_THRESHOLD = 0.1;
const SMALL_REFERENCE_ROWS = 1000;

/** Distinct non-empty values of a column over both windows (numeric columns: counted no further than `cap`). */
export function distinctCount(col: PreparedColumn, cap = Infinity): number {
  if (col.type === 'numeric') return countDistinctUnion(col.ref, col.cur, cap);
  return col.labels.length;
}

/** Evidently's default choice for a column (see the module comment). */
export function autoMethod(col: PreparedColumn, referenceRows: number, distinct: number): DriftMethod {
  const numericMany = col.type === 'numeric' && distinct > 5;
  if (referenceRows <= SMALL_REFERENCE_ROWS) return numericMany ? 'ks' : distinct > 2 ? 'chisquare' : 'z';
  return numericMany ? 'wasserstein' : 'jensenshannon';
}

/** Whether a forced method is defined for the column. */
export function methodApplies(method: DriftMethod, col: PreparedColumn, distinct: number): boolean {
  switch (method) {
    case 'ks':
    case 'wasserstein':
      return col.type === 'numeric';
    case 'z':
      return distinct <= 2;
    case 'psi':
    case 'jensenshannon':
    case 'chisquare':
      return true;
  }
}

/** Runs one method on one column. */
export function testColumn(col: PreparedColumn, method: DriftMethod): ColumnDrift {
  const base = { column: col.name, type: col.type, method, missingShare: col.missingShare };
  const byP = (statistic: number, pValue: number): ColumnDrift => ({
    ...base,
    statistic,
    pValue,
    threshold: P_VALUE_THRESHOLD,
    drifted: pValue < P_VALUE_THRESHOLD,
  });
  const byDistance = (statistic: number): ColumnDrift => ({
    ...base,
    statistic,
    pValue: null,
    threshold: DISTANCE_THRESHOLD,
    drifted: statistic >= DISTANCE_THRESHOLD,
  });
  switch (method) {
    case 'ks': {
      if (col.type !== 'numeric') throw new TypeError('ks needs a numeric column');
      const r = ks2sampSorted(col.ref, col.cur, 'auto');
      return byP(r.statistic, r.pValue);
    }
    case 'wasserstein': {
      if (col.type !== 'numeric') throw new TypeError('wasserstein needs a numeric column');
      return byDistance(normalisedWasserstein(col.ref, col.cur));
    }
    case 'psi': {
      const b = sharedBins(col);
      return byDistance(psi(b.ref, b.cur));
    }
    case 'jensenshannon': {
      const b = sharedBins(col);
      return byDistance(jensenShannon(b.ref, b.cur));
    }
    case 'chisquare': {
      const b = categoryTable(col);
      const r = chiSquareContingency([b.ref, b.cur]);
      return byP(r.statistic, r.pValue);
    }
    case 'z': {
      const b = categoryTable(col);
      const r = twoProportionZTest(b.ref[0]!, sum(b.ref), b.cur[0]!, sum(b.cur));
      return byP(r.statistic, r.pValue);
    }
  }
}

/** Counts per distinct value (numbers ascending, strings in code-unit order) for chisquare and z. */
function categoryTable(col: PreparedColumn): { ref: Float64Array; cur: Float64Array } {
  if (col.type === 'categorical') return { ref: col.ref, cur: col.cur };
  const values = distinctUnion(col.ref, col.cur);
  return { ref: valueCounts(col.ref, values), cur: valueCounts(col.cur, values) };
}

/** Checks that both tables have the same columns; a column present in only one file is a usage error. */
export function checkHeaders(reference: readonly string[], current: readonly string[], refName: string, curName: string): void {
  const cur = new Set(current);
  const ref = new Set(reference);
  for (const name of reference) {
    if (!cur.has(name)) {
      throw new UsageError(
        `${curName}: column "${name}" is missing (the reference ${refName} has it); give both files the same header`,
        { details: { file: curName, field: name } },
      );
    }
  }
  for (const name of current) {
    if (!ref.has(name)) {
      throw new UsageError(
        `${curName}: column "${name}" is not in the reference ${refName}; give both files the same header`,
        { details: { file: curName, field: name } },
      );
    }
  }
}

/** Prepares every column (reference header order), rejecting columns without values in a window. */
export function prepareColumns(
  reference: RawTable,
  current: RawTable,
  refName = 'reference',
  curName = 'current',
): PreparedColumn[] {
  checkHeaders(reference.header, current.header, refName, curName);
  return reference.header.map((name, i) => {
    const refCells = reference.columns[i]!;
    const curCells = current.columns[current.header.indexOf(name)]!;
    return requireValues(prepareColumn(name, refCells, curCells), refName, curName);
  });
}

/** Chooses the method for a column given the `--method` option. */
export function chooseMethod(col: PreparedColumn, option: DriftMethodOption, referenceRows: number): DriftMethod {
  // The rules only ask "more than 5", "more than 2" and "at most 2": counting stops at 6.
  const distinct = distinctCount(col, 6);
  if (option !== 'auto' && methodApplies(option, col, distinct)) return option;
  return autoMethod(col, referenceRows, distinct);
}

/**
 * Detects drift column by column and summarises it, returning the `ferry drift` JSON shape.
 * @example detectDrift(tableFromRows(['age'], [['31'], ['40']]), tableFromRows(['age'], [['55'], ['61']]))
 */
export function detectDrift(reference: RawTable, current: RawTable, options: DetectOptions = {}): DriftReport {
  const cols = prepareColumns(reference, current, options.referenceName, options.currentName);
  return summarise(cols.map((col) => testColumn(col, chooseMethod(col, options.method ?? 'auto', rowCount(reference)))));
}

/** Number of data rows of a table. */
export function rowCount(table: RawTable): number {
  return table.columns[0]?.length ?? 0;
}

/** Dataset verdict from column results. */
export function summarise(columns: ColumnDrift[]): DriftReport {
  const drifted = columns.filter((c) => c.drifted).length;
  const driftedShare = columns.length === 0 ? 0 : drifted / columns.length;
  return { columns, driftedShare, datasetDrifted: driftedShare >= 0.5 };
}
