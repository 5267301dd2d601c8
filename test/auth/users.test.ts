import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAudit } from '../../src/audit/index.js';
import {
  addToGroup,
  addUser,
  authenticate,
  createUser,
  grantRole,
  issueToken,
  listUsers,
  removeFromGroup,
  requireRole,
  revokeRole,
  userBySlackId,
} from '../../src/auth/index.js';
import { hashToken } from '../../src/auth/tokens.js';
import { users } from '../../src/db/schema/index.js';
import { FerryError, UsageError } from '../../src/core/errors.js';
import { backends, type TestDatabase } from '../helpers/db.js';

describe.each(backends())('identity and RBAC ($name)', (backend) => {
  let database: TestDatabase;
  let adminToken: string;

  beforeAll(async () => {
    database = await backend.create();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('bootstraps the first user as admin without a caller token, and audits it', async () => {
    const { user, token, bootstrap } = await addUser(database.db, undefined, { name: 'root', displayName: 'Root Admin' });
    expect(bootstrap).toBe(true);
    expect(user).toMatchObject({ name: 'root', roles: ['admin'], groups: [] });
    expect(token).toMatch(/^ferry_[A-Za-z0-9_-]{43}$/);
    adminToken = token;
    const audit = await queryAudit(database.db, { actor: 'bootstrap' });
    expect(audit.map((r) => [r.action, r.subjectId, r.details])).toEqual([
      ['user.created', 'root', { displayName: 'Root Admin' }],
      ['role.granted', 'root', { role: 'admin' }],
    ]);
  });

  it('stores only the token\'s sha256, never the token', async () => {
    const [row] = await database.db.select().from(users).where(eq(users.name, 'root'));
    expect(row!.tokenHash).toBe(hashToken(adminToken));
    expect(JSON.stringify(row)).not.toContain(adminToken);
    const audit = await queryAudit(database.db, {});
    expect(JSON.stringify(audit)).not.toContain(adminToken);
  });

  it('after bootstrap, adding a user needs an admin token', async () => {
    await expect(addUser(database.db, undefined, { name: 'mallory' })).rejects.toThrow('FERRY_TOKEN is not set');
    await expect(addUser(database.db, 'ferry_forged', { name: 'mallory' })).rejects.toThrow('invalid FERRY_TOKEN; ask an admin for a token with `ferry users add`');
    const { user, token, bootstrap } = await addUser(database.db, adminToken, { name: 'alice', role: 'engineer', slackUserId: 'UALICE1' });
    expect(bootstrap).toBe(false);
    expect(user).toMatchObject({ name: 'alice', roles: ['engineer'], slackUserId: 'UALICE1' });
    await expect(addUser(database.db, token, { name: 'mallory' })).rejects.toThrow('alice needs the admin role to add users (has: engineer); ask an admin: ferry users grant alice admin');
    const names = (await listUsers(database.db)).map((u) => u.name);
    expect(names).toEqual(['alice', 'root']);
  });

  it('a new user without --role is a viewer; groups are set at creation', async () => {
    const { user } = await addUser(database.db, adminToken, { name: 'bob', groups: ['ml-leads', 'data'], slackUserId: 'UBOB22' });
    expect(user).toMatchObject({ roles: ['viewer'], groups: ['data', 'ml-leads'] });
  });

  it('authenticates a token to the user with roles and groups', async () => {
    const token = await issueToken(database.db, { user: 'bob', by: 'root' });
    expect(await authenticate(database.db, token)).toEqual({ name: 'bob', displayName: null, slackUserId: 'UBOB22', roles: ['viewer'], groups: ['data', 'ml-leads'] });
    const again = await issueToken(database.db, { user: 'bob', by: 'root' });
    await expect(authenticate(database.db, token)).rejects.toThrow(FerryError);
    expect((await authenticate(database.db, again)).name).toBe('bob');
  });

  it('grants and revokes roles, idempotently, auditing only real changes', async () => {
    expect(await grantRole(database.db, { user: 'bob', role: 'approver', by: 'root' })).toBe(true);
    expect(await grantRole(database.db, { user: 'bob', role: 'approver', by: 'root' })).toBe(false);
    expect((await userBySlackId(database.db, 'UBOB22'))?.roles).toEqual(['viewer', 'approver']);
    expect(await revokeRole(database.db, { user: 'bob', role: 'viewer', by: 'root' })).toBe(true);
    expect(await revokeRole(database.db, { user: 'bob', role: 'viewer', by: 'root' })).toBe(false);
    const audit = await queryAudit(database.db, { action: 'role.*', actor: 'root' });
    // The first grant is bob's default viewer role from `addUser`.
    expect(audit.filter((r) => r.subjectId === 'bob').map((r) => [r.action, r.details])).toEqual([
      ['role.granted', { role: 'viewer' }],
      ['role.granted', { role: 'approver' }],
      ['role.revoked', { role: 'viewer' }],
    ]);
  });

  it('adds to and removes from groups, audited as group.added / group.removed', async () => {
    expect(await addToGroup(database.db, { user: 'alice', group: 'risk', by: 'root' })).toBe(true);
    expect(await addToGroup(database.db, { user: 'alice', group: 'risk', by: 'root' })).toBe(false);
    expect(await removeFromGroup(database.db, { user: 'alice', group: 'risk', by: 'root' })).toBe(true);
    expect(await removeFromGroup(database.db, { user: 'alice', group: 'risk', by: 'root' })).toBe(false);
    const audit = await queryAudit(database.db, { action: 'group.*' });
    expect(audit.filter((r) => r.subjectId === 'alice').map((r) => [r.actor, r.action, r.details])).toEqual([
      ['root', 'group.added', { group: 'risk' }],
      ['root', 'group.removed', { group: 'risk' }],
    ]);
  });

  it('refuses bad input with the field and the fix', async () => {
    await expect(createUser(database.db, { name: 'Alice Smith' })).rejects.toThrow(UsageError);
    await expect(createUser(database.db, { name: 'alice' })).rejects.toThrow('user alice: already exists');
    await expect(createUser(database.db, { name: 'carol', slackUserId: 'UBOB22' })).rejects.toThrow('--slack-id UBOB22: already mapped to user bob');
    await expect(createUser(database.db, { name: 'carol', slackUserId: 'not-slack' })).rejects.toThrow('user.slackUserId: expected a Slack member id');
    await expect(grantRole(database.db, { user: 'alice', role: 'superuser' })).rejects.toThrow(/^role: /);
    await expect(grantRole(database.db, { user: 'nobody', role: 'viewer' })).rejects.toThrow("user nobody: not found; list users with 'ferry users list'");
  });

  it('maps Slack member ids to users; an unknown id maps to nobody', async () => {
    expect((await userBySlackId(database.db, 'UALICE1'))?.name).toBe('alice');
    expect(await userBySlackId(database.db, 'UNKNOWN1')).toBeUndefined();
  });

  it('a disabled user can neither authenticate nor be found by Slack id', async () => {
    const { token } = await createUser(database.db, { name: 'dora', slackUserId: 'UDORA1' });
    await database.db.update(users).set({ disabled: true }).where(eq(users.name, 'dora'));
    await expect(authenticate(database.db, token)).rejects.toThrow('invalid FERRY_TOKEN');
    expect(await userBySlackId(database.db, 'UDORA1')).toBeUndefined();
  });

  it('requireRole: a role includes the ones below it and names the role needed', () => {
    expect(() => requireRole({ name: 'a', roles: ['admin'] }, 'approver')).not.toThrow();
    expect(() => requireRole({ name: 'e', roles: ['engineer'] }, 'viewer')).not.toThrow();
    expect(() => requireRole({ name: 'v', roles: ['viewer'] }, 'approver')).toThrow('v needs the approver role (has: viewer); ask an admin: ferry users grant v approver');
    expect(() => requireRole({ name: 'n', roles: [] }, 'viewer')).toThrow(FerryError);
  });

  it('two concurrent bootstraps on an empty database make exactly one admin', async () => {
    const fresh = await backend.create();
    try {
      const results = await Promise.allSettled([addUser(fresh.db, undefined, { name: 'first' }), addUser(fresh.db, undefined, { name: 'second' })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([expect.stringContaining('FERRY_TOKEN is not set')]);
      expect((await listUsers(fresh.db)).map((u) => u.roles)).toEqual([['admin']]);
    } finally {
      await fresh.close();
    }
  });
});
