import type { types as SlackTypes, webApi } from '@slack/bolt';
import { appendAudit, type Executor } from '../audit/index.js';
import { userBySlackId } from '../auth/authenticate.js';
import { log } from '../log.js';
import { slackDate, withStatus } from './blocks.js';
import { callSlack } from './client.js';
import type { ApprovalPort, ApprovalPortResult } from './port.js';

export interface DecideDeps {
  db: Executor;
  approvals: ApprovalPort;
  client: webApi.WebClient;
  now?: () => Date;
}

export interface ClickedDecision {
  workflowId: string;
  env: string;
  decision: 'approve' | 'reject';
  slackUserId: string;
  channel: string;
  ts: string;
  /** The message's blocks as Slack sent them with the click (updated in place). */
  blocks: SlackTypes.KnownBlock[];
  comment?: string;
  reason?: string;
}

async function execute(deps: DecideDeps, d: ClickedDecision): Promise<ApprovalPortResult & { who?: string }> {
  const user = await userBySlackId(deps.db, d.slackUserId);
  if (!user) {
    const refusal = `your Slack account (${d.slackUserId}) is not linked to a Ferry user; ask an admin to run 'ferry users add <name> --slack-id ${d.slackUserId}'`;
    // The port never sees this attempt, so the entry point audits it here.
    await appendAudit(deps.db, {
      actor: `slack:${d.slackUserId}`,
      action: 'approval.refused',
      subjectKind: 'run',
      subjectId: d.workflowId,
      workflowId: d.workflowId,
      reason: refusal,
      details: { env: d.env, decision: d.decision, via: 'slack' },
    });
    return { ok: false, refusal };
  }
  const who = user.displayName ? `${user.name} (${user.displayName})` : user.name;
  try {
    const result = await deps.approvals.decide({
      workflowId: d.workflowId,
      env: d.env,
      decision: d.decision,
      slackUserId: d.slackUserId,
      approver: user,
      comment: d.comment,
      reason: d.reason,
    });
    return { ...result, who };
  } catch (err) {
    log.error({ err, workflowId: d.workflowId }, 'slack: the approval port failed');
    return { ok: false, refusal: `Ferry could not record the decision (${(err as Error).message}); try again or use 'ferry ${d.decision} ${d.workflowId}'`, who };
  }
}

/**
 * One click, end to end: map the Slack member to a Ferry user, hand the decision to the port, then update the
 * message in place with the outcome (who, when), or show the refusal in the message and privately to the clicker.
 */
export async function decideFromSlack(deps: DecideDeps, d: ClickedDecision): Promise<ApprovalPortResult> {
  const result = await execute(deps, d);
  const at = result.ok && result.at ? result.at : (deps.now?.() ?? new Date()).toISOString();
  const verb = d.decision === 'approve' ? 'Approve' : 'Reject';
  if (result.ok) {
    const by = `by ${result.who} ${slackDate(at)}`;
    const status =
      result.outcome === 'approved'
        ? `:white_check_mark: *Approved* ${by}${d.comment ? `: ${d.comment}` : ''}`
        : result.outcome === 'rejected'
          ? `:x: *Rejected* ${by}${d.reason ? `: ${d.reason}` : ''}`
          : `:hourglass_flowing_sand: ${verb}d ${by}; ${result.progress ?? 'waiting for more approvals'}`;
    await callSlack(() => deps.client.chat.update({ channel: d.channel, ts: d.ts, text: status, blocks: withStatus(d.blocks, status, { decided: result.outcome !== 'pending' }) }));
    return result;
  }
  const status = `:no_entry: ${verb} by ${result.who ?? `<@${d.slackUserId}>`} refused ${slackDate(at)}: ${result.refusal}`;
  await callSlack(() => deps.client.chat.update({ channel: d.channel, ts: d.ts, text: status, blocks: withStatus(d.blocks, status, { decided: false }) }));
  await callSlack(() => deps.client.chat.postEphemeral({ channel: d.channel, user: d.slackUserId, thread_ts: d.ts, text: `Your ${d.decision} was refused: ${result.refusal}` }));
  return { ok: false, refusal: result.refusal };
}
