import { and, asc, count, eq } from 'drizzle-orm';
import type { z } from 'zod';
import { appendAudit, type Executor } from '../audit/index.js';
import { groupMembers, roleGrants, users } from '../db/schema/index.js';
import { UsageError } from '../core/errors.js';
import { findUser, withGrants } from './lookup.js';
import { roleSchema, type FerryUser, type Role } from './roles.js';
import { groupNameSchema, newUserSchema, userNameSchema, type NewUser } from './schemas.js';
import { hashToken, newToken } from './tokens.js';
import { firstIssue, joinPath } from '../dsl/issues.js';

/** Who made a change, for the audit record; `ferry` when the system itself acts. */
export interface Actor {
  by?: string;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = firstIssue(parsed.error, value);
  throw new UsageError(`${joinPath(what, issue.path)}: ${issue.message}`);
}

async function mustExist(db: Executor, name: string): Promise<FerryUser> {
  const user = await findUser(db, parse(userNameSchema, name, 'user'));
  if (!user) throw new UsageError(`user ${name}: not found; list users with 'ferry users list' or add one with 'ferry users add ${name}'`);
  return user;
}

export async function userCount(db: Executor): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

/**
 * Creates a user and returns their CLI token. The token is returned ONCE: only its sha256 is stored.
 * @example const { token } = await createUser(db, { name: 'alice', slackUserId: 'U0123ABCD', by: 'admin' })
 */
export async function createUser(db: Executor, input: NewUser & Actor): Promise<{ user: FerryUser; token: string }> {
  const fields = parse(newUserSchema, input, 'user');
  const token = newToken();
  return db.transaction(async (tx) => {
    if (await findUser(tx, fields.name)) throw new UsageError(`user ${fields.name}: already exists; pick another name, or change it with 'ferry users grant'`);
    if (fields.slackUserId) {
      const [holder] = await tx.select({ name: users.name }).from(users).where(eq(users.slackUserId, fields.slackUserId));
      if (holder) throw new UsageError(`--slack-id ${fields.slackUserId}: already mapped to user ${holder.name}; each Slack member maps to one Ferry user`);
    }
    await tx.insert(users).values({ name: fields.name, displayName: fields.displayName ?? null, slackUserId: fields.slackUserId ?? null, tokenHash: hashToken(token) });
    await appendAudit(tx, {
      actor: input.by ?? 'ferry',
      action: 'user.created',
      subjectKind: 'user',
      subjectId: fields.name,
      details: { displayName: fields.displayName, slackUserId: fields.slackUserId },
    });
    return { user: { name: fields.name, displayName: fields.displayName ?? null, slackUserId: fields.slackUserId ?? null, roles: [], groups: [] }, token };
  });
}

/** Replaces a user's token (the old one stops working) and returns the new one, once. */
export async function issueToken(db: Executor, input: { user: string } & Actor): Promise<string> {
  const token = newToken();
  await db.transaction(async (tx) => {
    await mustExist(tx, input.user);
    await tx.update(users).set({ tokenHash: hashToken(token) }).where(eq(users.name, input.user));
    await appendAudit(tx, { actor: input.by ?? 'ferry', action: 'user.token-issued', subjectKind: 'user', subjectId: input.user });
  });
  return token;
}

/** Grants a role; granting one already held changes nothing and returns false. */
export async function grantRole(db: Executor, input: { user: string; role: Role | string } & Actor): Promise<boolean> {
  const role = parse(roleSchema, input.role, 'role');
  return db.transaction(async (tx) => {
    const user = await mustExist(tx, input.user);
    if (user.roles.includes(role)) return false;
    await tx.insert(roleGrants).values({ user: user.name, role, grantedBy: input.by ?? 'ferry' });
    await appendAudit(tx, { actor: input.by ?? 'ferry', action: 'role.granted', subjectKind: 'user', subjectId: user.name, details: { role } });
    return true;
  });
}

/** Revokes a role; revoking one not held changes nothing and returns false. */
export async function revokeRole(db: Executor, input: { user: string; role: Role | string } & Actor): Promise<boolean> {
  const role = parse(roleSchema, input.role, 'role');
  return db.transaction(async (tx) => {
    const user = await mustExist(tx, input.user);
    if (!user.roles.includes(role)) return false;
    await tx.delete(roleGrants).where(and(eq(roleGrants.user, user.name), eq(roleGrants.role, role)));
    await appendAudit(tx, { actor: input.by ?? 'ferry', action: 'role.revoked', subjectKind: 'user', subjectId: user.name, details: { role } });
    return true;
  });
}

/** Adds a user to a group (groups exist by having members); already a member → false. */
export async function addToGroup(db: Executor, input: { user: string; group: string } & Actor): Promise<boolean> {
  const group = parse(groupNameSchema, input.group, 'group');
  return db.transaction(async (tx) => {
    const user = await mustExist(tx, input.user);
    if (user.groups.includes(group)) return false;
    await tx.insert(groupMembers).values({ user: user.name, group });
    await appendAudit(tx, { actor: input.by ?? 'ferry', action: 'group.added', subjectKind: 'user', subjectId: user.name, details: { group } });
    return true;
  });
}

/** Removes a user from a group; not a member → false. */
export async function removeFromGroup(db: Executor, input: { user: string; group: string } & Actor): Promise<boolean> {
  const group = parse(groupNameSchema, input.group, 'group');
  return db.transaction(async (tx) => {
    const user = await mustExist(tx, input.user);
    if (!user.groups.includes(group)) return false;
    await tx.delete(groupMembers).where(and(eq(groupMembers.user, user.name), eq(groupMembers.group, group)));
    await appendAudit(tx, { actor: input.by ?? 'ferry', action: 'group.removed', subjectKind: 'user', subjectId: user.name, details: { group } });
    return true;
  });
}

/** Every user with roles and groups, by name. */
export async function listUsers(db: Executor): Promise<(FerryUser & { disabled: boolean; createdAt: Date })[]> {
  return withGrants(db, await db.select().from(users).orderBy(asc(users.name)));
}

/**
 * Disables or enables a user: a disabled user's token stops working and their pending signed decisions are refused
 * (verification looks them up). Unchanged → false.
 */
export async function setDisabled(db: Executor, input: { user: string; disabled: boolean } & Actor): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ disabled: users.disabled }).from(users).where(eq(users.name, parse(userNameSchema, input.user, 'user')));
    if (!row) throw new UsageError(`user ${input.user}: not found; list users with 'ferry users list'`);
    if (row.disabled === input.disabled) return false;
    await tx.update(users).set({ disabled: input.disabled }).where(eq(users.name, input.user));
    await appendAudit(tx, { actor: input.by ?? 'ferry', action: input.disabled ? 'user.disabled' : 'user.enabled', subjectKind: 'user', subjectId: input.user });
    return true;
  });
}
