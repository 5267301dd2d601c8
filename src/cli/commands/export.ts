import { appendAudit } from '../../audit/index.js';
import { registeredArtifact } from '../../artifacts/registered.js';
import { openArtifactStore } from '../../artifacts/open.js';
import { UsageError } from '../../core/errors.js';
import { identify } from '../../auth/identify.js';
import { requireRole } from '../../auth/roles.js';
import { EXPORT_FORMATS, exportVersion } from '../../mlflow/export.js';
import { ensureMlserverVenv } from '../../mlserver/server.js';
import { parseModelRef, requireVersion } from '../../registry/index.js';
import { withDatabase } from '../db-session.js';
import { expectFormat, printJson, say } from '../output.js';

/**
 * `ferry export <name>@<version|alias> --format mlflow --out <dir>`: a registered version as an MLflow model directory
 * (src/mlflow/export.ts), or as it is with `--format raw`. The artifact is checked against its registered sha256 on the
 * way out, and the export is audited (`model.exported`): who took which version where.
 */
export async function exportCommand(refText: string, opts: { format: string; out?: string; json?: boolean }): Promise<void> {
  const format = expectFormat(opts.format, EXPORT_FORMATS);
  const ref = parseModelRef(refText, 'export');
  if (!opts.out) throw new UsageError(`ferry export ${refText}: --out <dir> is required (a new or empty directory)`);
  const out = opts.out;
  await withDatabase(async ({ env, database: { db } }) => {
    const user = await identify(db, env.FERRY_TOKEN);
    requireRole(user, 'engineer', 'export models');
    const row = await requireVersion(db, ref.model, ref.ref);
    const store = openArtifactStore(env);
    const artifact = await registeredArtifact(db, store, row.model, row.version, 'ferry export');
    const source = { model: row.model, version: row.version, sha256: artifact.sha256, runId: row.sourceWorkflowId, commit: row.commit, path: artifact.path };
    const result = await exportVersion(source, format, out, () => ensureMlserverVenv((line) => process.stderr.write(`${line}\n`)));
    await appendAudit(db, { actor: user.name, action: 'model.exported', subjectKind: 'model', subjectId: `${row.model}@${row.version}`, details: { format, flavor: result.flavor, dir: result.dir, sha256: artifact.sha256 } });
    if (opts.json) return printJson({ model: row.model, version: row.version, ...result, sha256: artifact.sha256 });
    say(`${row.model}@${row.version} exported to ${result.dir} (${format === 'mlflow' ? `MLflow model, ${result.flavor === 'mlflow' ? 'as the step wrote it' : `saved with mlflow.${result.flavor}`}; load it with mlflow.pyfunc.load_model("${result.dir}")` : 'the registered artifact as it is'})`);
  });
}
