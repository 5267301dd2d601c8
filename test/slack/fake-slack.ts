import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACTION_APPROVE } from '../../src/slack/blocks.js';

/** One Web API call as Slack's servers would have received it. */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
}

/**
 * Slack's Web API played by a local HTTP server: every call is recorded and answered the way Slack answers it
 * (enough fields for Bolt and our code). The app reaches it through `slackApiUrl` / `SLACK_API_URL`. `port` brings
 * Slack back where a test had it unreachable.
 */
export async function startFakeSlackApi(options: { port?: number } = {}): Promise<{ url: string; calls: RecordedCall[]; close(): Promise<void> }> {
  const calls: RecordedCall[] = [];
  let counter = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
      const args: Record<string, unknown> = {};
      if ((req.headers['content-type'] ?? '').includes('application/json')) Object.assign(args, JSON.parse(body || '{}'));
      else {
        for (const [k, v] of new URLSearchParams(body)) {
          // The Web API client JSON-encodes blocks, views and other structured arguments in form posts.
          args[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
        }
      }
      calls.push({ method, args });
      const ts = `1700000000.${String(++counter).padStart(6, '0')}`;
      const answers: Record<string, object> = {
        'auth.test': { user_id: 'UFERRYBOT', bot_id: 'BFERRYBOT', team_id: 'T0FERRY', user: 'ferry' },
        'chat.postMessage': { channel: args.channel, ts, message: { ts } },
        'chat.update': { channel: args.channel, ts: args.ts },
        'chat.postEphemeral': { message_ts: ts },
        'views.open': { view: { id: `V${counter}` } },
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, ...(answers[method] ?? {}) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Signs a request body exactly as Slack does: `v0=` + HMAC-SHA256(secret, `v0:{timestamp}:{body}`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** POSTs an interactive payload (form-encoded `payload=<json>`) to the app, signed with `secret` at `timestamp`. */
export async function sendInteraction(url: string, payload: object, options: { secret: string; timestamp?: number }): Promise<{ status: number; text: string }> {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret, timestamp, body),
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** Waits until `predicate` holds (the app answers Slack first and works after), failing after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The Approve click on the approval request posted for `workflowId`, as Slack sends it when `user` clicks: the
 * request's `ts` (the fake numbers messages by call) and the `block_actions` payload carrying the message's blocks.
 */
export function approveClick(calls: RecordedCall[], workflowId: string, options: { channel: string; user: string }): { ts: string; payload: object } | undefined {
  const post = calls.find((c) => c.method === 'chat.postMessage' && JSON.stringify(c.args).includes(workflowId));
  if (!post) return undefined;
  const ts = `1700000000.${String(calls.indexOf(post) + 1).padStart(6, '0')}`;
  const blocks = post.args.blocks as { block_id?: string; elements?: { action_id: string; value: string }[] }[];
  const button = blocks.find((b) => b.block_id === 'ferry_actions')!.elements!.find((e) => e.action_id === ACTION_APPROVE)!;
  const { channel, user } = options;
  return {
    ts,
    payload: {
      type: 'block_actions',
      team: { id: 'T0FERRY', domain: 'ferry' },
      user: { id: user, username: user.toLowerCase(), team_id: 'T0FERRY' },
      api_app_id: 'A0FERRY',
      token: 'legacy',
      trigger_id: 'trigger-1',
      container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
      channel: { id: channel, name: 'approvals' },
      message: { type: 'message', ts, text: 'Approval needed', blocks },
      response_url: 'http://127.0.0.1:9/unused',
      actions: [{ type: 'button', action_id: ACTION_APPROVE, block_id: 'ferry_actions', value: button.value, action_ts: String(Date.now() / 1000) }],
    },
  };
}
