/**
 * The model card as one self-contained HTML page: inline CSS and SVG, no scripts, no external assets.
 */
import { calibrationSection, checksSection, fairnessSection, importanceSection, robustnessSection } from './html-risk.js';
import { escapeHtml, htmlKeyValue, htmlTable, num, short } from './format.js';
import type { ModelCard } from './schema.js';

const CSS = `
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --soft:#f6f8fa; --accent:#4e79a7; --pass:#1a7f37; --fail:#cf222e; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.55 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:var(--ink); background:#fff; }
header { background: linear-gradient(120deg, #1f3b57, #4e79a7); color:#fff; padding:32px 48px 26px; }
header .eyebrow { text-transform:uppercase; letter-spacing:.08em; font-size:12px; opacity:.8; }
header h1 { margin:4px 0 6px; font-size:32px; font-weight:650; }
header p { margin:0; opacity:.9; max-width:780px; }
header .meta { margin-top:14px; display:flex; flex-wrap:wrap; gap:8px 18px; font-size:13px; opacity:.92; }
header code { background:rgba(255,255,255,.15); color:#fff; }
main { max-width:1100px; margin:0 auto; padding:8px 48px 48px; }
section { padding:18px 0 8px; border-bottom:1px solid var(--line); }
h2 { font-size:20px; margin:8px 0 12px; display:flex; align-items:center; gap:10px; }
h3 { font-size:16px; margin:18px 0 8px; }
.muted, .note { color:var(--muted); font-weight:400; }
.note { font-size:13px; margin:0 0 10px; }
table { border-collapse:collapse; width:100%; margin:8px 0 14px; font-size:13.5px; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:var(--soft); font-weight:600; color:#31373d; }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; background:var(--soft); padding:1px 5px; border-radius:4px; }
.badge { display:inline-block; font-size:11px; font-weight:700; text-transform:uppercase; letter-spacing:.04em; padding:2px 8px; border-radius:10px; color:#fff; }
.badge.pass { background:var(--pass); } .badge.fail { background:var(--fail); }
.badge.status { background:rgba(255,255,255,.2); }
.kpis { display:grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap:12px; margin:18px 0 6px; }
.kpis div, .stats div { background:var(--soft); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.kpis span, .stats span { display:block; font-size:12px; color:var(--muted); }
.kpis strong, .stats strong { font-size:22px; font-weight:650; }
.stats { display:flex; gap:12px; margin:6px 0 10px; flex-wrap:wrap; }
.kv th { width:140px; background:transparent; color:var(--muted); font-weight:500; }
.two { display:grid; grid-template-columns: 1fr 1fr; gap:28px; }
.split { display:grid; grid-template-columns: 380px 1fr; gap:24px; align-items:start; }
figure { margin:8px 0; }
svg.chart { max-width:100%; height:auto; }
ul { margin:6px 0; padding-left:20px; }
.meter { display:inline-block; width:90px; height:8px; background:#eaeef2; border-radius:4px; vertical-align:middle; overflow:hidden; }
.meter span { display:block; height:100%; background:var(--accent); } .meter span.over { background:var(--fail); }
footer { color:var(--muted); font-size:12px; text-align:center; padding:20px; }
`;

const list = (items: string[], empty: string) => (items.length ? `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>` : `<p class="muted">${empty}</p>`);
const badge = (passed: boolean) => `<span class="badge ${passed ? 'pass' : 'fail'}">${passed ? 'pass' : 'fail'}</span>`;

function header(card: ModelCard): string {
  const v = card.version;
  return (
    `<header><div class="eyebrow">Model card</div><h1>${escapeHtml(card.model.name)} <span style="opacity:.75">v${v.version}</span> <span class="badge status">${escapeHtml(v.status)}</span></h1>` +
    (card.model.description ? `<p>${escapeHtml(card.model.description)}</p>` : '') +
    `<div class="meta"><span>pipeline <code>${escapeHtml(v.pipeline)}</code></span><span>commit <code>${escapeHtml(short(card.lineage.commit))}</code></span>` +
    `<span>registered ${escapeHtml(v.createdAt.slice(0, 19).replace('T', ' '))}</span>` +
    (card.model.owner ? `<span>owner ${escapeHtml(card.model.owner)}</span>` : '') +
    `</div></header>`
  );
}

