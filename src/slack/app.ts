import type { Server } from 'node:http';
import { z } from 'zod';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type BlockAction, type ButtonAction, type types as SlackTypes, type webApi } from '@slack/bolt';
import type { Executor } from '../audit/index.js';
import { UsageError } from '../core/errors.js';
import { log } from '../log.js';
import { ACTION_APPROVE, ACTION_REJECT, REJECT_MODAL, approvalRequestMessage, buttonValueSchema, rejectModal, type ApprovalRequest } from './blocks.js';
import { isUnreachable, outsideService, reportFailure } from '../health/index.js';
import { callSlack, createSlackClient, slackClientOptions, watchSlack } from './client.js';
import { decideFromSlack } from './clicked-decision.js';
import type { ApprovalPort } from './port.js';
import { envValue } from '../settings.js';

export interface SlackAppOptions {
  /** Verifies HTTP requests (required unless `appToken` selects Socket Mode). */
  signingSecret?: string;
  botToken: string;
  /** `SLACK_APP_TOKEN` (xapp-…): Socket Mode instead of HTTP. */
  appToken?: string;
  /** `SLACK_API_URL`: base URL of Slack's Web API (tests point it at a local server). */
  apiUrl?: string;
  approvals: ApprovalPort;
  db: Executor;
  /** HTTP port (default 3000; 0 picks a free one). */
  port?: number;
  /** HTTP listen address (default all interfaces). */
  host?: string;
}

export interface SlackApp {
  app: App;
  client: webApi.WebClient;
  mode: 'http' | 'socket';
  /** Starts listening; in HTTP mode resolves to the request URL (`…/slack/events`). */
  start(): Promise<{ url?: string }>;
  stop(): Promise<void>;
  /** Posts an approval request with Approve / Reject buttons; keep `channel` and `ts` for reminders. */
  postApprovalRequest(channel: string, request: ApprovalRequest): Promise<{ channel: string; ts: string }>;
  /** Reminders and escalations go to the request's thread. */
  postThreadReply(channel: string, ts: string, text: string): Promise<void>;
}

/** Parses JSON a Slack payload carries; a forged or truncated value is just invalid, not a crash. */
function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? 'null');
  } catch {
    return null;
  }
}

const modalMetaSchema = buttonValueSchema.extend({ channel: z.string().min(1), ts: z.string().min(1) });
// Blocks of messages whose Reject modal is open: the view submission does not carry the message.
const MAX_OPEN_MODALS = 500;

/** Slack's replay window, both ways: Bolt refuses requests older than this, but not ones dated in the future. */
const SLACK_SKEW_SECONDS = 5 * 60;

/** A correctly signed request dated more than five minutes ahead could be replayed for ten: refused (401) before Bolt sees it. */
function refuseFutureTimestamps(receiver: HTTPReceiver): void {
  const verified = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(timestamp) && timestamp - Date.now() / 1000 > SLACK_SKEW_SECONDS) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('x-slack-request-timestamp is more than 5 minutes in the future');
      return;
    }
    verified(req, res);
  };
}

