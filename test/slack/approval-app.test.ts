import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAudit } from '../../src/audit/index.js';
import { addUser } from '../../src/auth/index.js';
import { approval } from '../../src/dsl/define.js';
import type { ApprovalSpec } from '../../src/core/spec.js';
import { approvalOutcome, describeProgress, evaluateApprovalAttempt, type CountedDecision } from '../../src/core/approval-rules.js';
import { ACTION_APPROVE, ACTION_REJECT, createSlackApp, REJECT_MODAL, type ApprovalPort, type ApprovalPortRequest, type SlackApp } from '../../src/slack/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { sendInteraction, startFakeSlackApi, until, type RecordedCall } from './fake-slack.js';

const SECRET = 'test-signing-secret-0123456789abcdef';
const CHANNEL = 'C0APPROVALS';

/**
 * The approval side as the Slack app sees it: applies the real approval rules to decisions kept in memory and records
 * every call. (The workflow Update behind the real port is tested with the workflow.)
 */
function createRecordingPort(rules: Record<string, ApprovalSpec>, triggeredBy: Record<string, string>) {
  const calls: ApprovalPortRequest[] = [];
  const decisions = new Map<string, CountedDecision[]>();
  const port: ApprovalPort = {
    async decide(request) {
      calls.push(request);
      const rule = rules[request.workflowId]!;
      const counted = decisions.get(request.workflowId) ?? [];
      const verdict = evaluateApprovalAttempt({ rule, approver: request.approver, runTrigger: triggeredBy[request.workflowId], decisions: counted, decision: request.decision, env: request.env });
      if (!verdict.accepted) return { ok: false, refusal: verdict.reason };
      counted.push({ approver: request.approver.name, decision: request.decision });
      decisions.set(request.workflowId, counted);
      return { ok: true, outcome: approvalOutcome(rule, counted), progress: describeProgress(rule, counted), at: '2025-06-01T12:00:00.000Z' };
    },
  };
  return { port, calls };
}

