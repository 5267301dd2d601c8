import { lineageGraph } from './graph.js';
import type { Lineage } from './query.js';

// Conservative on purpose: mermaid gives `"`, `#`, `<`, `>`, backticks and pipes meaning even inside quoted labels.
const label = (text: string) => text.replaceAll(' · ', ', ').replace(/[^\p{L}\p{N} .,:;=@/()+%_'-]/gu, ' ').replace(/ {2,}/g, ' ').trim();
const edgeLabel = (text: string) => text.replace(/[^A-Za-z ]/g, ' ').trim();

/** The lineage as a mermaid flowchart (`graph LR`), e.g. for a README or a pull request. */
export function lineageMermaid(lineage: Lineage): string {
  const graph = lineageGraph(lineage);
  const lines = ['graph LR'];
  for (const n of graph.nodes) lines.push(`  ${n.id}["${label(n.label)}"]`);
  for (const e of graph.edges) lines.push(`  ${e.from} -->|${edgeLabel(e.label)}| ${e.to}`);
  return `${lines.join('\n')}\n`;
}
