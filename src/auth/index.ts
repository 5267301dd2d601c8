// Identity, RBAC and attested decisions.
export { attestedDecisionSchema, DEFAULT_MAX_AGE_MINUTES, signDecision, verifyDecision } from './attest.js';
export type { AttestedDecision, DecisionVerification, Signer } from './attest.js';
export { authenticate, userBySlackId } from './authenticate.js';
export { addUser, type AddUserInput } from './bootstrap.js';
export { configDir, generateKeyPair, keyIdOf, signPayload, verifyPayload, type KeyPair } from './keys.js';
export { findUser } from './lookup.js';
export { hasRole, requireRole, ROLES, roleSchema, type FerryUser, type Role } from './roles.js';
export { groupNameSchema, slackUserIdSchema, userNameSchema, type NewUser } from './schemas.js';
export { activeKey, ensureKey, registerKey, revokeKeys, rotateKey, type KeyKind } from './signing-keys.js';
export { addToGroup, createUser, grantRole, issueToken, listUsers, removeFromGroup, revokeRole, setDisabled, userCount, type Actor } from './users.js';
