import { sql } from 'drizzle-orm';
import type { Executor } from '../audit/index.js';
import { authenticate } from './authenticate.js';
import { requireRole, type Role } from './roles.js';
import type { NewUser } from './schemas.js';
import { addToGroup, createUser, grantRole, userCount } from './users.js';
import { findUser } from './lookup.js';
import type { FerryUser } from './roles.js';

// Serialises "is this the first user?" across processes: two bootstraps at once must not make two admins.
const BOOTSTRAP_LOCK = 0x66657279;

export interface AddUserInput extends NewUser {
  role?: Role;
  groups?: string[];
}

/**
 * `ferry users add`: the first user ever is the bootstrap admin and needs no token; afterwards the caller's token
 * must belong to an admin. The bootstrap user is made admin; others get `role` (default viewer). Returns the new user (with roles and groups) and their token, once.
 */
export async function addUser(db: Executor, callerToken: string | undefined, input: AddUserInput): Promise<{ user: FerryUser; token: string; bootstrap: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`);
    const bootstrap = (await userCount(tx)) === 0;
    let by = 'bootstrap';
    if (!bootstrap) {
      const caller = await authenticate(tx, callerToken);
      requireRole(caller, 'admin', 'add users');
      by = caller.name;
    }
    const { user, token } = await createUser(tx, { name: input.name, displayName: input.displayName, slackUserId: input.slackUserId, by });
    // admin includes every other role, so the bootstrap user needs nothing else; others default to viewer.
    await grantRole(tx, { user: user.name, role: bootstrap ? 'admin' : (input.role ?? 'viewer'), by });
    for (const group of input.groups ?? []) await addToGroup(tx, { user: user.name, group, by });
    return { user: (await findUser(tx, user.name))!, token, bootstrap };
  });
}
