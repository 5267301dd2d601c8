import { LogLevel, webApi } from '@slack/bolt';
import { outsideService, tracked, watchService } from '../health/index.js';
import { envValue } from '../settings.js';

/** Slack's client joins method names onto the base URL, so `SLACK_API_URL` must end with a slash. */
export function slackApiUrl(apiUrl: string | undefined): string | undefined {
  return apiUrl && !apiUrl.endsWith('/') ? `${apiUrl}/` : apiUrl;
}

/**
 * Options every Slack Web API client of Ferry's uses: a few retries, no call that hangs on a silent network, and quiet
 * retries (a Slack that is down is logged once, as `degraded: slack …`, not once per retried request).
 */
export function slackClientOptions(apiUrl: string | undefined): webApi.WebClientOptions {
  const logLevel = envValue('FERRY_LOG_LEVEL') === 'debug' ? LogLevel.DEBUG : LogLevel.ERROR;
  return { slackApiUrl: slackApiUrl(apiUrl), retryConfig: { retries: 2 }, timeout: 15_000, logLevel };
}

/** A Slack Web API client for code outside the Bolt app (activities posting requests and reminders). */
export function createSlackClient(options: { botToken: string; apiUrl?: string }): webApi.WebClient {
  return new webApi.WebClient(options.botToken, slackClientOptions(options.apiUrl));
}

/** Calls Slack, recording the outcome as Slack's health (`ferry status` shows it when degraded); errors still reach the caller. */
export function callSlack<T>(call: () => Promise<T>): Promise<T> {
  return tracked(outsideService.slack, call);
}

/**
 * Checks Slack with `auth.test` now, and again with backoff while it fails: a Slack that is down or unreachable is
 * logged and shown as degraded, never a crash. Returns the function that stops the checks.
 */
export function watchSlack(client: webApi.WebClient): () => void {
  return watchService(outsideService.slack, async () => void (await client.auth.test()), { probeKind: 'call' });
}
