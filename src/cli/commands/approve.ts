import { decide } from '../../approvals.js';
import { ensureKey } from '../../auth/signing-keys.js';
import { FerryError, UsageError } from '../../core/errors.js';
import { printJson, say } from '../output.js';
import { openAuthenticatedSession } from '../auth-session.js';

/** `ferry approve <run>` / `ferry reject <run> --reason`: a signed decision through the workflow's validated Update. */
export async function decideCommand(decision: 'approve' | 'reject', run: string, opts: { env?: string; comment?: string; reason?: string; format?: string }): Promise<void> {
  const comment = decision === 'reject' ? opts.reason : opts.comment;
  if (decision === 'reject' && !comment?.trim()) throw new UsageError('ferry reject: --reason is required; say why, it goes into the audit log');
  const session = await openAuthenticatedSession('viewer');
  try {
    const outcome = await decide(
      { client: session.client, db: session.database.db, signer: await ensureKey(session.database.db, session.user.name, 'user', { ferryHome: session.env.FERRY_HOME }) },
      { workflowId: run, env: opts.env, decision, user: session.user, comment, via: 'cli' },
    );
    if (opts.format === 'json') printJson(outcome);
    if (!outcome.ok) throw new FerryError(`refused: ${outcome.refusal}`);
    if (opts.format !== 'json') say(`${decision === 'approve' ? 'Approved' : 'Rejected'} ${run} for ${outcome.result.env} as ${session.user.name}: ${outcome.result.outcome} (${outcome.result.progress})`);
  } finally {
    await session.close();
  }
}

export const approve = (run: string, opts: { env?: string; comment?: string; format?: string }) => decideCommand('approve', run, opts);
export const reject = (run: string, opts: { env?: string; reason?: string; format?: string }) => decideCommand('reject', run, opts);
