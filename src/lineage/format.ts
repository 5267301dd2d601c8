import { lineageDot } from './dot.js';
import { lineageMermaid } from './mermaid.js';
import type { Lineage } from './query.js';
import { lineageText } from './text.js';

export const LINEAGE_FORMATS = ['text', 'json', 'mermaid', 'dot'] as const;
export type LineageFormat = (typeof LINEAGE_FORMATS)[number];

const formatters: Record<LineageFormat, (lineage: Lineage) => string> = {
  text: lineageText,
  json: (lineage) => `${JSON.stringify(lineage, null, 2)}\n`,
  mermaid: lineageMermaid,
  dot: lineageDot,
};

/** Renders a lineage in one of `LINEAGE_FORMATS`. */
export function formatLineage(lineage: Lineage, format: LineageFormat): string {
  return formatters[format](lineage);
}
