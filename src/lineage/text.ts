import type { Lineage } from './query.js';

const time = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 19);
const json = (v: unknown) => JSON.stringify(v);

/** The lineage as indented text for a terminal. */
export function lineageText(l: Lineage): string {
  const u = l.upstream;
  const out: string[] = [`${l.model}@${l.version}  status ${l.status}  registered ${time(l.registeredAt)}`, '', 'upstream'];
  out.push(`  commit      ${u.commit}${u.repo ? `  (${u.repo})` : ''}`);
  out.push(`  run         ${u.run}  pipeline ${u.pipeline}  spec ${u.specHash.slice(0, 12)}${u.trigger ? `  trigger ${u.trigger}${u.triggeredBy ? ` by ${u.triggeredBy}` : ''}` : ''}`);
  for (const p of u.parentRuns) out.push(`  parent run  ${p}`);
  if (u.datasets.length === 0) out.push('  datasets    none recorded');
  for (const d of u.datasets) out.push(`  dataset     ${d.name}  sha256 ${d.sha256}  ${d.uri}${d.rows === null ? '' : `  ${d.rows} rows`}`);
  out.push(`  params      ${json(u.params)}`, `  seed        ${u.seed}`);
  out.push(`  artifact    sha256 ${l.artifact.sha256}  ${l.artifact.uri}`, '', 'evaluation');
  out.push(`  metrics     ${Object.entries(l.evaluation.metrics).map(([k, v]) => `${k}=${v}`).join('  ') || 'none'}`);
  for (const g of l.evaluation.gates as { gate?: string; passed?: boolean; message?: string }[]) {
    out.push(`  gate        ${g.passed ? 'pass' : 'FAIL'}  ${g.gate ?? ''}: ${g.message ?? ''}`);
  }
  out.push('', 'approvals');
  if (l.approvals.length === 0) out.push('  none');
  for (const a of l.approvals) out.push(`  ${a.env.padEnd(11)} ${a.decision} by ${a.approver} via ${a.via} at ${time(a.at)}${a.comment ? `: ${a.comment}` : ''}${a.reason ? ` (${a.reason})` : ''}`);
  out.push('', 'downstream');
  out.push(`  aliases     ${l.downstream.aliases.join(', ') || 'none'}`);
  for (const m of l.downstream.aliasMoves) out.push(`  alias move  ${m.alias} ${m.fromVersion ?? '-'} → ${m.toVersion} by ${m.actor} at ${time(m.at)}: ${m.reason}`);
  if (l.downstream.deployments.length === 0) out.push('  deployments none');
  for (const d of l.downstream.deployments) out.push(`  deployment  ${d.env} ${d.status} ${d.trafficPercent}% via ${d.target} (${d.strategy}) at ${time(d.at)}`);
  return `${out.join('\n')}\n`;
}
