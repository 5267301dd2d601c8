import { FerryError, UsageError } from '../../core/errors.js';
import { lineageOf } from '../../lineage/index.js';
import { parseModelRef, requireVersion } from '../../registry/index.js';
import { withDatabase } from '../db-session.js';
import { expectFormat, printJson, printTable } from '../output.js';

const time = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 19);

function section(title: string, rows: Record<string, unknown>[], columns: string[]): void {
  process.stdout.write(`\n${title}\n`);
  if (rows.length === 0) process.stdout.write('  none\n');
  else printTable(rows, columns);
}

/**
 * `ferry model <ref>`, and its older form `ferry model card <ref>` for what `ferry card <ref>` does now. A model
 * reference always has an `@`, so the bare word `card` never names a version: `ferry model card@2` is version 2 of a
 * model named card, `ferry model card card@2` its model card.
 */
export async function modelOrCard(ref: string, cardRef: string | undefined, opts: { format: string; out?: string }): Promise<void> {
  if (ref === 'card') return (await import('./model-card.js')).modelCard(cardRef, opts);
  if (cardRef !== undefined) throw new UsageError(`ferry model ${ref} ${cardRef}: one version at a time; a model card is 'ferry card ${cardRef}'`);
  if (opts.out) throw new UsageError(`--out: ferry model prints to stdout; write a model card to a file with 'ferry card ${ref} --out <file>'`);
  return model(ref, { format: expectFormat(opts.format, ['text', 'json'], opts.format === 'md' || opts.format === 'html' ? ` (a model card: ferry card ${ref} --format ${opts.format})` : '') });
}

/** `ferry model <name>@<version|alias>`: the model card — metrics, gates, lineage summary, approvals, deployments. */
export async function model(refText: string, opts: { format: string }): Promise<void> {
  const ref = parseModelRef(refText, 'model');
  await withDatabase(async ({ database: { db } }) => {
    const row = await requireVersion(db, ref.model, ref.ref);
    const l = await lineageOf(db, row.model, row.version);
    if (!l) throw new FerryError(`${row.model}@${row.version}: removed while reading it; run the command again`);
    if (opts.format === 'json') return printJson({ ...l, modelCard: row.modelCard, referenceSha256: row.referenceSha256 });
    const out = process.stdout;
    out.write(`${l.model}@${l.version}  ${l.status}${l.downstream.aliases.length ? `  (${l.downstream.aliases.join(', ')})` : ''}  registered ${time(l.registeredAt)}\n`);
    const card = row.modelCard as { description?: string } | null;
    if (card?.description) out.write(`${card.description}\n`);
    out.write(`\nartifact  sha256 ${l.artifact.sha256}  ${l.artifact.uri}\n`);
    out.write(`lineage   pipeline ${l.upstream.pipeline}  run ${l.upstream.run}  commit ${l.upstream.commit.slice(0, 12)}  seed ${l.upstream.seed}  params ${JSON.stringify(l.upstream.params)}\n`);
    for (const d of l.upstream.datasets) out.write(`          dataset ${d.name} sha256 ${d.sha256.slice(0, 12)}\n`);
    const gates = l.evaluation.gates as { gate?: string; passed?: boolean; message?: string }[];
    section('metrics', Object.entries(l.evaluation.metrics).map(([metric, value]) => ({ metric, value })), ['metric', 'value']);
    section('gates', gates.map((g) => ({ gate: g.gate, result: g.passed ? 'pass' : 'FAIL', detail: g.message })), ['gate', 'result', 'detail']);
    section('approvals', l.approvals, ['env', 'decision', 'approver', 'via', 'at', 'comment', 'reason']);
    section('deployments', l.downstream.deployments.map((d) => ({ ...d, traffic: `${d.trafficPercent}%` })), ['env', 'status', 'traffic', 'target', 'strategy', 'at']);
  });
}
