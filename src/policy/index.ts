// Policies as code: declarations, the built-in library, loading and checking.
export { definePolicy, type PolicyDefinition } from './define.js';
export { allowedTaskQueues, maxDriftThreshold, requireApproval, requireGates, requireOwner } from './builtin/index.js';
export type { RequireApprovalOptions, RequireGatesOptions } from './builtin/index.js';
export { checkPolicies, formatViolation } from './check.js';
export { assertPolicies, loadPolicies, policyFiles, type LoadedPolicy } from './load.js';
export type { Policy, PolicyApproval, PolicyContext, PolicyFinding, PolicyPhase, PolicyReport, PolicyViolation } from './types.js';
