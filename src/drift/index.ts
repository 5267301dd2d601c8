/** Drift statistics (pure TypeScript ports of scipy) and the `ferry drift` engine. */
export { detectDrift, autoMethod, methodApplies, chooseMethod, prepareColumns, summarise } from './detect.js';
export type { DetectOptions } from './detect.js';
export { tableFromRows, prepareColumn, parseNumber } from './columns.js';
export type { RawTable, PreparedColumn } from './columns.js';
export {
  driftMethodSchema,
  driftMethodOptionSchema,
  columnDriftSchema,
  driftReportSchema,
} from './schema.js';
export type { DriftMethod, DriftMethodOption, ColumnDrift, DriftReport } from './schema.js';
export { ks2samp, ks2sampSorted } from './ks.js';
export type { KsMethod, KsResult } from './ks.js';
export { kstwoSf } from './kstwo.js';
export { smirnov } from './smirnov.js';
export { wassersteinDistance, wassersteinSorted, normalisedWasserstein } from './wasserstein.js';
export { psi } from './psi.js';
export { jensenShannon } from './jensen-shannon.js';
export { chiSquareContingency } from './chi-square.js';
export type { ChiSquareResult } from './chi-square.js';
export { twoProportionZTest } from './z-test.js';
export { sturgesEdges, linspace, histogramCounts } from './histogram.js';
export { igamc, chi2Sf, erfc, ndtr } from './special.js';
export { renderHtmlReport } from './report-html.js';
export { benjaminiHochberg, withFdrControl } from './fdr.js';
