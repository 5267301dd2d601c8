import { FerryError } from '../errors.js';
import type { Alert, AlertChannel } from './alert.js';
import { SIGNATURE_HEADER, signBody, webhookSecret } from './signature.js';

export interface WebhookAlertOptions {
  /** Receiver URL (default `FERRY_ALERT_WEBHOOK_URL`). */
  url?: string;
  /** HMAC key (default `FERRY_WEBHOOK_SECRET`). */
  secret?: string;
  fetch?: typeof fetch;
}

/**
 * A generic webhook: POSTs `{ kind: 'ferry.alert', at, ...alert }` as JSON, signed with
 * `X-Ferry-Signature: sha256=<HMAC-SHA256 of the body>`; any non-2xx answer is an error.
 */
export function createWebhookAlert(options: WebhookAlertOptions = {}): AlertChannel {
  const url = options.url ?? process.env.FERRY_ALERT_WEBHOOK_URL;
  if (!url) throw new FerryError('webhook alerts: no URL; set FERRY_ALERT_WEBHOOK_URL to the receiver');
  const secret = webhookSecret(options.secret, 'webhook alerts');
  const doFetch = options.fetch ?? fetch;
  return {
    name: 'webhook',
    async send(alert: Alert) {
      const body = JSON.stringify({ kind: 'ferry.alert', at: new Date().toISOString(), ...alert });
      let res: Response;
      try {
        res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(body, secret) }, body });
      } catch (err) {
        throw new FerryError(`webhook alert to ${url} failed: ${(err as Error).message}`, { cause: err });
      }
      await res.arrayBuffer();
      if (!res.ok) throw new FerryError(`webhook alert to ${url}: receiver answered ${res.status}`);
    },
  };
}
