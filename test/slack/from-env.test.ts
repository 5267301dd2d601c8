import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/settings.js';
import { UsageError } from '../../src/core/errors.js';
import { createSlackApp, slackAppFromEnv, slackConfigured, type ApprovalPort } from '../../src/slack/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { startFakeSlackApi, until } from './fake-slack.js';

const refuseAll: ApprovalPort = { decide: async () => ({ ok: false, refusal: 'not in this test' }) };

describe.each(backends())('building the Slack app from SLACK_* ($name)', (backend) => {
  let database: TestDatabase;
  let api: Awaited<ReturnType<typeof startFakeSlackApi>>;

  beforeAll(async () => {
    database = await backend.create();
    api = await startFakeSlackApi();
  });
  afterAll(async () => {
    await api?.close();
    await database?.close();
  });

  it('is off when no SLACK_* variable is set', () => {
    const env = readEnv({});
    expect(slackConfigured(env)).toBe(false);
    expect(slackAppFromEnv(env, { db: database.db, approvals: refuseAll })).toBeUndefined();
  });

  it('refuses a signing secret without a bot token, and HTTP mode without a signing secret', () => {
    expect(() => slackAppFromEnv(readEnv({ SLACK_SIGNING_SECRET: 's' }), { db: database.db, approvals: refuseAll })).toThrow(UsageError);
    expect(() => slackAppFromEnv(readEnv({ SLACK_BOT_TOKEN: 'xoxb-1' }), { db: database.db, approvals: refuseAll })).toThrow('SLACK_SIGNING_SECRET is not set');
  });

  it('uses HTTP mode with a signing secret, and points the Web API client at SLACK_API_URL', async () => {
    const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: api.url });
    expect(slackConfigured(env)).toBe(true);
    const slack = slackAppFromEnv(env, { db: database.db, approvals: refuseAll, port: 0, host: '127.0.0.1' })!;
    expect(slack.mode).toBe('http');
    const before = api.calls.length;
    await slack.client.chat.postMessage({ channel: 'C1', text: 'hello' });
    // Constructing calls nothing (Bolt's own start-up auth.test is an unawaited promise that kills the process when
    // Slack is unreachable); the app checks the token with auth.test once started, at the local server too.
    expect(api.calls.slice(before)).toEqual([{ method: 'chat.postMessage', args: expect.objectContaining({ channel: 'C1', text: 'hello' }) }]);
    await slack.start();
    try {
      await until(() => api.calls.slice(before).some((c) => c.method === 'auth.test'), 'auth.test');
    } finally {
      await slack.stop();
    }
  });

  it('uses Socket Mode when SLACK_APP_TOKEN is set (constructed only: connecting needs Slack)', () => {
    const slack = createSlackApp({ botToken: 'xoxb-1', appToken: 'xapp-1-test', apiUrl: api.url, approvals: refuseAll, db: database.db });
    expect(slack.mode).toBe('socket');
  });
});
