/**
 * A strict subset of mermaid's flowchart grammar — the subset lineageMermaid promises to emit. No mermaid parser is
 * installed here, so the test checks every line against the forms mermaid documents for `graph LR`: a header, node
 * declarations `id["label"]` and edges `a -->|label| b`, with alphanumeric ids and labels free of `"`, `#`, `<`, `>`,
 * backticks and pipes (the characters mermaid interprets inside labels).
 */
export function mermaidProblems(text: string): string[] {
  const lines = text.trimEnd().split('\n');
  const problems: string[] = [];
  if (lines[0] !== 'graph LR') problems.push(`line 1: expected "graph LR", got "${lines[0]}"`);
  const declared = new Set<string>();
  const edges: [number, string, string][] = [];
  lines.slice(1).forEach((line, i) => {
    const node = /^ {2}([A-Za-z][A-Za-z0-9]*)\["([^"#<>`|]*)"\]$/.exec(line);
    const edge = /^ {2}([A-Za-z][A-Za-z0-9]*) -->\|([A-Za-z ]+)\| ([A-Za-z][A-Za-z0-9]*)$/.exec(line);
    if (node) {
      if (declared.has(node[1]!)) problems.push(`line ${i + 2}: node ${node[1]} declared twice`);
      declared.add(node[1]!);
    } else if (edge) edges.push([i + 2, edge[1]!, edge[3]!]);
    else problems.push(`line ${i + 2}: not a node or edge: ${line}`);
  });
  for (const [line, from, to] of edges) {
    for (const id of [from, to]) if (!declared.has(id)) problems.push(`line ${line}: edge uses undeclared node ${id}`);
  }
  return problems;
}
