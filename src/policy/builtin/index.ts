export { allowedTaskQueues } from './allowed-task-queues.js';
export { maxDriftThreshold } from './max-drift-threshold.js';
export { requireApproval, type RequireApprovalOptions } from './require-approval.js';
export { requireGates, type RequireGatesOptions } from './require-gates.js';
export { requireOwner } from './require-owner.js';
