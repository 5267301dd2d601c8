/**
 * Self-contained HTML drift report: a summary, then per column the verdict and an inline SVG chart with reference and
 * current bin shares as side-by-side bars. No scripts, no external assets, so it can be mailed or archived as one file.
 */
import { sharedBins, type SharedBins } from './bins.js';
import type { PreparedColumn } from './columns.js';
import type { ColumnDrift, DriftReport } from './schema.js';

const MAX_BARS = 30;
const REF_COLOUR = '#4e79a7';
const CUR_COLOUR = '#f28e2b';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Keeps the most frequent bins when there are too many to draw, folding the rest into "(other)". */
function limitBins(b: SharedBins): SharedBins {
  if (b.labels.length <= MAX_BARS || b.edges) return b;
  const order = b.labels.map((_, i) => i).sort((i, j) => b.ref[j]! + b.cur[j]! - (b.ref[i]! + b.cur[i]!));
  const keep = order.slice(0, MAX_BARS - 1).sort((i, j) => i - j);
  const kept = new Set(keep);
  let otherRef = 0;
  let otherCur = 0;
  b.labels.forEach((_, i) => {
    if (!kept.has(i)) {
      otherRef += b.ref[i]!;
      otherCur += b.cur[i]!;
    }
  });
  return {
    labels: [...keep.map((i) => b.labels[i]!), '(other)'],
    ref: Float64Array.from([...keep.map((i) => b.ref[i]!), otherRef]),
    cur: Float64Array.from([...keep.map((i) => b.cur[i]!), otherCur]),
  };
}

function toShares(counts: Float64Array): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return Array.from(counts, (c) => (total > 0 ? c / total : 0));
}

/** Inline SVG bar chart of reference vs current shares per bin. */
export function histogramSvg(bins: SharedBins, title: string): string {
  const b = limitBins(bins);
  const r = toShares(b.ref);
  const c = toShares(b.cur);
  const max = Math.max(1e-12, ...r, ...c);
  const width = 640;
  const height = 220;
  const left = 40;
  const bottom = 40;
  const plotW = width - left - 10;
  const plotH = height - bottom - 10;
  const slot = plotW / Math.max(1, b.labels.length);
  const bar = Math.max(1, slot * 0.4);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`,
  );
  parts.push(`<line x1="${left}" y1="${10 + plotH}" x2="${width - 10}" y2="${10 + plotH}" stroke="#999"/>`);
  parts.push(`<text x="4" y="16" font-size="10">${(max * 100).toFixed(1)}%</text>`);
  b.labels.forEach((label, i) => {
    const x = left + i * slot + slot * 0.1;
    const hr = (r[i]! / max) * plotH;
    const hc = (c[i]! / max) * plotH;
    const tip = `${label}: reference ${(r[i]! * 100).toFixed(2)}%, current ${(c[i]! * 100).toFixed(2)}%`;
    parts.push(
      `<g><title>${escapeHtml(tip)}</title>` +
        `<rect x="${x.toFixed(1)}" y="${(10 + plotH - hr).toFixed(1)}" width="${bar.toFixed(1)}" height="${hr.toFixed(1)}" fill="${REF_COLOUR}"/>` +
        `<rect x="${(x + bar).toFixed(1)}" y="${(10 + plotH - hc).toFixed(1)}" width="${bar.toFixed(1)}" height="${hc.toFixed(1)}" fill="${CUR_COLOUR}"/></g>`,
    );
    if (b.labels.length <= 12 || i % Math.ceil(b.labels.length / 12) === 0) {
      const short = label.length > 14 ? `${label.slice(0, 13)}…` : label;
      parts.push(
        `<text x="${(x + bar).toFixed(1)}" y="${(height - bottom + 22).toFixed(1)}" font-size="9" text-anchor="middle">${escapeHtml(short)}</text>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('');
}

function fmt(x: number | null): string {
  if (x === null) return '—';
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6)) return x.toExponential(3);
  return x.toFixed(4);
}

function columnSection(result: ColumnDrift, col: PreparedColumn): string {
  const verdict = result.drifted ? '<strong class="drift">drift</strong>' : '<span class="ok">no drift</span>';
  const rule = result.pValue === null ? `statistic ≥ ${result.threshold}` : `p-value < ${result.threshold}`;
  return [
    `<section><h2>${escapeHtml(result.column)} <small>(${result.type})</small></h2>`,
    `<p>${verdict} — method <code>${result.method}</code>, statistic ${fmt(result.statistic)}, p-value ${fmt(result.pValue)} `,
    `(drift when ${rule}); missing in current ${(result.missingShare * 100).toFixed(1)}%</p>`,
    histogramSvg(sharedBins(col), `Histogram of ${result.column}`),
    '</section>',
  ].join('');
}

/** Renders the report as one HTML document; `columns` are the prepared columns the report was computed from. */
export function renderHtmlReport(report: DriftReport, columns: PreparedColumn[], title = 'Ferry drift report'): string {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const sections = report.columns.map((r) => columnSection(r, byName.get(r.column)!)).join('\n');
  const drifted = report.columns.filter((c) => c.drifted).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px}h2{margin-bottom:.2rem}small{color:#666}
.drift{color:#c0392b}.ok{color:#27ae60}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}
section{border-top:1px solid #ddd;padding-top:.5rem}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>${report.datasetDrifted ? '<strong class="drift">Dataset drift detected</strong>' : '<span class="ok">No dataset drift</span>'}:
${drifted} of ${report.columns.length} columns drifted (${(report.driftedShare * 100).toFixed(1)}%; dataset drift at ≥ 50%).</p>
<p class="legend"><span style="background:${REF_COLOUR}"></span>reference<span style="background:${CUR_COLOUR}"></span>current</p>
${sections}
</body></html>
`;
}
