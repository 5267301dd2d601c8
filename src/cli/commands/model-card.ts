import { writeFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { modelCardFor } from '../../modelcard/from-registry.js';
import { renderModelCard } from '../../modelcard/index.js';
import { parseModelRef } from '../../registry/index.js';
import { withDatabase } from '../db-session.js';
import { say } from '../output.js';

const FORMATS = ['md', 'html', 'json'] as const;

/** `ferry model card <name>@<version> --format md|html|json [--out file]`: the model card, from the registry and lineage. */
export async function modelCard(refText: string | undefined, opts: { format: string; out?: string }): Promise<void> {
  if (!refText) throw new UsageError('ferry model card: give a model version, e.g. ferry model card penguins@2 --format html');
  const format = opts.format === 'text' ? 'md' : opts.format;
  if (!FORMATS.includes(format as (typeof FORMATS)[number])) throw new UsageError(`--format ${opts.format}: expected md, html or json for a model card`);
  const ref = parseModelRef(refText, 'model card');
  await withDatabase(async ({ database: { db } }) => {
    const { card, model, version } = await modelCardFor(db, ref.model, ref.ref);
    const text = renderModelCard(card, format as (typeof FORMATS)[number]);
    if (opts.out) {
      writeFileSync(opts.out, text);
      say(`Wrote the model card of ${model}@${version} to ${opts.out}`);
    } else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  });
}