function overview(card: ModelCard): string {
  const kpis = Object.entries(card.metrics)
    .slice(0, 8)
    .map(([k, v]) => `<div><span>${escapeHtml(k)}</span><strong>${num(v)}</strong></div>`)
    .join('');
  return (
    (kpis ? `<div class="kpis">${kpis}</div>` : '') +
    `<section class="two"><div><h2>Intended use</h2>${card.intendedUse ? `<p>${escapeHtml(card.intendedUse)}</p>` : '<p class="muted">Not stated in the pipeline.</p>'}` +
    (card.outOfScope.length ? `<h3>Out of scope</h3>${list(card.outOfScope, '')}` : '') +
    `</div><div><h2>Limitations</h2>${list(card.limitations, 'None stated in the pipeline.')}</div></section>`
  );
}

function dataAndMetrics(card: ModelCard): string {
  const data = card.data.datasets.map((d) => [d.name, d.role ?? '', d.rows === undefined ? '–' : String(d.rows), { html: `<code>${escapeHtml(short(d.sha256))}</code>` }, d.uri ?? '']);
  const metrics = Object.entries(card.metrics).map(([k, v]) => [k, num(v)]);
  const perClass = card.perClassMetrics ? Object.entries(card.perClassMetrics).map(([c, m]) => [c, num(m.precision), num(m.recall), num(m.f1), String(m.support)]) : [];
  const gates = card.gates.map((g) => [{ html: badge(g.passed) }, g.gate, num(g.value), num(g.bound), g.message]);
  return (
    `<section><h2>Data</h2>${data.length ? htmlTable(['dataset', 'role', 'rows', 'sha256', 'uri'], data) : '<p class="muted">No datasets recorded.</p>'}</section>` +
    `<section><h2>Metrics</h2><div class="two"><div>${htmlTable(['metric', 'value'], metrics)}</div>` +
    `<div>${perClass.length ? htmlTable(['class', 'precision', 'recall', 'F1', 'support'], perClass) : ''}</div></div>` +
    (gates.length ? `<h3>Gates</h3>${htmlTable(['', 'gate', 'value', 'bound', 'message'], gates)}` : '') +
    `</section>`
  );
}

function governance(card: ModelCard): string {
  const l = card.lineage;
  const params = Object.entries(l.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || '–';
  const lineage = htmlKeyValue([
    ['run', { html: `<code>${escapeHtml(l.run)}</code>` }],
    ['commit', { html: `<code>${escapeHtml(l.commit)}</code>` }],
    ['params', params],
    ['seed', String(l.seed)],
    ['artifact', { html: `<code>${escapeHtml(card.version.artifact.sha256)}</code>` }],
    ...(l.specHash ? [['spec hash', { html: `<code>${escapeHtml(short(l.specHash))}</code>` }] as [string, { html: string }]] : []),
  ]);
  const approvals = card.approvals.map((a) => [a.env, a.approver, a.decision, a.via ?? '', a.at.slice(0, 19).replace('T', ' '), a.comment ?? '']);
  const deployments = card.deployments.map((d) => [d.env, d.status, d.strategy ?? '', d.trafficPercent === undefined ? '' : `${d.trafficPercent}%`, d.at.slice(0, 19).replace('T', ' ')]);
  return (
    `<section><h2>Lineage</h2>${lineage}</section>` +
    `<section><h2>Approvals</h2>${approvals.length ? htmlTable(['env', 'approver', 'decision', 'via', 'at', 'comment'], approvals) : '<p class="muted">No approvals yet.</p>'}</section>` +
    `<section><h2>Deployments</h2>${deployments.length ? htmlTable(['env', 'status', 'strategy', 'traffic', 'at'], deployments) : '<p class="muted">Not deployed.</p>'}</section>`
  );
}

/** Renders the card as a complete, self-contained HTML document. */
export function renderModelCardHtml(card: ModelCard): string {
  const risk = card.risk;
  const body = [
    overview(card),
    dataAndMetrics(card),
    risk ? [checksSection(risk), importanceSection(risk.importance), fairnessSection(risk.fairness), robustnessSection(risk.robustness), calibrationSection(risk.calibration)].join('') : '',
    governance(card),
  ].join('');
  const title = `${card.model.name} v${card.version.version} — model card`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>${header(card)}<main>${body}</main>` +
    `<footer>Generated by Ferry on ${escapeHtml(card.generatedAt.slice(0, 19).replace('T', ' '))} UTC · ${escapeHtml(card.kind)}</footer></body></html>\n`
  );
}
