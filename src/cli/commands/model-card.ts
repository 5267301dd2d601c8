import { writeFileSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { modelCardFor } from '../../modelcard/from-registry.js';
import { renderModelCard } from '../../modelcard/index.js';
import { parseModelRef } from '../../registry/index.js';
import { withDatabase } from '../db-session.js';
import { expectFormat, say } from '../output.js';

const FORMATS = ['md', 'html', 'json'] as const;

/** `ferry card <name>@<version> --format md|html|json [--out file]`: the model card, from the registry and lineage. */
export async function modelCard(refText: string | undefined, opts: { format: string; out?: string }): Promise<void> {
  if (!refText) throw new UsageError('ferry card: give a model version, e.g. ferry card penguins@2 --format html');
  // `text`: the default of the older `ferry model card` form, whose --format is shared with `ferry model`.
  const format = expectFormat(opts.format === 'text' ? 'md' : opts.format, FORMATS, ' for a model card');
  const ref = parseModelRef(refText, 'model card');
  await withDatabase(async ({ database: { db } }) => {
    const { card, model, version } = await modelCardFor(db, ref.model, ref.ref);
    const text = renderModelCard(card, format);
    if (opts.out) {
      writeFileSync(opts.out, text);
      say(`Wrote the model card of ${model}@${version} to ${opts.out}`);
    } else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  });
}
