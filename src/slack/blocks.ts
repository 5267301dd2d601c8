import type { types as SlackTypes } from '@slack/bolt';
import { z } from 'zod';

type Block = SlackTypes.KnownBlock;

export const ACTION_APPROVE = 'ferry_approve';
export const ACTION_REJECT = 'ferry_reject';
export const REJECT_MODAL = 'ferry_reject_modal';
const ACTIONS_BLOCK = 'ferry_actions';
const STATUS_BLOCK = 'ferry_status';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** What an approval request message shows; built by whoever posts it (the approval activity). */
export const approvalRequestSchema = z.object({
  workflowId: z.string().min(1),
  env: z.string().min(1),
  pipeline: z.string().min(1),
  model: z.string().min(1),
  version: z.union([z.number(), z.string()]).optional(),
  metrics: z.record(z.string(), z.number()).default({}),
  /** The metrics of the model now serving `env` (absent: nothing in production yet). */
  productionMetrics: z.record(z.string(), z.number()).optional(),
  productionVersion: z.union([z.number(), z.string()]).optional(),
  gates: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string().optional() })).default([]),
  changedParams: z.array(z.object({ name: z.string(), from: scalar.optional(), to: scalar })).default([]),
  required: z.number().int().min(1).default(1),
  groups: z.array(z.string()).default([]),
  triggeredBy: z.string().optional(),
  runUrl: z.string().url().optional(),
  lineageUrl: z.string().url().optional(),
});
export type ApprovalRequest = z.input<typeof approvalRequestSchema>;

/** The value both buttons carry: which run and environment the click decides. */
export const buttonValueSchema = z.object({ workflowId: z.string().min(1), env: z.string().min(1) });
export type ButtonValue = z.infer<typeof buttonValueSchema>;

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, ''));
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const mrkdwn = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text } });

function metricLines(r: z.infer<typeof approvalRequestSchema>): string {
  const names = Object.keys(r.metrics).sort();
  if (names.length === 0) return '_no metrics recorded_';
  return names
    .map((name) => {
      const value = r.metrics[name]!;
      const prod = r.productionMetrics?.[name];
      if (prod === undefined) return `• *${escape(name)}* ${fmt(value)}${r.productionMetrics ? ' (not measured in production)' : ''}`;
      const delta = value - prod;
      return `• *${escape(name)}* ${fmt(value)} vs ${fmt(prod)} in ${escape(r.env)} (${delta >= 0 ? '+' : ''}${fmt(delta)})`;
    })
    .join('\n');
}

/** Slack's date token: shown in the reader's time zone, with the ISO time as the fallback text. */
export function slackDate(iso: string): string {
  return `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

/**
 * The Block Kit message for an approval request: model and version, metrics against the production model, gate
 * results, changed params, links to the Temporal UI run and the lineage, and Approve / Reject buttons.
 */
export function approvalRequestMessage(input: ApprovalRequest): { text: string; blocks: Block[] } {
  const r = approvalRequestSchema.parse(input);
  const title = `${r.model}${r.version !== undefined ? ` v${r.version}` : ''} → ${r.env}`;
  const who = `${r.required} approval${r.required === 1 ? '' : 's'}${r.groups.length ? ` from ${r.groups.join(' or ')}` : ''}`;
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `Approval needed: ${title}`.slice(0, 150) } },
    mrkdwn(`Pipeline *${escape(r.pipeline)}*, run \`${escape(r.workflowId)}\`${r.triggeredBy ? ` triggered by ${escape(r.triggeredBy)}` : ''}. Needs ${escape(who)}.`),
    mrkdwn(`*Metrics*${r.productionMetrics ? ` (vs production${r.productionVersion !== undefined ? ` v${r.productionVersion}` : ''})` : ' (nothing in production yet)'}\n${metricLines(r)}`),
  ];
  if (r.gates.length) blocks.push(mrkdwn(`*Gates*\n${r.gates.map((g) => `${g.passed ? ':white_check_mark:' : ':x:'} ${escape(g.name)}${g.detail ? ` — ${escape(g.detail)}` : ''}`).join('\n')}`));
  if (r.changedParams.length) {
    blocks.push(mrkdwn(`*Changed params*\n${r.changedParams.map((p) => `• \`${escape(p.name)}\`: ${p.from === undefined ? '(new)' : escape(String(p.from))} → ${escape(String(p.to))}`).join('\n')}`));
  }
  const links = [r.runUrl && `<${r.runUrl}|Run in the Temporal UI>`, r.lineageUrl && `<${r.lineageUrl}|Lineage>`].filter(Boolean);
  if (links.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: links.join('  ·  ') }] });
  const value = JSON.stringify({ workflowId: r.workflowId, env: r.env } satisfies ButtonValue);
  blocks.push({
    type: 'actions',
    block_id: ACTIONS_BLOCK,
    elements: [
      { type: 'button', action_id: ACTION_APPROVE, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
      { type: 'button', action_id: ACTION_REJECT, style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
    ],
  });
  return { text: `Approval needed: ${title} (${r.pipeline}, run ${r.workflowId})`, blocks };
}

/**
 * The same message with a status line (replacing any earlier one); once decided, the buttons go so nobody clicks a
 * finished approval.
 */
export function withStatus(blocks: readonly Block[], status: string, options: { decided: boolean }): Block[] {
  const kept = blocks.filter((b) => b.block_id !== STATUS_BLOCK && !(options.decided && b.block_id === ACTIONS_BLOCK));
  return [...kept, { type: 'context', block_id: STATUS_BLOCK, elements: [{ type: 'mrkdwn', text: status }] }];
}

/** The modal Reject opens: the reason is required and becomes part of the audited decision. */
export function rejectModal(meta: ButtonValue & { channel: string; ts: string }): SlackTypes.View {
  return {
    type: 'modal',
    callback_id: REJECT_MODAL,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: 'Reject' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      mrkdwn(`Reject the ${escape(meta.env)} deployment of run \`${escape(meta.workflowId)}\`?`),
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, min_length: 3, max_length: 2000 },
      },
    ],
  };
}
