import { startSigner } from '../../runs/start-attestation.js';
import { identify } from '../../auth/identify.js';
import { requireRole } from '../../auth/roles.js';
import { parseModelRef } from '../../registry/index.js';
import { reproduce as reproduceVersion } from '../../runs/reproduce.js';
import { printJson, printTable, say } from '../output.js';
import { openSession } from '../session.js';

/** `ferry reproduce <name>@<version>`: re-runs what produced a version and compares the artifact and metrics. */
export async function reproduce(refText: string, opts: { format: string }): Promise<void> {
  const ref = parseModelRef(refText, 'reproduce');
  const session = await openSession();
  try {
    const user = await identify(session.database.db, session.env.FERRY_TOKEN);
    requireRole(user, 'engineer', 'reproduce models');
    say(`Reproducing ${refText}: the recorded spec at its commit, params and seed…`);
    const result = await reproduceVersion({ client: session.client, db: session.database.db, taskQueue: session.env.FERRY_TASK_QUEUE, actor: user.name, signer: await startSigner(session.database.db, user, session.env.FERRY_HOME) }, ref.model, ref.ref);
    if (opts.format === 'json') return printJson(result);
    process.stdout.write(
      result.identical
        ? `${result.model}@${result.version} reproduced: identical artifact sha256 ${result.registeredSha256} (run ${result.workflowId}, commit ${result.commit.slice(0, 12)})\n`
        : `${result.model}@${result.version} reproduced with a different artifact: registered ${result.registeredSha256.slice(0, 16)}, now ${result.reproducedSha256?.slice(0, 16) ?? 'none'} (run ${result.workflowId})\n`,
    );
    printTable(
      Object.entries(result.metrics).map(([metric, [registered, now, diff]]) => ({ metric, registered, reproduced: now, difference: diff })),
      ['metric', 'registered', 'reproduced', 'difference'],
    );
    if (result.environment.length === 0) say('environment: the same as when it was trained');
    else {
      say(`environment: ${result.environment.length} difference(s) since it was trained`);
      printTable(result.environment.map((c) => ({ key: c.key, registered: c.registered ?? '-', reproduced: c.reproduced ?? '-' })), ['key', 'registered', 'reproduced']);
    }
  } finally {
    await session.close();
  }
}
