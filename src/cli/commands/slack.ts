import { decide } from '../../approvals.js';
import type { Signer } from '../../auth/attest.js';
import { ensureKey } from '../../auth/signing-keys.js';
import type { Db } from '../../db/client.js';
import { UsageError } from '../../core/errors.js';
import { watchProcessHealth } from '../../health/index.js';
import { slackAppFromEnv } from '../../slack/from-env.js';
import type { ApprovalPort } from '../../slack/port.js';
import { say } from '../output.js';
import { openSession, type Session } from '../session.js';

/** The Slack app's own Ed25519 key (a service key in its config directory), registered in Postgres. */
export function slackSigner(db: Db, ferryHome?: string): Promise<Signer> {
  return ensureKey(db, 'slack', 'service', { service: true, ferryHome, by: 'slack' });
}

/**
 * The port behind Slack clicks: the same `decide` Update as `ferry approve|reject` (src/approvals.ts), with
 * `via: 'slack'`, signed with the Slack app's service key stating the Slack member whose click Slack's signature
 * vouched for. A rejection's reason travels as the decision's comment.
 */
export function workflowApprovalPort(session: Pick<Session, 'client' | 'database'>, signer: Signer): ApprovalPort {
  return {
    async decide(request) {
      const outcome = await decide(
        { client: session.client, db: session.database.db, signer },
        { workflowId: request.workflowId, env: request.env, decision: request.decision, user: request.approver, comment: request.reason ?? request.comment, via: 'slack', slackUserId: request.slackUserId },
      );
      return outcome.ok ? { ok: true, outcome: outcome.result.outcome, progress: outcome.result.progress } : { ok: false, refusal: outcome.refusal };
    },
  };
}

/** `ferry slack`: runs the Slack approval app alone, until interrupted. */
export async function slack(opts: { port: string }): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${opts.port}: expected a port number (0-65535)`);
  const session = await openSession();
  const unwatch = watchProcessHealth({ home: session.env.FERRY_HOME, role: 'ferry slack' });
  try {
    const approvals = workflowApprovalPort(session, await slackSigner(session.database.db, session.env.FERRY_HOME));
    const app = slackAppFromEnv(session.env, { db: session.database.db, approvals, port });
    if (!app) throw new UsageError('Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)');
    const { url } = await app.start();
    say(app.mode === 'socket' ? 'Slack app connected over Socket Mode.' : `Slack app listening: point the app's Interactivity Request URL at ${url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await app.stop();
  } finally {
    unwatch();
    await session.close();
  }
}
