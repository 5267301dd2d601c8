/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A number for people: at most `digits` decimals, no trailing zeros; "–" for null. */
export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  return String(Number(x.toFixed(digits)));
}

/** A share as a percentage with one decimal. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`;
}

/** The first 12 characters of a hash, enough to recognise it. */
export const short = (hash: string): string => hash.slice(0, 12);

/** Escapes a Markdown table cell. */
export function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A Markdown table. */
export function mdTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  return [line(head), `| ${head.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** An HTML table; cells are escaped unless given as `{ html }`. */
export function htmlTable(head: string[], rows: (string | { html: string })[][], className = ''): string {
  const cell = (c: string | { html: string }, tag: string) => `<${tag}>${typeof c === 'string' ? escapeHtml(c) : c.html}</${tag}>`;
  return (
    `<table${className ? ` class="${className}"` : ''}><thead><tr>${head.map((h) => cell(h, 'th')).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`).join('')}</tbody></table>`
  );
}

/** A two-column key/value table without a header row. */
export function htmlKeyValue(rows: [string, string | { html: string }][]): string {
  const value = (c: string | { html: string }) => (typeof c === 'string' ? escapeHtml(c) : c.html);
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${value(v)}</td></tr>`).join('')}</tbody></table>`;
}
