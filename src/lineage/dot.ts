import { lineageGraph } from './graph.js';
import type { Lineage } from './query.js';

const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

const SHAPES: Record<string, string> = { commit: 'note', dataset: 'cylinder', params: 'note', run: 'box', artifact: 'folder', 'model-version': 'component' };

/** The lineage as a Graphviz digraph (`dot -Tsvg`). */
export function lineageDot(lineage: Lineage): string {
  const graph = lineageGraph(lineage);
  const lines = ['digraph lineage {', '  rankdir=LR;', '  node [fontname="Helvetica", shape=ellipse];'];
  for (const n of graph.nodes) lines.push(`  ${n.id} [label=${quote(n.label.replaceAll(' · ', '\n'))}, shape=${SHAPES[n.kind] ?? 'ellipse'}];`);
  for (const e of graph.edges) lines.push(`  ${e.from} -> ${e.to} [label=${quote(e.label)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
