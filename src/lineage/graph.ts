import type { Lineage } from './query.js';

/** A renderer-neutral picture of one version's lineage: labelled nodes, labelled edges, rendered by mermaid.ts and dot.ts. */
export interface LineageGraph {
  nodes: { id: string; kind: string; label: string }[];
  edges: { from: string; to: string; label: string }[];
}

const short = (sha: string) => sha.slice(0, 12);

function compact(value: unknown): string {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  }
  return JSON.stringify(value) ?? '';
}

/** Builds the graph; node ids are short alphanumeric (`n0`, `n1`, …) so every renderer accepts them. */
export function lineageGraph(lineage: Lineage): LineageGraph {
  const graph: LineageGraph = { nodes: [], edges: [] };
  const node = (kind: string, label: string) => {
    const id = `n${graph.nodes.length}`;
    graph.nodes.push({ id, kind, label });
    return id;
  };
  const edge = (from: string, to: string, label: string) => graph.edges.push({ from, to, label });
  const { upstream, evaluation } = lineage;

  const run = node('run', `run ${upstream.run} · pipeline ${upstream.pipeline}`);
  edge(node('commit', `commit ${short(upstream.commit)}${upstream.repo ? ` · ${upstream.repo}` : ''}`), run, 'checked out');
  for (const d of upstream.datasets) edge(node('dataset', `dataset ${d.name} · sha256 ${short(d.sha256)}`), run, 'used');
  edge(node('params', `params ${compact(upstream.params) || 'none'} · seed ${upstream.seed}`), run, 'configured');
  for (const parent of upstream.parentRuns) edge(node('run', `run ${parent}`), run, 'triggered');
  const artifact = node('artifact', `artifact sha256 ${short(lineage.artifact.sha256)}`);
  edge(run, artifact, 'produced');
  const passed = evaluation.gates.filter((g) => (g as { passed?: boolean }).passed === true).length;
  const version = node(
    'model-version',
    `${lineage.model}@${lineage.version} · ${lineage.status} · ${compact(evaluation.metrics)} · gates ${passed}/${evaluation.gates.length} passed`,
  );
  edge(artifact, version, 'packaged as');
  edge(run, version, 'registered');
  for (const a of lineage.approvals) edge(node('approval', `${a.env} ${a.decision} by ${a.approver}`), version, 'decided');
  for (const d of lineage.downstream.deployments) edge(version, node('deployment', `deployment ${d.env} · ${d.status} · ${d.trafficPercent}%`), 'deployed as');
  for (const alias of lineage.downstream.aliases) edge(version, node('alias', `alias ${alias}`), 'aliased');
  return graph;
}
