import type { Executor } from '../audit/index.js';
import type { FerryEnv } from '../settings.js';
import { UsageError } from '../core/errors.js';
import { createSlackApp, type SlackApp } from './app.js';
import type { ApprovalPort } from './port.js';

/** Whether the environment configures Slack (a bot token plus a signing secret or an app token). */
export function slackConfigured(env: FerryEnv): boolean {
  return Boolean(env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN));
}

/**
 * Builds the Slack app from `SLACK_*` (for `ferry dev` and `ferry slack`): Socket Mode when `SLACK_APP_TOKEN` is set,
 * HTTP otherwise; `SLACK_API_URL` redirects the Web API client. Returns undefined when Slack is not configured.
 */
export function slackAppFromEnv(env: FerryEnv, deps: { db: Executor; approvals: ApprovalPort; port?: number; host?: string }): SlackApp | undefined {
  if (!env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) return undefined;
  if (!env.SLACK_BOT_TOKEN) throw new UsageError('SLACK_BOT_TOKEN is not set; set it (xoxb-…) with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN, or unset SLACK_* to approve from the CLI only');
  return createSlackApp({
    botToken: env.SLACK_BOT_TOKEN,
    signingSecret: env.SLACK_SIGNING_SECRET,
    appToken: env.SLACK_APP_TOKEN,
    apiUrl: env.SLACK_API_URL,
    db: deps.db,
    approvals: deps.approvals,
    port: deps.port,
    host: deps.host,
  });
}
