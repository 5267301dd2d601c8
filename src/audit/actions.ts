/**
 * The audited actions. Every state change Ferry makes appends one of these; other dotted names (`area.verb`) are
 * accepted too, so a new subsystem can audit before this list learns its names.
 */
export const AUDIT_ACTIONS = [
  'run.started',
  'run.finished',
  'run.reconciled',
  'reconcile.mismatch',
  'run.terminated',
  'gate.result',
  'approval.decision',
  'approval.refused',
  'deployment.started',
  'deployment.finished',
  'deployment.failed',
  'alias.moved',
  'rollback',
  'policy.violation',
  'model.registered',
  'model.status-changed',
  'user.created',
  'user.updated',
  'user.disabled',
  'user.token-issued',
  'role.granted',
  'role.revoked',
  'user.enabled',
  'key.registered',
  'key.revoked',
  'approval.forgery',
  'run.start-refused',
  'rollback.break-glass',
  'rollback.refused',
  'push.received',
  'model.exported',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Action names: lower-case words joined by dots (`deployment.started`), or a bare word such as `rollback`. */
export const ACTION_PATTERN = /^[a-z][a-z-]*(\.[a-z][a-z-]*)*$/;
