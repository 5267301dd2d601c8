import { FerryError } from '../core/errors.js';
import { createSlackClient } from '../slack/client.js';
import type { Alert, AlertChannel } from './alert.js';
import { envValue } from '../settings.js';

export interface SlackAlertOptions {
  /** Bot token (default `SLACK_BOT_TOKEN`). */
  token?: string;
  /** Channel id or name (default `FERRY_ALERT_SLACK_CHANNEL`). */
  channel?: string;
  /** Base URL of Slack's Web API (default `SLACK_API_URL`, else Slack itself). */
  apiUrl?: string;
}

const ICON: Record<Alert['severity'], string> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' };

/** The message blocks of an alert: a header line, the text, and model/env/incident context. */
export function slackMessage(alert: Alert): { text: string; blocks: unknown[] } {
  const text = `${ICON[alert.severity]} ${alert.title}`;
  const context = [alert.model && `model *${alert.model}*`, alert.env && `env *${alert.env}*`, alert.incidentId !== undefined && `incident *#${alert.incidentId}*`, alert.link && `<${alert.link}|details>`].filter(Boolean) as string[];
  return {
    text: `${text}: ${alert.text}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*\n${alert.text}` } },
      ...(context.length ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: context.join('  ·  ') }] }] : []),
    ],
  };
}

/** Posts alerts to a Slack channel with `chat.postMessage` (through `SLACK_API_URL` when set, as tests do). */
export function createSlackAlert(options: SlackAlertOptions = {}): AlertChannel {
  const token = options.token ?? envValue('SLACK_BOT_TOKEN');
  if (!token) throw new FerryError('slack alerts: no bot token; set SLACK_BOT_TOKEN (a xoxb- token with chat:write)');
  const channel = options.channel ?? envValue('FERRY_ALERT_SLACK_CHANNEL');
  if (!channel) throw new FerryError('slack alerts: no channel; set FERRY_ALERT_SLACK_CHANNEL (e.g. #ml-alerts or a channel id)');
  const client = createSlackClient({ botToken: token, apiUrl: options.apiUrl ?? envValue('SLACK_API_URL') });
  return {
    name: 'slack',
    async send(alert: Alert) {
      try {
        await client.chat.postMessage({ channel, ...slackMessage(alert) } as Parameters<typeof client.chat.postMessage>[0]);
      } catch (err) {
        throw new FerryError(`slack alert to ${channel} failed: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
