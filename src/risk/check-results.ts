import type { CalibrationCheck, FairnessCheck, ImportanceCheck, RobustnessCheck } from '../core/risk.js';
import type { CalibrationReport } from './calibration.js';
import type { FairnessReport, Rates } from './fairness.js';
import type { ImportanceReport } from './importance.js';
import { perturbationLabel, type RobustnessReport } from './robustness.js';

/** The outcome of one bound of one risk check; a failed one stops the run like a failed gate. */
export interface RiskCheckResult {
  /** The check's name, e.g. `fairness(island)`. */
  check: string;
  passed: boolean;
  value?: number;
  bound?: number;
  group?: string;
  feature?: string;
  message: string;
}

/** Four decimals at most, no trailing zeros: 0.6100 → "0.61". */
export const fmt = (x: number): string => String(Number(x.toFixed(4)));

/** Compares against an upper bound and words the result the same way everywhere. */
function upper(check: string, what: string, value: number, max: number, extra: Partial<RiskCheckResult> = {}, detail = ''): RiskCheckResult {
  const passed = value <= max;
  return { check, passed, value, bound: max, ...extra, message: `${check}: ${what} = ${fmt(value)} ${passed ? '≤' : '>'} max ${fmt(max)}${detail}` };
}

export function importanceResults(check: ImportanceCheck, report: ImportanceReport): RiskCheckResult[] {
  const top = [...report.features].sort((a, b) => b.mean - a.mean)[0];
  if (!top) return [{ check: 'importance', passed: check.minTop === undefined, message: 'importance: no features to permute; pass the model\'s input features' }];
  const what = `top feature "${top.feature}" drops ${report.metric} by`;
  const base = { check: 'importance', feature: top.feature, value: top.mean };
  if (check.minTop === undefined) {
    return [{ ...base, passed: true, message: `importance: ${what} ${fmt(top.mean)} ± ${fmt(top.std)} (${report.repeats} repeats, seed ${report.seed})` }];
  }
  const passed = top.mean >= check.minTop;
  return [{ ...base, passed, bound: check.minTop, message: `importance: ${what} ${fmt(top.mean)} ${passed ? '≥' : '<'} min ${fmt(check.minTop)}` }];
}

/** The groups at the ends of a rate, for the message: ` ("Biscoe" 0.65 vs "Dream" 0)`. */
function extremes(report: FairnessReport, pick: (r: Rates) => number, cls?: string): { hi: string; spread: number; detail: string } {
  const rateOf = (g: FairnessReport['groups'][number]) => pick(cls !== undefined && g.perClass ? g.perClass[cls]! : g);
  const sorted = [...report.groups].sort((a, b) => rateOf(b) - rateOf(a));
  const hi = sorted[0]!;
  const lo = sorted[sorted.length - 1]!;
  const where = cls !== undefined ? `largest for class "${cls}": ` : '';
  return { hi: hi.group, spread: rateOf(hi) - rateOf(lo), detail: ` (${where}"${hi.group}" ${fmt(rateOf(hi))} vs "${lo.group}" ${fmt(rateOf(lo))})` };
}

/** In one-vs-rest mode, the class whose difference is largest names the groups in the message. */
function worstClass(report: FairnessReport, key: 'demographicParityDifference' | 'equalizedOddsDifference'): string | undefined {
  if (!report.perClass) return undefined;
  return Object.entries(report.perClass).sort((a, b) => b[1][key] - a[1][key])[0]?.[0];
}

export function fairnessResults(check: FairnessCheck, report: FairnessReport): RiskCheckResult[] {
  const name = `fairness(${check.attribute})`;
  const out: RiskCheckResult[] = [];
  if (check.maxDemographicParityDiff !== undefined) {
    const cls = worstClass(report, 'demographicParityDifference');
    const e = extremes(report, (r) => r.selectionRate, cls);
    out.push(upper(name, 'demographic parity difference', report.demographicParityDifference, check.maxDemographicParityDiff, { group: e.hi }, `; selection rate${e.detail}`));
  }
  if (check.maxEqualizedOddsDiff !== undefined) {
    const cls = worstClass(report, 'equalizedOddsDifference');
    const t = extremes(report, (r) => r.tpr, cls);
    const f = extremes(report, (r) => r.fpr, cls);
    const useTpr = t.spread >= f.spread;
    const e = useTpr ? t : f;
    out.push(upper(name, 'equalized odds difference', report.equalizedOddsDifference, check.maxEqualizedOddsDiff, { group: e.hi }, `; ${useTpr ? 'TPR' : 'FPR'}${e.detail}`));
  }
  if (check.minGroupAccuracy !== undefined) {
    const min = check.minGroupAccuracy;
    for (const g of report.groups) {
      const passed = g.accuracy >= min;
      out.push({ check: name, passed, value: g.accuracy, bound: min, group: g.group, message: `${name}: accuracy of group "${g.group}" = ${fmt(g.accuracy)} ${passed ? '≥' : '<'} min ${fmt(min)} (${g.count} rows)` });
    }
  }
  if (out.length === 0) {
    out.push({ check: name, passed: true, value: report.demographicParityDifference, message: `${name}: demographic parity difference ${fmt(report.demographicParityDifference)}, equalized odds difference ${fmt(report.equalizedOddsDifference)} over ${report.groups.length} groups (no bounds)` });
  }
  return out;
}

export function robustnessResults(check: RobustnessCheck, report: RobustnessReport): RiskCheckResult[] {
  return report.results.map((r) => upper('robustness', `flip rate under ${perturbationLabel(r.perturbation)}`, r.flipRate, check.maxFlipRate, { feature: r.perturbation.features.join(', ') }, ` (${r.flipped} of ${r.rows} predictions changed)`));
}

export function calibrationResults(check: CalibrationCheck, report: CalibrationReport): RiskCheckResult[] {
  if (check.maxEce === undefined) return [{ check: 'calibration', passed: true, value: report.ece, message: `calibration: ECE = ${fmt(report.ece)} over ${report.bins} bins (no bound)` }];
  return [upper('calibration', 'expected calibration error', report.ece, check.maxEce, {}, ` (${report.bins} bins)`)];
}
