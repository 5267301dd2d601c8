import { FerryError } from '../../core/errors.js';
import { formatLineage, lineageOf, type LineageFormat } from '../../lineage/index.js';
import { parseModelRef, requireVersion } from '../../registry/index.js';
import { withDatabase } from '../db-session.js';

/** `ferry lineage <name>@<version|alias>`: upstream (commit, datasets, params, seed, runs) and downstream (deployments). */
export async function lineage(refText: string, opts: { format: LineageFormat }): Promise<void> {
  const ref = parseModelRef(refText, 'lineage');
  await withDatabase(async ({ database: { db } }) => {
    const { version } = await requireVersion(db, ref.model, ref.ref);
    const result = await lineageOf(db, ref.model, version);
    if (!result) throw new FerryError(`${ref.model}@${version}: removed while reading its lineage; run the command again`);
    process.stdout.write(formatLineage(result, opts.format));
  });
}
