import { loadPipelineFile } from '../../dsl/load.js';
import { FerryError } from '../../core/errors.js';
import { identify } from '../../auth/identify.js';
import { requireRole } from '../../auth/roles.js';
import { applyParams, startRun } from '../../runs/start.js';
import { startSigner } from '../../runs/start-attestation.js';
import { assertServable, checkSubmission } from '../../runs/submit.js';
import { loadConfig } from '../../dsl/load-config.js';
import { watchRun } from '../../runs/watch.js';
import { printJson, say, workflowUrl } from '../output.js';
import { openSession } from '../session.js';

/** `ferry run <file>`: validates before anything starts (exit 2 on a bad definition), then starts the run. */
export async function run(file: string, opts: { ref?: string; param: string[]; wait?: boolean; format: string }): Promise<void> {
  const loaded = applyParams(await loadPipelineFile(file), opts.param);
  // A deploy that can never succeed is refused before anything starts (and before a stack is needed).
  assertServable(loaded, await loadConfig());
  const session = await openSession();
  try {
    const user = await identify(session.database.db, session.env.FERRY_TOKEN);
    requireRole(user, 'engineer', 'start runs');
    await checkSubmission(session.database.db, loaded, user.name);
    const handle = await startRun(session.client, loaded, {
      taskQueue: session.env.FERRY_TASK_QUEUE,
      trigger: 'cli',
      triggeredBy: user.name,
      ref: opts.ref,
      signer: await startSigner(session.database.db, user, session.env.FERRY_HOME),
    });
    const url = workflowUrl(session.endpoints.uiUrl, session.endpoints.namespace, handle.workflowId);
    if (opts.format === 'json' && !opts.wait) printJson({ workflowId: handle.workflowId, url });
    else {
      say(`Started run ${handle.workflowId} of ${loaded.spec.name} (spec ${loaded.specHash.slice(0, 12)})`);
      if (url) say(`  Temporal UI: ${url}`);
    }
    if (!opts.wait) {
      if (opts.format !== 'json') say(`Follow it with: npx ferry status ${handle.workflowId}`);
      return;
    }
    const status = await watchRun(handle, say);
    if (opts.format === 'json') printJson({ ...status, url });
    if (status.state !== 'succeeded') throw new FerryError(`run ${handle.workflowId} ${status.state}: ${status.error ?? 'see the Temporal UI'}`);
    say(`Run ${handle.workflowId} succeeded.`);
  } finally {
    await session.close();
  }
}
