import { eq } from 'drizzle-orm';
import type { ApprovalNotice } from '../../activities/approvals.js';
import type { Db } from '../db/client.js';
import { runs } from '../db/schema/index.js';
import { getVersion } from '../registry/index.js';
import { postApprovalRequest, postThreadReply } from './app.js';
import { callSlack, createSlackClient } from './client.js';

export interface SlackNotifierOptions {
  db: Db;
  botToken: string;
  channel: string;
  apiUrl?: string;
  /** Temporal UI base URL, for the run link. */
  uiUrl?: string;
  namespace?: string;
}

/**
 * Approval notices as Slack messages: a request posts the Block Kit message with Approve and Reject buttons (model,
 * version, metrics against production, gates, changed params); reminders, escalations and expiry go to its thread.
 */
export function createSlackNotifier(options: SlackNotifierOptions): (notice: ApprovalNotice) => Promise<void> {
  const client = createSlackClient({ botToken: options.botToken, apiUrl: options.apiUrl });
  // The request message of each run and environment; a retried notice posts once.
  const threads = new Map<string, { channel: string; ts: string }>();
  return async (notice) => {
    const key = `${notice.workflowId}:${notice.env}`;
    const thread = threads.get(key);
    if (notice.kind !== 'requested') {
      const to = notice.to?.length ? ` cc ${notice.to.map((n) => `@${n}`).join(' ')}` : '';
      const text = { reminder: 'Reminder: still waiting for a decision.', escalation: `Escalation: no decision yet.${to}`, expired: 'Expired without a decision: the run is rejected.', decided: notice.text }[notice.kind];
      if (thread) await postThreadReply(client, thread.channel, thread.ts, text);
      else await callSlack(() => client.chat.postMessage({ channel: options.channel, text: `${notice.model} v${notice.version} for ${notice.env}: ${text}` }));
      return;
    }
    if (thread) return;
    const version = notice.version === undefined ? undefined : await getVersion(options.db, notice.model, notice.version);
    const production = await getVersion(options.db, notice.model, 'production');
    const [run] = await options.db.select({ pipeline: runs.pipeline, triggeredBy: runs.triggeredBy }).from(runs).where(eq(runs.workflowId, notice.workflowId));
    const params = (version?.params ?? {}) as Record<string, string | number | boolean>;
    const before = (production?.params ?? {}) as Record<string, string | number | boolean>;
    const posted = await postApprovalRequest(client, options.channel, {
      workflowId: notice.workflowId,
      env: notice.env,
      pipeline: run?.pipeline ?? version?.pipeline ?? notice.model,
      model: notice.model,
      version: notice.version,
      metrics: version?.metrics ?? {},
      productionMetrics: production?.metrics,
      productionVersion: production?.version,
      gates: ((version?.gates ?? []) as { gate: string; passed: boolean; message?: string }[]).map((g) => ({ name: g.gate, passed: g.passed, detail: g.message })),
      changedParams: Object.entries(params)
        .filter(([name, value]) => production && before[name] !== value)
        .map(([name, to]) => ({ name, from: before[name], to })),
      triggeredBy: run?.triggeredBy ?? undefined,
      runUrl: options.uiUrl ? `${options.uiUrl}/namespaces/${options.namespace ?? 'default'}/workflows/${notice.workflowId}` : undefined,
    });
    threads.set(key, posted);
  };
}