/**
 * The Slack approval app. HTTP mode uses Bolt's HTTPReceiver, which verifies Slack's v0 signature and refuses
 * requests older than five minutes (401) — and, here, ones dated more than five minutes ahead; Socket Mode when `appToken` is given.
 *
 * Slack being down or unreachable is degraded service, never a crash: the bot's identity (`auth.test`) is looked up
 * when a request needs it and cached only once it succeeds (Bolt's own start-up lookup is an unawaited promise that
 * kills the process when Slack cannot be reached), Slack is probed in the background with backoff, and Socket Mode
 * keeps retrying its first connection.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const logLevel = envValue('FERRY_LOG_LEVEL') === 'debug' ? LogLevel.DEBUG : LogLevel.ERROR;
  const clientOptions = slackClientOptions(options.apiUrl);
  let receiver: HTTPReceiver | SocketModeReceiver;
  if (options.appToken) {
    receiver = new SocketModeReceiver({ appToken: options.appToken, logLevel, installerOptions: { clientOptions } });
  } else {
    if (!options.signingSecret) throw new UsageError('SLACK_SIGNING_SECRET is not set; set it (HTTP mode) or set SLACK_APP_TOKEN for Socket Mode');
    receiver = new HTTPReceiver({ signingSecret: options.signingSecret, endpoints: '/slack/events', logLevel });
    refuseFutureTimestamps(receiver);
  }
  const client = createSlackClient({ botToken: options.botToken, apiUrl: options.apiUrl });
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  const identify = () =>
    (identity ??= callSlack(() => client.auth.test()).then(
      (r) => ({ botId: r.bot_id, botUserId: r.user_id }),
      (err: unknown) => {
        identity = undefined;
        throw err;
      },
    ));
  const app = new App({ receiver, clientOptions, logLevel, authorize: async () => ({ botToken: options.botToken, ...(await identify()) }) });
  const deps = { db: options.db, approvals: options.approvals, client };
  const openModals = new Map<string, SlackTypes.KnownBlock[]>();

  app.action<BlockAction<ButtonAction>>(ACTION_APPROVE, async ({ ack, body, action }) => {
    await ack();
    const value = buttonValueSchema.safeParse(parseJson(action.value));
    if (!value.success || !body.channel?.id || !body.message?.ts) return log.warn({ value: action.value }, 'slack: approve click without a run');
    await decideFromSlack(deps, {
      ...value.data,
      decision: 'approve',
      slackUserId: body.user.id,
      channel: body.channel.id,
      ts: body.message.ts,
      blocks: (body.message.blocks ?? []) as SlackTypes.KnownBlock[],
    });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_REJECT, async ({ ack, body, action, client }) => {
    await ack();
    const value = buttonValueSchema.safeParse(parseJson(action.value));
    if (!value.success || !body.channel?.id || !body.message?.ts) return log.warn({ value: action.value }, 'slack: reject click without a run');
    const key = `${body.channel.id}:${body.message.ts}`;
    openModals.delete(key);
    openModals.set(key, (body.message.blocks ?? []) as SlackTypes.KnownBlock[]);
    if (openModals.size > MAX_OPEN_MODALS) openModals.delete(openModals.keys().next().value!);
    const view = rejectModal({ ...value.data, channel: body.channel.id, ts: body.message.ts });
    await callSlack(() => client.views.open({ trigger_id: body.trigger_id, view }));
  });

  app.view(REJECT_MODAL, async ({ ack, body, view }) => {
    const reason = view.state.values.reason?.value?.value?.trim() ?? '';
    if (reason.length < 3) return void (await ack({ response_action: 'errors', errors: { reason: 'Say why (at least 3 characters); it is recorded in the audit log.' } }));
    await ack();
    const meta = modalMetaSchema.safeParse(parseJson(view.private_metadata));
    if (!meta.success) return log.warn({ meta: view.private_metadata }, 'slack: reject modal without a run');
    const { channel, ts, ...run } = meta.data;
    const key = `${channel}:${ts}`;
    const blocks = openModals.get(key) ?? [];
    openModals.delete(key);
    await decideFromSlack(deps, { ...run, decision: 'reject', slackUserId: body.user.id, channel, ts, blocks, reason });
  });

  app.error(async (error) => {
    if (isUnreachable(error)) reportFailure(outsideService.slack, error);
    log.error({ err: error }, 'slack: a request failed');
  });

  let stopWatching: (() => void) | undefined;
  let socketRetry: NodeJS.Timeout | undefined;
  let stopping = false;
  // Socket Mode's first connection fails outright when Slack is unreachable; keep trying, with backoff, until it holds.
  const connectSocket = (delayMs: number): void =>
    void callSlack(() => app.start()).catch(() => {
      if (stopping) return;
      socketRetry = setTimeout(() => connectSocket(Math.min(delayMs * 2, 30_000)), delayMs);
      socketRetry.unref();
    });

  return {
    app,
    client,
    mode: options.appToken ? 'socket' : 'http',
    async start() {
      stopWatching = watchSlack(client);
      if (receiver instanceof SocketModeReceiver) {
        connectSocket(1000);
        return {};
      }
      // Loopback unless told otherwise: Slack reaches it through the operator's tunnel or reverse proxy.
      const server = (await receiver.start({ port: options.port ?? 3000, host: options.host ?? '127.0.0.1' })) as unknown as Server;
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
      return { url: `http://${host}:${port}/slack/events` };
    },
    async stop() {
      stopping = true;
      clearTimeout(socketRetry);
      stopWatching?.();
      await app.stop().catch((err: Error) => log.warn({ err: err.message }, 'slack: stopping the app'));
    },
    async postApprovalRequest(channel, request) {
      return postApprovalRequest(app.client, channel, request);
    },
    async postThreadReply(channel, ts, text) {
      await postThreadReply(app.client, channel, ts, text);
    },
  };
}

/** Posts an approval request with a plain Web API client (e.g. from an activity, without the Bolt app). */
export async function postApprovalRequest(client: webApi.WebClient, channel: string, request: ApprovalRequest): Promise<{ channel: string; ts: string }> {
  const message = approvalRequestMessage(request);
  const result = await callSlack(() => client.chat.postMessage({ channel, text: message.text, blocks: message.blocks }));
  return { channel: result.channel ?? channel, ts: result.ts! };
}

/** A reply in a message's thread: reminders and escalations. */
export async function postThreadReply(client: webApi.WebClient, channel: string, ts: string, text: string): Promise<void> {
  await callSlack(() => client.chat.postMessage({ channel, thread_ts: ts, text }));
}
