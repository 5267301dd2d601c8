import { UsageError } from '../../core/errors.js';
import { createMlflowClient } from '../../mlflow/client.js';
import { mirrorOnce } from '../../mlflow/mirror.js';
import { withDatabase } from '../db-session.js';
import { say } from '../output.js';

/**
 * `ferry mlflow sync`: one mirror pass into MLFLOW_TRACKING_URI now (workers mirror on their own every 10 s); prints what
 * it wrote and any alias moved by hand in MLflow. Running it twice writes nothing twice.
 */
export async function mlflowSync(opts: { format?: string }): Promise<void> {
  await withDatabase(async ({ env, database }) => {
    if (!env.MLFLOW_TRACKING_URI) throw new UsageError('ferry mlflow sync: MLFLOW_TRACKING_URI is not set; set it to your MLflow tracking server, e.g. http://127.0.0.1:5000');
    const report = await mirrorOnce(database.db, createMlflowClient({ trackingUri: env.MLFLOW_TRACKING_URI }), { aliasDrift: env.FERRY_MLFLOW_ALIAS_DRIFT });
    if (opts.format === 'json') return say(JSON.stringify(report, null, 2));
    say(`MLflow ${env.MLFLOW_TRACKING_URI}: runs ${report.runs.seen} (${report.runs.created} created, ${report.runs.updated} updated) · versions ${report.versions.seen} (${report.versions.created} created) · aliases ${report.aliases.seen} (${report.aliases.moved} moved, ${report.aliases.restored} restored)`);
    for (const d of report.drift) say(`  drift: ${d.model}@${d.alias} is on MLflow version ${d.mlflowVersion ?? 'none'}, Ferry has v${d.ferryVersion} — moved in MLflow by hand; Ferry's placement is authoritative (FERRY_MLFLOW_ALIAS_DRIFT=restore moves it back)`);
  });
}
