import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstIssue, joinPath } from '../dsl/issues.js';
import { GITHUB_SIGNATURE_HEADER, verifyGithubSignature } from './github-signature.js';
import { branchOf, deliveryIdSchema, pushEventSchema, pusherOf } from './push-event.js';
import { startPushRuns, type PushRunsDeps } from './push-runs.js';
import { HttpError } from './http-error.js';
import { checkRepository, refuseReplayedBody } from './push-guard.js';
import { handleMlflowDelivery, MLFLOW_WEBHOOK_PATH } from './mlflow-hook.js';

/** The path GitHub (or any forge sending GitHub-style push events) posts to. */
export const WEBHOOK_PATH = '/hooks/git';
/** GitHub caps payloads at 25 MB; a push event is far smaller, so refuse anything past this early. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface WebhookOptions extends PushRunsDeps {
  /** Shared secret of the webhook (`FERRY_PUSH_SECRET`, else `FERRY_WEBHOOK_SECRET`). */
  secret: string;
  /** `owner/name` pushes must come from (`FERRY_PUSH_REPOSITORY`, else the project's origin); unset: any repository. */
  repository?: string;
  /** Secret of MLflow registry webhooks (`FERRY_MLFLOW_WEBHOOK_SECRET`); unset: POST /hooks/mlflow answers 404. */
  mlflowSecret?: string;
  /** One line per delivery and per error (default: nothing). */
  log?: (line: string) => void;
}

export interface WebhookServer {
  server: Server;
  /** Listens on `port` (0 = a free one) and returns the hook URL. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}


function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** GitHub sends `application/json`, or a form with the JSON in `payload` when the hook is set to form encoding. */
function parseJson(raw: Buffer, contentType: string | undefined): unknown {
  const text = contentType?.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(raw.toString('utf8')).get('payload') ?? '' : raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body: expected a JSON push event (content type application/json)');
  }
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

/**
 * The push webhook: `POST /hooks/git` with a GitHub-style push event. Checks `X-Hub-Signature-256` before anything
 * else (bad or missing → 401, nothing started), then starts the pipelines whose `on.push.branches` match the branch at
 * the pushed commit, with workflow ids derived from `X-GitHub-Delivery` so a redelivery starts nothing twice. A push
 * for another repository is refused (403), and so is a body seen before under another delivery id (409).
 * @example const hook = createWebhookServer({ client, db, taskQueue: 'ferry', projectDir: process.cwd(), secret }); await hook.listen(8090);
 */
export function createWebhookServer(options: WebhookOptions): WebhookServer {
  const log = options.log ?? (() => undefined);

  async function handle(req: IncomingMessage): Promise<{ status: number; body: Record<string, unknown> }> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === MLFLOW_WEBHOOK_PATH && req.method === 'POST') {
      if (!options.mlflowSecret) throw new HttpError(404, 'MLflow webhooks are not enabled here: set FERRY_MLFLOW_WEBHOOK_SECRET and restart ferry webhook');
      return handleMlflowDelivery(options, options.mlflowSecret, req.headers, await readBody(req), log);
    }
    if (path !== WEBHOOK_PATH) throw new HttpError(404, `no such endpoint; GitHub hooks go to POST ${WEBHOOK_PATH}`);
    if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed; use POST`);
    const raw = await readBody(req);
    if (!verifyGithubSignature(raw, options.secret, req.headers[GITHUB_SIGNATURE_HEADER])) {
      throw new HttpError(401, 'X-Hub-Signature-256: missing or wrong; sign the body with the webhook secret (FERRY_WEBHOOK_SECRET)');
    }
    const event = req.headers['x-github-event'];
    if (event === 'ping') return { status: 200, body: { ok: true } };
    if (event !== 'push') return { status: 202, body: { ignored: `event ${String(event)}: only push events start runs`, started: [] } };
    const delivery = deliveryIdSchema.safeParse(req.headers['x-github-delivery']);
    if (!delivery.success) throw new HttpError(400, `X-GitHub-Delivery: ${firstIssue(delivery.error, req.headers['x-github-delivery']).message}`);
    const body = parseJson(raw, req.headers['content-type']);
    const parsed = pushEventSchema.safeParse(body);
    if (!parsed.success) {
      const issue = firstIssue(parsed.error, body);
      throw new HttpError(400, `${joinPath('body', issue.path)}: ${issue.message}`);
    }
    const push = parsed.data;
    checkRepository(options.repository, push.repository.full_name);
    await refuseReplayedBody(options.db, raw, { delivery: delivery.data, repository: push.repository.full_name, ref: push.ref, commit: push.after });
    const branch = branchOf(push.ref);
    if (!branch || push.deleted) {
      return { status: 202, body: { delivery: delivery.data, ignored: push.deleted ? 'branch deleted' : `${push.ref} is not a branch`, started: [] } };
    }
    const outcome = await startPushRuns(options, { branch, commit: push.after, delivery: delivery.data, pusher: pusherOf(push), repository: push.repository.full_name });
    log(`push ${push.repository.full_name}@${branch} ${push.after.slice(0, 12)} (delivery ${delivery.data}): started ${outcome.started.length}, already started ${outcome.alreadyStarted.length}, refused ${outcome.refused.length}`);
    for (const e of outcome.errors) log(`  ${e.file}: ${e.message}`);
    return { status: 202, body: { delivery: delivery.data, repository: push.repository.full_name, branch, commit: push.after, ...outcome } };
  }

  // The one edge that turns errors into HTTP responses.
  const server = createServer((req, res) => {
    handle(req).then(
      ({ status, body }) => send(res, status, body),
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        if (status === 500) log(`webhook error: ${(err as Error).message}`);
        send(res, status, { error: status === 500 ? `internal error: ${(err as Error).message}` : (err as Error).message });
      },
    );
  });

  return {
    server,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: bound } = server.address() as AddressInfo;
          resolve(`http://${host}:${bound}${WEBHOOK_PATH}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
