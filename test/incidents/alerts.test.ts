import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAlert, createWebhookAlert, sendAlert, verifySignature } from '../../src/alerts/index.js';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP server recording what it receives and answering with `reply(path)`. */
async function listen(reply: (path: string) => { status: number; body: unknown }): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const r = reply(req.url ?? '');
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const alert = { title: 'Drift on churn', text: 'drifted share 0.6 ≥ 0.5 in window 12:00–13:00', severity: 'critical' as const, model: 'churn', env: 'production', incidentId: 7 };

describe('alerts', () => {
  let hook: Awaited<ReturnType<typeof listen>>;
  let slack: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    hook = await listen((path) => (path === '/down' ? { status: 503, body: {} } : { status: 200, body: { ok: true } }));
    slack = await listen(() => ({ status: 200, body: { ok: true, channel: 'C123', ts: '1700000000.000100' } }));
  });
  afterAll(async () => {
    await Promise.all([hook, slack].map((s) => new Promise((r) => s.server.close(r))));
  });

  it('signs a webhook alert with HMAC-SHA256 over the exact body', async () => {
    await createWebhookAlert({ url: `${hook.url}/alerts`, secret: 'alert-secret' }).send({ ...alert, details: {} });
    const got = hook.received.find((r) => r.path === '/alerts')!;
    expect(JSON.parse(got.body)).toMatchObject({ kind: 'ferry.alert', title: 'Drift on churn', severity: 'critical', model: 'churn', incidentId: 7 });
    expect(verifySignature(got.body, 'alert-secret', got.headers['x-ferry-signature'] as string)).toBe(true);
    expect(verifySignature(got.body, 'other-secret', got.headers['x-ferry-signature'] as string)).toBe(false);
  });

  it('posts to Slack with chat.postMessage through SLACK_API_URL', async () => {
    await createSlackAlert({ token: 'xoxb-test', channel: '#ml-alerts', apiUrl: `${slack.url}/api` }).send({ ...alert, details: {} });
    const got = slack.received[0]!;
    expect(got.path).toBe('/api/chat.postMessage');
    expect(got.headers.authorization).toBe('Bearer xoxb-test');
    const form = new URLSearchParams(got.body);
    const body = got.headers['content-type']?.includes('json') ? (JSON.parse(got.body) as Record<string, unknown>) : Object.fromEntries(form);
    expect(body.channel).toBe('#ml-alerts');
    expect(String(body.text)).toContain(':rotating_light: Drift on churn: drifted share 0.6');
    expect(String(body.blocks)).toContain('incident *#7*');
  });

  it('fans out to every channel and reports a failing one without losing the others', async () => {
    const channels = [createWebhookAlert({ url: `${hook.url}/down`, secret: 's' }), createWebhookAlert({ url: `${hook.url}/ok`, secret: 's' })];
    const result = await sendAlert(channels, alert);
    expect(result.sent).toEqual(['webhook']);
    expect(result.failed).toEqual([{ channel: 'webhook', error: expect.stringContaining('receiver answered 503') }]);
  });

  it('names the variable to set when a channel is not configured', () => {
    const saved = { ...process.env };
    delete process.env.FERRY_WEBHOOK_SECRET;
    delete process.env.SLACK_BOT_TOKEN;
    try {
      expect(() => createWebhookAlert({ url: hook.url })).toThrow(/set FERRY_WEBHOOK_SECRET/);
      expect(() => createSlackAlert({ channel: '#x' })).toThrow(/set SLACK_BOT_TOKEN/);
    } finally {
      process.env = saved;
    }
  });
});
