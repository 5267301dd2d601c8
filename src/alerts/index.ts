// Alerts: a signed generic webhook and Slack; `createAlerter` fans out to whichever the environment configures.
import { outsideService, reportFailure, reportUp } from '../health/index.js';
import { log } from '../log.js';
import { alertSchema, type AlertChannel, type AlertInput } from './alert.js';
import { createSlackAlert } from './slack.js';
import { createWebhookAlert } from './webhook-alert.js';
import { currentEnv, secretFor, type EnvSource } from '../settings.js';

export { alertSchema, type Alert, type AlertChannel, type AlertInput } from './alert.js';
export { SIGNATURE_HEADER, signBody, verifySignature } from './signature.js';
export { createSlackAlert, slackMessage, type SlackAlertOptions } from './slack.js';
export { createWebhookAlert, type WebhookAlertOptions } from './webhook-alert.js';

/** The channels the environment configures: webhook when `FERRY_ALERT_WEBHOOK_URL` is set, Slack when `SLACK_BOT_TOKEN` and `FERRY_ALERT_SLACK_CHANNEL` are. */
export function channelsFromEnv(env: EnvSource = currentEnv()): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (env.FERRY_ALERT_WEBHOOK_URL) channels.push(createWebhookAlert({ url: env.FERRY_ALERT_WEBHOOK_URL, secret: secretFor('alert', env).value }));
  if (env.SLACK_BOT_TOKEN && env.FERRY_ALERT_SLACK_CHANNEL) channels.push(createSlackAlert({ token: env.SLACK_BOT_TOKEN, channel: env.FERRY_ALERT_SLACK_CHANNEL, apiUrl: env.SLACK_API_URL }));
  return channels;
}

/**
 * Sends an alert to every channel; returns which channels took it and which failed (one failing channel does not
 * stop the others; a failing one is recorded as degraded). No channel configured → the alert goes to the log only.
 */
export async function sendAlert(channels: AlertChannel[], input: AlertInput): Promise<{ sent: string[]; failed: { channel: string; error: string }[] }> {
  const alert = alertSchema.parse(input);
  if (channels.length === 0) log.warn({ alert }, 'alert raised, but no alert channel is configured (FERRY_ALERT_WEBHOOK_URL, SLACK_BOT_TOKEN + FERRY_ALERT_SLACK_CHANNEL)');
  const results = await Promise.allSettled(channels.map((c) => c.send(alert)));
  const sent: string[] = [];
  const failed: { channel: string; error: string }[] = [];
  results.forEach((r, i) => {
    const channel = channels[i]!.name;
    // A receiver that is down is degraded service: logged once, shown in `ferry status`, never thrown at the monitor.
    const service = channel === 'slack' ? outsideService.slack : channel === 'webhook' ? outsideService.alertWebhook : `alert ${channel}`;
    if (r.status === 'fulfilled') {
      sent.push(channel);
      reportUp(service);
    } else {
      failed.push({ channel, error: (r.reason as Error).message });
      reportFailure(service, r.reason);
    }
  });
  return { sent, failed };
}
