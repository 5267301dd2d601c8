import { UsageError } from '../core/errors.js';
import { renderModelCardHtml } from './render-html.js';
import { renderModelCardMarkdown } from './render-md.js';
import { modelCardSchema, type ModelCard, type ModelCardFormat } from './schema.js';
import { firstIssue } from '../dsl/issues.js';

const renderers: Record<ModelCardFormat, (card: ModelCard) => string> = {
  md: renderModelCardMarkdown,
  html: renderModelCardHtml,
  json: (card) => `${JSON.stringify(card, null, 2)}\n`,
};

/**
 * Renders a model card as Markdown, a self-contained HTML page (inline SVG charts, no scripts) or JSON.
 * The card is validated first, so a card read back from the registry's `model_card` column is checked too.
 * @example process.stdout.write(renderModelCard(card, 'html'));
 */
export function renderModelCard(card: ModelCard | unknown, format: ModelCardFormat): string {
  const render = renderers[format];
  if (!render) throw new UsageError(`--format: unknown model card format "${String(format)}"; use md, html or json`);
  const parsed = modelCardSchema.safeParse(card);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, card);
    throw new UsageError(`model card: ${issue.path || 'card'}: ${issue.message}`);
  }
  return render(parsed.data);
}
