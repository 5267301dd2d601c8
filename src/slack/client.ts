import { webApi } from '@slack/bolt';

/** A Slack Web API client for code outside the Bolt app (activities posting requests and reminders). */
export function createSlackClient(options: { botToken: string; apiUrl?: string }): webApi.WebClient {
  return new webApi.WebClient(options.botToken, { slackApiUrl: options.apiUrl, retryConfig: { retries: 2 } });
}
