// Identity, RBAC and attested decisions.
export { attestedDecisionSchema, DEFAULT_MAX_AGE_MINUTES, loadSigningKey, parseSigningKey, signDecision, verifyDecision, verifyFreshDecision } from './attest.js';
export type { AttestedDecision, FreshVerification } from './attest.js';
export { authenticate, userBySlackId } from './authenticate.js';
export { addUser, type AddUserInput } from './bootstrap.js';
export { findUser } from './lookup.js';
export { hasRole, requireRole, ROLES, roleSchema, type FerryUser, type Role } from './roles.js';
export { groupNameSchema, slackUserIdSchema, userNameSchema, type NewUser } from './schemas.js';
export { addToGroup, createUser, grantRole, issueToken, listUsers, removeFromGroup, revokeRole, userCount, type Actor } from './users.js';
