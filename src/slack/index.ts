// The Slack approval app: messages, the Bolt app and the port it drives.
export { createSlackApp, postApprovalRequest, postThreadReply, type SlackApp, type SlackAppOptions } from './app.js';
export { ACTION_APPROVE, ACTION_REJECT, REJECT_MODAL, approvalRequestMessage, approvalRequestSchema, rejectModal, withStatus, type ApprovalRequest } from './blocks.js';
export { createSlackClient } from './client.js';
export { decideFromSlack } from './clicked-decision.js';
export type { ApprovalPort, ApprovalPortRequest, ApprovalPortResult } from './port.js';
export { slackAppFromEnv, slackConfigured } from './from-env.js';