describe.each(backends())('the Slack approval app over HTTP ($name)', (backend) => {
  let database: TestDatabase;
  let api: Awaited<ReturnType<typeof startFakeSlackApi>>;
  let slack: SlackApp;
  let url: string;
  const rules: Record<string, ApprovalSpec> = {};
  const triggeredBy: Record<string, string> = {};
  const recording = createRecordingPort(rules, triggeredBy);

  /** Posts a fresh approval request for a run and returns the message as Slack would show it. */
  async function request(workflowId: string, rule: ApprovalSpec, trigger = 'alice') {
    rules[workflowId] = rule;
    triggeredBy[workflowId] = trigger;
    const posted = await slack.postApprovalRequest(CHANNEL, {
      workflowId,
      env: 'production',
      pipeline: 'penguins',
      model: 'penguins',
      version: 3,
      metrics: { accuracy: 0.97, macroF1: 0.95 },
      productionMetrics: { accuracy: 0.95, macroF1: 0.94 },
      productionVersion: 2,
      gates: [{ name: 'accuracy ≥ 0.9', passed: true, detail: '0.97' }],
      changedParams: [{ name: 'trees', from: 50, to: 80 }],
      required: rule.required,
      groups: rule.groups,
      triggeredBy: trigger,
      runUrl: `http://localhost:8233/namespaces/default/workflows/${workflowId}`,
      lineageUrl: `http://localhost:8233/lineage/${workflowId}`,
    });
    const call = api.calls.findLast((c) => c.method === 'chat.postMessage')!;
    return { ts: posted.ts, blocks: call.args.blocks as { block_id?: string; elements?: { action_id: string; value: string }[] }[] };
  }

  function click(message: Awaited<ReturnType<typeof request>>, actionId: string, slackUserId: string) {
    const button = message.blocks.find((b) => b.block_id === 'ferry_actions')!.elements!.find((e) => e.action_id === actionId)!;
    return {
      type: 'block_actions',
      team: { id: 'T0FERRY', domain: 'ferry' },
      user: { id: slackUserId, username: slackUserId.toLowerCase(), team_id: 'T0FERRY' },
      api_app_id: 'A0FERRY',
      token: 'legacy-verification-token',
      trigger_id: `trigger-${message.ts}`,
      container: { type: 'message', message_ts: message.ts, channel_id: CHANNEL, is_ephemeral: false },
      channel: { id: CHANNEL, name: 'approvals' },
      message: { type: 'message', ts: message.ts, text: 'Approval needed', blocks: message.blocks },
      response_url: 'http://127.0.0.1:9/unused',
      actions: [{ type: 'button', action_id: actionId, block_id: 'ferry_actions', value: button.value, action_ts: String(Date.now() / 1000) }],
    };
  }

  const since = (n: number, method?: string): RecordedCall[] => api.calls.slice(n).filter((c) => c.method !== 'auth.test' && (!method || c.method === method));
  const text = (call: RecordedCall | undefined) => JSON.stringify(call?.args.blocks ?? call?.args.text ?? '');

  beforeAll(async () => {
    database = await backend.create();
    const { token } = await addUser(database.db, undefined, { name: 'root' });
    await addUser(database.db, token, { name: 'alice', role: 'approver', groups: ['ml-leads'], slackUserId: 'UALICE', displayName: 'Alice A.' });
    await addUser(database.db, token, { name: 'bob', role: 'approver', groups: ['ml-leads'], slackUserId: 'UBOB', displayName: 'Bob B.' });
    await addUser(database.db, token, { name: 'carol', role: 'approver', groups: ['ml-leads'], slackUserId: 'UCAROL' });
    api = await startFakeSlackApi();
    slack = createSlackApp({ signingSecret: SECRET, botToken: 'xoxb-test', apiUrl: api.url, approvals: recording.port, db: database.db, port: 0, host: '127.0.0.1' });
    url = (await slack.start()).url!;
  });
  afterAll(async () => {
    await slack?.stop();
    await api?.close();
    await database?.close();
  });

  it('posts an approval request with metrics against production, gates, params, links and both buttons', async () => {
    const message = await request('run-post', approval({ groups: ['ml-leads'] }));
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain('Approval needed: penguins v3 → production');
    expect(blocks).toContain('*accuracy* 0.97 vs 0.95 in production (+0.02)');
    expect(blocks).toContain(':white_check_mark: accuracy ≥ 0.9');
    expect(blocks).toContain('`trees`: 50 → 80');
    expect(blocks).toContain('<http://localhost:8233/namespaces/default/workflows/run-post|Run in the Temporal UI>');
    expect(blocks).toContain('|Lineage>');
    const actions = message.blocks.find((b) => b.block_id === 'ferry_actions')!.elements!;
    expect(actions.map((e) => [e.action_id, JSON.parse(e.value)])).toEqual([
      [ACTION_APPROVE, { workflowId: 'run-post', env: 'production' }],
      [ACTION_REJECT, { workflowId: 'run-post', env: 'production' }],
    ]);
  });

  it('a signed Approve click calls the port as the mapped Ferry user and updates the message in place', async () => {
    const message = await request('run-approve', approval({ groups: ['ml-leads'] }));
    const before = api.calls.length;
    const response = await sendInteraction(url, click(message, ACTION_APPROVE, 'UBOB'), { secret: SECRET });
    expect(response.status).toBe(200);
    await until(() => since(before, 'chat.update').length > 0, 'chat.update');
    expect(recording.calls.findLast((c) => c.workflowId === 'run-approve')).toMatchObject({
      env: 'production',
      decision: 'approve',
      slackUserId: 'UBOB',
      approver: { name: 'bob', roles: ['approver'], groups: ['ml-leads'] },
    });
    const [update] = since(before, 'chat.update');
    expect(update!.args).toMatchObject({ channel: CHANNEL, ts: message.ts });
    expect(text(update)).toContain(':white_check_mark: *Approved* by bob (Bob B.) <!date^1748779200^{date_short_pretty} {time}|2025-06-01T12:00:00.000Z>');
    expect(text(update)).not.toContain('ferry_actions');
    expect(text(update)).toContain('penguins v3'); // the rest of the message stays
  });

  it('a forged signature gets 401: the port is not called and no Web API call is made', async () => {
    const message = await request('run-forged', approval({ groups: ['ml-leads'] }));
    const [ports, before] = [recording.calls.length, api.calls.length];
    const forged = await sendInteraction(url, click(message, ACTION_APPROVE, 'UBOB'), { secret: 'not-the-signing-secret' });
    expect(forged.status).toBe(401);
    // A later genuine click is answered after the forged one: once its effects are recorded, the forged one had none.
    await sendInteraction(url, click(message, ACTION_APPROVE, 'UCAROL'), { secret: SECRET });
    await until(() => since(before, 'chat.update').length > 0, 'the genuine click');
    expect(recording.calls.slice(ports).map((c) => c.approver.name)).toEqual(['carol']);
    expect(since(before).map((c) => c.method)).toEqual(['chat.update']);
  });

  it('a correctly signed request six minutes old gets 401 and changes nothing', async () => {
    const message = await request('run-stale', approval({ groups: ['ml-leads'] }));
    const [ports, before] = [recording.calls.length, api.calls.length];
    const stale = await sendInteraction(url, click(message, ACTION_APPROVE, 'UBOB'), { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    await sendInteraction(url, click(message, ACTION_APPROVE, 'UCAROL'), { secret: SECRET });
    await until(() => since(before, 'chat.update').length > 0, 'the fresh click');
    expect(recording.calls.slice(ports).map((c) => c.approver.name)).toEqual(['carol']);
    expect(since(before).map((c) => c.method)).toEqual(['chat.update']);
  });

  it('a correctly signed request dated six minutes ahead gets 401 and changes nothing', async () => {
    const message = await request('run-future', approval({ groups: ['ml-leads'] }));
    const [ports, before] = [recording.calls.length, api.calls.length];
    const future = await sendInteraction(url, click(message, ACTION_APPROVE, 'UBOB'), { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(future.status).toBe(401);
    expect(future.text).toMatch(/more than 5 minutes in the future/);
    await sendInteraction(url, click(message, ACTION_APPROVE, 'UCAROL'), { secret: SECRET });
    await until(() => since(before, 'chat.update').length > 0, 'the fresh click');
    expect(recording.calls.slice(ports).map((c) => c.approver.name)).toEqual(['carol']);
  });

  it('a refused approval (self-approval) shows the refusal in the message and privately in the thread; the buttons stay', async () => {
    const message = await request('run-self', approval({ groups: ['ml-leads'] }), 'alice');
    const before = api.calls.length;
    expect((await sendInteraction(url, click(message, ACTION_APPROVE, 'UALICE'), { secret: SECRET })).status).toBe(200);
    await until(() => since(before, 'chat.postEphemeral').length > 0, 'the ephemeral refusal');
    const [update] = since(before, 'chat.update');
    expect(text(update)).toContain(':no_entry: Approve by alice (Alice A.) refused');
    expect(text(update)).toContain('you triggered this run');
    expect(text(update)).toContain('ferry_actions');
    const [ephemeral] = since(before, 'chat.postEphemeral');
    expect(ephemeral!.args).toMatchObject({ channel: CHANNEL, user: 'UALICE', thread_ts: message.ts });
    expect(ephemeral!.args.text).toMatch(/^Your approve was refused: you triggered this run/);
  });

  it('a Slack member with no Ferry user is refused without reaching the port, and the attempt is audited', async () => {
    const message = await request('run-stranger', approval());
    const [ports, before] = [recording.calls.length, api.calls.length];
    await sendInteraction(url, click(message, ACTION_APPROVE, 'USTRANGER'), { secret: SECRET });
    await until(() => since(before, 'chat.postEphemeral').length > 0, 'the refusal');
    expect(recording.calls.length).toBe(ports);
    expect(since(before, 'chat.postEphemeral')[0]!.args.text).toContain("is not linked to a Ferry user; ask an admin to run 'ferry users add <name> --slack-id USTRANGER'");
    const audit = await queryAudit(database.db, { action: 'approval.refused' });
    expect(audit.at(-1)).toMatchObject({ actor: 'slack:USTRANGER', subjectId: 'run-stranger', workflowId: 'run-stranger', details: { env: 'production', decision: 'approve', via: 'slack' } });
  });

  it('two of two: the first approval keeps the buttons and shows progress, the second closes it', async () => {
    const message = await request('run-two', approval({ required: 2, groups: ['ml-leads'] }));
    let before = api.calls.length;
    await sendInteraction(url, click(message, ACTION_APPROVE, 'UBOB'), { secret: SECRET });
    await until(() => since(before, 'chat.update').length > 0, 'the first update');
    const first = since(before, 'chat.update')[0]!;
    expect(text(first)).toContain('1 of 2 approvals (bob)');
    expect(text(first)).toContain('ferry_actions');
    before = api.calls.length;
    await sendInteraction(url, click(message, ACTION_APPROVE, 'UBOB'), { secret: SECRET });
    await until(() => since(before, 'chat.update').length > 0, 'the duplicate refusal');
    expect(text(since(before, 'chat.update')[0])).toContain('bob already approved this run for production');
    before = api.calls.length;
    await sendInteraction(url, click(message, ACTION_APPROVE, 'UCAROL'), { secret: SECRET });
    await until(() => since(before, 'chat.update').length > 0, 'the second update');
    const second = since(before, 'chat.update')[0]!;
    expect(text(second)).toContain('*Approved* by carol');
    expect(text(second)).not.toContain('ferry_actions');
  });

  it('Reject opens a modal; submitting it with a reason rejects and updates the message', async () => {
    const message = await request('run-reject', approval({ groups: ['ml-leads'] }));
    let before = api.calls.length;
    await sendInteraction(url, click(message, ACTION_REJECT, 'UBOB'), { secret: SECRET });
    await until(() => since(before, 'views.open').length > 0, 'views.open');
    const open = since(before, 'views.open')[0]!;
    const view = open.args.view as { callback_id: string; private_metadata: string };
    expect(open.args.trigger_id).toBe(`trigger-${message.ts}`);
    expect(view.callback_id).toBe(REJECT_MODAL);
    expect(recording.calls.filter((c) => c.workflowId === 'run-reject')).toEqual([]);

    before = api.calls.length;
    const submission = {
      type: 'view_submission',
      team: { id: 'T0FERRY', domain: 'ferry' },
      user: { id: 'UBOB', username: 'bob', name: 'bob', team_id: 'T0FERRY' },
      api_app_id: 'A0FERRY',
      token: 'legacy-verification-token',
      trigger_id: 'trigger-submit',
      view: {
        id: 'V1',
        team_id: 'T0FERRY',
        type: 'modal',
        callback_id: REJECT_MODAL,
        private_metadata: view.private_metadata,
        state: { values: { reason: { value: { type: 'plain_text_input', value: 'latency regressed on the canary' } } } },
        hash: 'h',
        title: { type: 'plain_text', text: 'Reject' },
        blocks: [],
      },
    };
    const response = await sendInteraction(url, submission, { secret: SECRET });
    expect(response.status).toBe(200);
    await until(() => since(before, 'chat.update').length > 0, 'the rejection update');
    expect(recording.calls.findLast((c) => c.workflowId === 'run-reject')).toMatchObject({ decision: 'reject', reason: 'latency regressed on the canary', approver: { name: 'bob' } });
    const update = since(before, 'chat.update')[0]!;
    expect(update.args).toMatchObject({ channel: CHANNEL, ts: message.ts });
    expect(text(update)).toContain(':x: *Rejected* by bob (Bob B.)');
    expect(text(update)).toContain('latency regressed on the canary');
    expect(text(update)).toContain('penguins v3');
  });

  it('a reject modal submitted without a reason is sent back with an error and decides nothing', async () => {
    const ports = recording.calls.length;
    const submission = {
      type: 'view_submission',
      team: { id: 'T0FERRY' },
      user: { id: 'UBOB', team_id: 'T0FERRY' },
      api_app_id: 'A0FERRY',
      view: {
        id: 'V2', type: 'modal', callback_id: REJECT_MODAL, private_metadata: JSON.stringify({ workflowId: 'run-x', env: 'production', channel: CHANNEL, ts: '1.2' }),
        state: { values: { reason: { value: { type: 'plain_text_input', value: ' ' } } } },
      },
    };
    const response = await sendInteraction(url, submission, { secret: SECRET });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ response_action: 'errors', errors: { reason: expect.stringContaining('Say why') } });
    expect(recording.calls.length).toBe(ports);
  });

  it('reminders and escalations go to the request\'s thread', async () => {
    const message = await request('run-remind', approval());
    const before = api.calls.length;
    await slack.postThreadReply(CHANNEL, message.ts, 'Reminder: still waiting for an approval from ml-leads');
    expect(since(before)).toEqual([{ method: 'chat.postMessage', args: expect.objectContaining({ channel: CHANNEL, thread_ts: message.ts, text: 'Reminder: still waiting for an approval from ml-leads' }) }]);
  });
});
