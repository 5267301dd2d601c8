import { FerryError } from '../core/errors.js';
import { failureReason } from '../health/failure.js';
import type { Alert, AlertChannel } from './alert.js';
import { SIGNATURE_HEADER, signBody, webhookSecret } from './signature.js';
import { envValue } from '../settings.js';

export interface WebhookAlertOptions {
  /** Receiver URL (default `FERRY_ALERT_WEBHOOK_URL`). */
  url?: string;
  /** HMAC key; default `FERRY_ALERT_SECRET`, else `FERRY_WEBHOOK_SECRET`. */
  secret?: string;
  fetch?: typeof fetch;
  /** Further tries after a failure to connect or a 5xx answer (default 2), `retryDelayMs` apart, doubling (default 500). */
  retries?: number;
  retryDelayMs?: number;
}

/**
 * A generic webhook: POSTs `{ kind: 'ferry.alert', at, ...alert }` as JSON, signed with
 * `X-Ferry-Signature: sha256=<HMAC-SHA256 of the body>`; any non-2xx answer is an error. A receiver that cannot be
 * reached or answers 5xx/429 is tried again a few times before the alert counts as failed.
 */
export function createWebhookAlert(options: WebhookAlertOptions = {}): AlertChannel {
  const configured = options.url ?? envValue('FERRY_ALERT_WEBHOOK_URL');
  if (!configured) throw new FerryError('webhook alerts: no URL; set FERRY_ALERT_WEBHOOK_URL to the receiver');
  const url = configured;
  const secret = webhookSecret(options.secret, 'webhook alerts', 'alert');
  const doFetch = options.fetch ?? fetch;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 500;

  async function post(body: string): Promise<{ ok: true } | { ok: false; error: FerryError; retry: boolean }> {
    let res: Response;
    try {
      res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(body, secret) }, body });
    } catch (err) {
      return { ok: false, error: new FerryError(`webhook alert to ${url} failed: ${failureReason(err).reason}`, { cause: err }), retry: true };
    }
    await res.arrayBuffer();
    if (!res.ok) return { ok: false, error: new FerryError(`webhook alert to ${url}: receiver answered ${res.status}`), retry: res.status >= 500 || res.status === 429 };
    return { ok: true };
  }

  return {
    name: 'webhook',
    async send(alert: Alert) {
      // One body for every try: the same `at` and signature, so a receiver can tell a retry from a second alert.
      const body = JSON.stringify({ kind: 'ferry.alert', at: new Date().toISOString(), ...alert });
      for (let attempt = 0; ; attempt++) {
        const outcome = await post(body);
        if (outcome.ok) return;
        if (!outcome.retry || attempt >= retries) throw outcome.error;
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** attempt));
      }
    },
  };
}
