/** The risk sections of the HTML card: explainability, fairness, robustness, calibration. */
import { perturbationLabel } from '../risk/robustness.js';
import { groupMetricsChart, importanceChart, reliabilityChart } from './charts.js';
import { escapeHtml, htmlTable, num, pct } from './format.js';
import type { ModelCard } from './schema.js';

type Risk = NonNullable<ModelCard['risk']>;

const badge = (passed: boolean) => `<span class="badge ${passed ? 'pass' : 'fail'}">${passed ? 'pass' : 'fail'}</span>`;

export function checksSection(risk: Risk): string {
  if (risk.results.length === 0) return '';
  const rows = risk.results.map((r) => [{ html: badge(r.passed) }, r.check, r.group ?? r.feature ?? '', num(r.value), num(r.bound), r.message]);
  return `<section><h2>Risk checks ${badge(risk.passed)}</h2>${htmlTable(['', 'check', 'group / feature', 'value', 'bound', 'message'], rows, 'checks')}</section>`;
}

export function importanceSection(report: Risk['importance']): string {
  if (!report) return '';
  const sorted = [...report.features].sort((a, b) => b.mean - a.mean);
  const rows = sorted.map((f) => [f.feature, num(f.mean), num(f.std), f.drops.map((d) => num(d, 3)).join(', ')]);
  return (
    `<section><h2>Explainability: permutation importance</h2>` +
    `<p class="note">Drop in ${escapeHtml(report.metric)} (baseline ${num(report.baseline)}) when one feature's column is shuffled; ${report.repeats} repeats, seed ${report.seed}.</p>` +
    `<figure>${importanceChart(report.features, report.metric)}</figure>` +
    htmlTable(['feature', 'mean drop', 'std', 'drops per repeat'], rows) +
    `</section>`
  );
}

const GROUP_METRICS = [
  { key: 'accuracy', label: 'accuracy' },
  { key: 'selectionRate', label: 'selection rate' },
  { key: 'tpr', label: 'TPR' },
  { key: 'fpr', label: 'FPR' },
];

export function fairnessSection(reports: Risk['fairness']): string {
  if (reports.length === 0) return '';
  const blocks = reports.map((r) => {
    const mode = r.mode === 'binary' ? `positive class “${escapeHtml(r.positiveClass ?? '')}”` : `one-vs-rest over ${r.classes.length} classes, averaged`;
    const chartGroups = r.groups.map((g) => ({ group: g.group, values: { accuracy: g.accuracy, selectionRate: g.selectionRate, tpr: g.tpr, fpr: g.fpr } }));
    // In one-vs-rest mode the averaged selection rate is always 1/K, so the chart shows accuracy, TPR and FPR only.
    const metrics = r.mode === 'binary' ? GROUP_METRICS : GROUP_METRICS.filter((m) => m.key !== 'selectionRate');
    const rows = r.groups.map((g) => [g.group, String(g.count), num(g.accuracy), num(g.selectionRate), num(g.tpr), num(g.fpr)]);
    return (
      `<h3>${escapeHtml(r.attribute)} <span class="muted">(${mode})</span></h3>` +
      `<div class="stats"><div><span>demographic parity difference</span><strong>${num(r.demographicParityDifference)}</strong></div>` +
      `<div><span>equalized odds difference</span><strong>${num(r.equalizedOddsDifference)}</strong></div></div>` +
      `<figure>${groupMetricsChart(chartGroups, metrics, `Per-group metrics by ${r.attribute}`)}</figure>` +
      htmlTable(['group', 'rows', 'accuracy', 'selection rate', 'TPR', 'FPR'], rows, 'fairness')
    );
  });
  return `<section><h2>Fairness</h2>${blocks.join('')}</section>`;
}

export function robustnessSection(reports: Risk['robustness']): string {
  if (reports.length === 0) return '';
  const rows = reports.flatMap((rep) =>
    rep.results.map((r) => {
      const over = r.flipRate > rep.maxFlipRate;
      const bar = `<span class="meter"><span style="width:${Math.min(100, r.flipRate * 100).toFixed(1)}%" class="${over ? 'over' : ''}"></span></span>`;
      return [perturbationLabel(r.perturbation), { html: `${bar} ${pct(r.flipRate)}` }, `${r.flipped} / ${r.rows}`, pct(rep.maxFlipRate), { html: badge(!over) }];
    }),
  );
  return `<section><h2>Robustness</h2><p class="note">Share of predictions that change under each perturbation (seed ${reports[0]!.seed}).</p>${htmlTable(['perturbation', 'flip rate', 'changed', 'max', ''], rows, 'robustness')}</section>`;
}

export function calibrationSection(report: Risk['calibration']): string {
  if (!report) return '';
  const rows = report.table.map((b) => [`(${num(b.lower, 2)}, ${num(b.upper, 2)}]`, String(b.count), num(b.meanConfidence), num(b.accuracy)]);
  return (
    `<section><h2>Calibration</h2><div class="stats"><div><span>expected calibration error</span><strong>${num(report.ece)}</strong></div><div><span>bins</span><strong>${report.bins}</strong></div></div>` +
    `<div class="split"><figure>${reliabilityChart(report.table, report.ece)}</figure>` +
    `<div>${htmlTable(['confidence', 'rows', 'mean confidence', 'accuracy'], rows, 'compact')}</div></div></section>`
  );
}
