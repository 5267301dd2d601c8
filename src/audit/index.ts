export { AUDIT_ACTIONS, type AuditAction } from './actions.js';
export { appendAudit, auditEntrySchema, type AuditEntry, type AuditRecord } from './append.js';
export type { Executor } from './executor.js';
export { auditHash, canonicalContent, GENESIS_HASH, type AuditContent } from './hash.js';
export { queryAudit, type AuditQuery } from './query.js';
export { auditKey, auditMac, type AuditKey } from './key.js';
export { verifyAuditChain, type AuditVerification } from './verify.js';
