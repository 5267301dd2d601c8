/**
 * Inline SVG charts for the HTML model card: plain shapes and text, no scripts, so the card renders anywhere (a browser,
 * a mail client, headless Chromium) and can be archived as one file.
 */
import { escapeHtml, num } from './format.js';

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'];
const FONT = `font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"`;
const AXIS = '#8a8f98';
const GRID = '#e6e8eb';

function svgOpen(width: number, height: number, label: string, cls: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${cls}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(label)}" ${FONT}>`;
}

const f1 = (x: number) => x.toFixed(1);

/** A "nice" tick step (1, 2 or 5 × 10^k) giving about `count` intervals over `span`. */
export function niceStep(span: number, count = 5): number {
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const m = raw / mag;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
}

/** Horizontal bars of mean score drop per feature (largest first) with ±1 std whiskers. */
export function importanceChart(features: { feature: string; mean: number; std: number }[], metric: string): string {
  const sorted = [...features].sort((a, b) => b.mean - a.mean);
  const labelW = 170;
  const width = 640;
  const rowH = 30;
  const top = 16;
  const bottom = 42;
  const plotW = width - labelW - 60;
  const height = top + bottom + rowH * Math.max(1, sorted.length);
  const step = niceStep(Math.max(1e-9, ...sorted.map((f) => f.mean + f.std)) - Math.min(0, ...sorted.map((f) => f.mean - f.std)));
  const lo = Math.floor(Math.min(0, ...sorted.map((f) => f.mean - f.std)) / step) * step;
  const hi = Math.ceil(Math.max(1e-9, ...sorted.map((f) => f.mean + f.std)) / step) * step;
  const x = (v: number) => labelW + ((v - lo) / (hi - lo)) * plotW;
  const parts = [svgOpen(width, height, `Permutation importance (drop in ${metric})`, 'importance-chart')];
  const ticks = Math.round((hi - lo) / step);
  for (let i = 0; i <= ticks; i++) {
    const v = lo + step * i;
    parts.push(`<line x1="${f1(x(v))}" y1="${top}" x2="${f1(x(v))}" y2="${height - bottom}" stroke="${GRID}"/>`);
    parts.push(`<text x="${f1(x(v))}" y="${height - bottom + 16}" font-size="11" fill="${AXIS}" text-anchor="middle">${num(v, 3)}</text>`);
  }
  parts.push(`<line x1="${f1(x(0))}" y1="${top}" x2="${f1(x(0))}" y2="${height - bottom}" stroke="${AXIS}"/>`);
  sorted.forEach((f, i) => {
    const cy = top + i * rowH + rowH / 2;
    const x0 = x(Math.min(0, f.mean));
    const w = Math.abs(x(f.mean) - x(0));
    const label = f.feature.length > 24 ? `${f.feature.slice(0, 23)}…` : f.feature;
    parts.push(`<text x="${labelW - 10}" y="${f1(cy + 4)}" font-size="12" fill="#24292f" text-anchor="end">${escapeHtml(label)}</text>`);
    parts.push(`<g><title>${escapeHtml(`${f.feature}: ${num(f.mean)} ± ${num(f.std)}`)}</title><rect x="${f1(x0)}" y="${f1(cy - 9)}" width="${f1(Math.max(w, 0.5))}" height="18" rx="2" fill="${PALETTE[0]}"/></g>`);
    if (f.std > 0) {
      const a = x(f.mean - f.std);
      const b = x(f.mean + f.std);
      parts.push(
        `<path d="M${f1(a)} ${f1(cy)}H${f1(b)}M${f1(a)} ${f1(cy - 5)}V${f1(cy + 5)}M${f1(b)} ${f1(cy - 5)}V${f1(cy + 5)}" stroke="#1f2d3d" stroke-width="1.5" fill="none" class="whisker"/>`,
      );
    }
    parts.push(`<text x="${f1(Math.max(x(f.mean), x(f.mean + f.std)) + 6)}" y="${f1(cy + 4)}" font-size="11" fill="#57606a">${num(f.mean, 3)}</text>`);
  });
  parts.push(`<text x="${labelW + plotW / 2}" y="${height - 6}" font-size="11" fill="${AXIS}" text-anchor="middle">mean drop in ${escapeHtml(metric)} when the feature is shuffled (whiskers: ±1 std)</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Grouped vertical bars: for each group, one bar per metric (all in [0, 1]), with a legend. */
export function groupMetricsChart(groups: { group: string; values: Record<string, number> }[], metrics: { key: string; label: string }[], title: string): string {
  const width = 640;
  const height = 270;
  const left = 40;
  const top = 30;
  const bottom = 40;
  const plotW = width - left - 10;
  const plotH = height - top - bottom;
  const slot = plotW / Math.max(1, groups.length);
  const barW = Math.min(26, (slot * 0.8) / metrics.length);
  const y = (v: number) => top + plotH - Math.max(0, Math.min(1, v)) * plotH;
  const parts = [svgOpen(width, height, title, 'group-chart')];
  metrics.forEach((m, k) => {
    const lx = left + k * 120;
    parts.push(`<rect x="${lx}" y="6" width="12" height="12" rx="2" fill="${PALETTE[k % PALETTE.length]}"/><text x="${lx + 17}" y="16" font-size="11" fill="#24292f">${escapeHtml(m.label)}</text>`);
  });
  for (let i = 0; i <= 4; i++) {
    const v = i / 4;
    parts.push(`<line x1="${left}" y1="${f1(y(v))}" x2="${width - 10}" y2="${f1(y(v))}" stroke="${i === 0 ? AXIS : GRID}"/>`);
    parts.push(`<text x="${left - 6}" y="${f1(y(v) + 4)}" font-size="10" fill="${AXIS}" text-anchor="end">${v}</text>`);
  }
  groups.forEach((g, i) => {
    const start = left + i * slot + (slot - barW * metrics.length) / 2;
    metrics.forEach((m, k) => {
      const v = g.values[m.key] ?? 0;
      const bx = start + k * barW;
      parts.push(
        `<g><title>${escapeHtml(`${g.group} · ${m.label}: ${num(v)}`)}</title><rect x="${f1(bx)}" y="${f1(y(v))}" width="${f1(barW - 2)}" height="${f1(top + plotH - y(v))}" fill="${PALETTE[k % PALETTE.length]}"/></g>`,
      );
    });
    const label = g.group.length > 18 ? `${g.group.slice(0, 17)}…` : g.group;
    parts.push(`<text x="${f1(left + i * slot + slot / 2)}" y="${height - bottom + 18}" font-size="12" fill="#24292f" text-anchor="middle">${escapeHtml(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Reliability diagram: accuracy per confidence bin as bars against the diagonal of perfect calibration. */
export function reliabilityChart(table: { lower: number; upper: number; count: number; meanConfidence: number | null; accuracy: number | null }[], ece: number): string {
  const size = 300;
  const left = 46;
  const top = 14;
  const bottom = 44;
  const width = left + size + 20;
  const height = top + size + bottom;
  const px = (v: number) => left + v * size;
  const py = (v: number) => top + size - v * size;
  const parts = [svgOpen(width, height, `Reliability diagram (ECE ${num(ece)})`, 'reliability-chart')];
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    parts.push(`<line x1="${f1(px(0))}" y1="${f1(py(v))}" x2="${f1(px(1))}" y2="${f1(py(v))}" stroke="${GRID}"/>`);
    parts.push(`<text x="${left - 6}" y="${f1(py(v) + 4)}" font-size="10" fill="${AXIS}" text-anchor="end">${v}</text>`);
    parts.push(`<text x="${f1(px(v))}" y="${top + size + 15}" font-size="10" fill="${AXIS}" text-anchor="middle">${v}</text>`);
  }
  for (const b of table) {
    if (b.count === 0 || b.accuracy === null || b.meanConfidence === null) continue;
    const x0 = px(b.lower) + 1;
    const w = px(b.upper) - px(b.lower) - 2;
    const tip = `(${num(b.lower, 2)}, ${num(b.upper, 2)}]: ${b.count} rows, confidence ${num(b.meanConfidence)}, accuracy ${num(b.accuracy)}`;
    parts.push(`<g><title>${escapeHtml(tip)}</title><rect x="${f1(x0)}" y="${f1(py(b.accuracy))}" width="${f1(Math.max(w, 1))}" height="${f1(size * b.accuracy)}" fill="${PALETTE[0]}" fill-opacity="0.85"/></g>`);
    parts.push(`<circle cx="${f1(px(b.meanConfidence))}" cy="${f1(py(b.meanConfidence))}" r="3" fill="${PALETTE[1]}"/>`);
  }
  parts.push(`<line x1="${f1(px(0))}" y1="${f1(py(0))}" x2="${f1(px(1))}" y2="${f1(py(1))}" stroke="#e15759" stroke-width="1.5" stroke-dasharray="5 4" class="diagonal"/>`);
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="${AXIS}"/>`);
  parts.push(`<text x="${left + size / 2}" y="${height - 8}" font-size="11" fill="${AXIS}" text-anchor="middle">confidence (bars: accuracy, dots: mean confidence, dashed: perfect)</text>`);
  parts.push(`<text transform="translate(12 ${top + size / 2}) rotate(-90)" font-size="11" fill="${AXIS}" text-anchor="middle">accuracy</text>`);
  parts.push('</svg>');
  return parts.join('');
}
