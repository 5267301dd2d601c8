import { FerryError } from '../core/errors.js';
import { hasRole, ROLES, roleSchema, type Role } from '../core/approval-rules.js';

// One list of roles for the workflow-safe approval rules and for RBAC: defined there (it runs in workflow code).
export { hasRole, ROLES, roleSchema, type Role };

/** What RBAC knows about an authenticated user. */
export interface FerryUser {
  name: string;
  displayName: string | null;
  slackUserId: string | null;
  roles: Role[];
  groups: string[];
}

/**
 * Throws a `FerryError` naming the role needed unless `user` holds it or a role above it
 * (viewer < engineer < approver < admin).
 * @example requireRole(user, 'admin')
 */
export function requireRole(user: Pick<FerryUser, 'name' | 'roles'>, role: Role, action?: string): void {
  if (hasRole(user.roles, role)) return;
  throw new FerryError(
    `${user.name} needs the ${role} role${action ? ` to ${action}` : ''} (has: ${user.roles.join(', ') || 'none'}); ask an admin: ferry users grant ${user.name} ${role}`,
    { details: { user: user.name, needed: role, has: user.roles } },
  );
}
