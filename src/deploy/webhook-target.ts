import { createHash } from 'node:crypto';
import { SIGNATURE_HEADER, signBody, webhookSecret } from '../alerts/signature.js';
import { FerryError } from '../core/errors.js';
import { normalizeRoutes } from '../core/routes.js';
import { liveStateSchema, type DeployRequest, type DeploymentTarget, type LiveState } from './target.js';
import { z } from 'zod';
import { envValue } from '../settings.js';

export interface WebhookTargetOptions {
  /** Deploys are POSTed here; live state is read with GET `<url>/<model>/<env>`. Default `FERRY_DEPLOY_WEBHOOK_URL`. */
  url?: string;
  /** HMAC key; default `FERRY_DEPLOY_SECRET`, else `FERRY_WEBHOOK_SECRET`. */
  secret?: string;
  /** A registered version's artifact, carried in the deploy body so the platform can fetch and check it (from the registry). */
  artifact?: (model: string, version: number) => Promise<{ uri: string; sha256: string }>;
  fetch?: typeof fetch;
}

const deployAnswerSchema = z.object({ generation: z.number().int().min(0) });

/**
 * Hands deploys to your platform: POSTs `{ kind: 'ferry.deploy', id, model, version, env, routes, artifact: { uri,
 * sha256 }, artifacts: { "<version>": { uri, sha256 } } }` (`artifact` is the rolled-out version's, `artifacts` every
 * routed version's; `id` derived from the content) signed with `X-Ferry-Signature: sha256=…`, expects `{ generation }`
 * back, and reads the live state with a signed GET, signed with the deploy target's own secret (`FERRY_DEPLOY_SECRET`,
 * else `FERRY_WEBHOOK_SECRET`).
 */
export function createWebhookTarget(options: WebhookTargetOptions = {}): DeploymentTarget {
  const url = (options.url ?? envValue('FERRY_DEPLOY_WEBHOOK_URL'))?.replace(/\/+$/, '');
  if (!url) throw new FerryError('webhook deployment target: no URL; set FERRY_DEPLOY_WEBHOOK_URL to the endpoint that receives deploy requests');
  const secret = webhookSecret(options.secret, 'webhook deployment target', 'deploy');
  const doFetch = options.fetch ?? fetch;

  async function call(method: 'GET' | 'POST', target: string, body: string): Promise<unknown> {
    let res: Response;
    try {
      res = await doFetch(target, {
        method,
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(body, secret) },
        ...(method === 'POST' ? { body } : {}),
      });
    } catch (err) {
      throw new FerryError(`webhook deployment target: ${method} ${target} failed (${(err as Error).message}); is the receiver up?`, { cause: err, details: { retryable: true } });
    }
    const text = await res.text();
    if (!res.ok) {
      throw new FerryError(`webhook deployment target: ${method} ${target} answered ${res.status}: ${text.slice(0, 200)}`, { details: { retryable: res.status >= 500 || res.status === 429 } });
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new FerryError(`webhook deployment target: ${method} ${target} answered non-JSON; reply with JSON ({ generation } or { generation, routes })`);
    }
  }

  return {
    name: 'webhook',
    async deploy(req: DeployRequest) {
      const routes = normalizeRoutes(req.routes);
      const resolve = options.artifact;
      const artifacts = resolve ? Object.fromEntries(await Promise.all(routes.map(async (r) => [String(r.version), await resolve(req.model, r.version)] as const))) : undefined;
      const artifact = resolve ? (artifacts?.[String(req.version)] ?? (await resolve(req.model, req.version))) : undefined;
      const content = { model: req.model, version: req.version, env: req.env, routes, ...(artifact ? { artifact, artifacts } : {}) };
      // The same deploy always carries the same id, so a receiver can drop a retried request.
      const id = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
      const body = JSON.stringify({ kind: 'ferry.deploy', id, ...content });
      const answer = deployAnswerSchema.safeParse(await call('POST', url, body));
      if (!answer.success) throw new FerryError(`webhook deployment target: POST ${url} must answer { "generation": <integer> }`);
      return answer.data;
    },
    async readBack(req): Promise<LiveState> {
      // A GET has no body: the signature covers the empty string, so receivers can still authenticate the caller.
      const live = liveStateSchema.safeParse(await call('GET', `${url}/${encodeURIComponent(req.model)}/${encodeURIComponent(req.env)}`, ''));
      if (!live.success) throw new FerryError(`webhook deployment target: GET ${url}/${req.model}/${req.env} must answer { "generation", "routes": [{ "version", "percent" }] }`);
      return live.data;
    },
  };
}
