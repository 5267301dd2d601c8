import { eq, inArray } from 'drizzle-orm';
import type { Executor } from '../audit/index.js';
import { groupMembers, roleGrants, users } from '../db/schema/index.js';
import { ROLES, type FerryUser, type Role } from './roles.js';

type UserRow = typeof users.$inferSelect;

/** Attaches roles (lowest first) and groups (sorted) to user rows. */
export async function withGrants(db: Executor, rows: UserRow[]): Promise<(FerryUser & { disabled: boolean; createdAt: Date })[]> {
  if (rows.length === 0) return [];
  const names = rows.map((r) => r.name);
  const grants = await db.select().from(roleGrants).where(inArray(roleGrants.user, names));
  const members = await db.select().from(groupMembers).where(inArray(groupMembers.user, names));
  return rows.map((r) => ({
    name: r.name,
    displayName: r.displayName,
    slackUserId: r.slackUserId,
    disabled: r.disabled,
    createdAt: r.createdAt,
    roles: ROLES.filter((role) => grants.some((g) => g.user === r.name && g.role === role)) as Role[],
    groups: members.filter((m) => m.user === r.name).map((m) => m.group).sort(),
  }));
}

/** One user with roles and groups, or undefined. */
export async function findUser(db: Executor, name: string): Promise<(FerryUser & { disabled: boolean }) | undefined> {
  const rows = await db.select().from(users).where(eq(users.name, name));
  return (await withGrants(db, rows))[0];
}

/** The user mapped to a Slack member id (disabled ones too), or undefined. */
export async function userBySlackIdAny(db: Executor, slackUserId: string): Promise<(FerryUser & { disabled: boolean }) | undefined> {
  const rows = await db.select().from(users).where(eq(users.slackUserId, slackUserId));
  return (await withGrants(db, rows))[0];
}
