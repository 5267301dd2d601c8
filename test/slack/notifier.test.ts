import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveAlias, registerVersion } from '../../src/registry/index.js';
import { createSlackNotifier } from '../../src/slack/notifier.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { startFakeSlackApi } from './fake-slack.js';

describe.each(backends())('approval notices in Slack ($name)', (backend) => {
  let database: TestDatabase;
  let slack: Awaited<ReturnType<typeof startFakeSlackApi>>;
  beforeAll(async () => {
    database = await backend.create();
    slack = await startFakeSlackApi();
    const base = { pipeline: 'churn', specHash: 'a'.repeat(64), commit: 'c'.repeat(40), seed: 1, artifact: { uri: 'file:///m', size: 1 } };
    await registerVersion(database.db, { ...base, model: 'churn', sourceWorkflowId: 'run-1', params: { trees: 50 }, metrics: { accuracy: 0.9 }, gates: [], artifact: { ...base.artifact, sha256: '1'.repeat(64) } });
    await registerVersion(database.db, { ...base, model: 'churn', sourceWorkflowId: 'run-2', params: { trees: 80 }, metrics: { accuracy: 0.93 }, gates: [{ gate: 'min(accuracy)', passed: true, message: 'accuracy = 0.93 ≥ min 0.9' }], artifact: { ...base.artifact, sha256: '2'.repeat(64) } });
    await moveAlias(database.db, { model: 'churn', alias: 'production', toVersion: 1, actor: 'test', reason: 'v1 serves', idempotencyKey: 'test:production:1' });
  });
  afterAll(async () => {
    await slack?.close();
    await database?.close();
  });

  it('posts the request with buttons once, then threads reminders and escalations under it', async () => {
    const notify = createSlackNotifier({ db: database.db, botToken: 'xoxb-test', channel: 'C-APPROVALS', apiUrl: slack.url });
    const notice = { workflowId: 'run-2', env: 'production', model: 'churn', version: 2, text: 'churn v2 needs approval' };
    await notify({ ...notice, kind: 'requested' });
    await notify({ ...notice, kind: 'requested' });
    await notify({ ...notice, kind: 'reminder' });
    await notify({ ...notice, kind: 'escalation', to: ['head-of-ml'] });
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts).toHaveLength(3);
    const request = JSON.stringify(posts[0]!.args);
    expect(request).toContain('C-APPROVALS');
    expect(request).toMatch(/approve/i);
    expect(request).toMatch(/reject/i);
    expect(request).toContain('trees');
    expect(request).toContain('0.9');
    expect(posts[1]!.args).toMatchObject({ thread_ts: expect.any(String), text: 'Reminder: still waiting for a decision.' });
    expect(posts[2]!.args).toMatchObject({ thread_ts: posts[1]!.args.thread_ts, text: 'Escalation: no decision yet. cc @head-of-ml' });
  });
});
