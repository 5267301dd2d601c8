import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAudit } from '../../src/audit/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';

const bin = resolve(import.meta.dirname, '../../bin/ferry.mjs');

describe.each(backends())('ferry users ($name)', (backend) => {
  let database: TestDatabase;
  const home = mkdtempSync(join(tmpdir(), 'ferry-users-'));
  const ferry = (args: string[], token?: string) =>
    promisify(execFile)(process.execPath, [bin, 'users', ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: database.url, FERRY_HOME: home, FERRY_CONFIG_DIR: join(home, '..', 'config'), ...(token ? { FERRY_TOKEN: token } : {}) },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
    );
  let admin: string;

  beforeAll(async () => {
    database = await backend.create();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('the first user is the bootstrap admin; the token is printed once, alone, on stdout', async () => {
    const result = await ferry(['add', 'root', '--display-name', 'Root']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ferry_[A-Za-z0-9_-]{43}\n$/);
    expect(result.stderr).toContain('No users yet: root is the bootstrap admin.');
    admin = result.stdout.trim();
  });

  it('afterwards, adding a user needs an admin FERRY_TOKEN', async () => {
    const anonymous = await ferry(['add', 'mallory']);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('FERRY_TOKEN is not set');
    const forged = await ferry(['add', 'mallory'], 'ferry_forged');
    expect(forged).toMatchObject({ code: 1, stdout: '' });
    expect(forged.stderr).toBe('ferry: invalid FERRY_TOKEN; ask an admin for a token with `ferry users add`\n');
    const added = await ferry(['add', 'bob', '--role', 'approver', '--group', 'ml-leads', '--slack-id', 'UBOB123'], admin);
    expect(added.code).toBe(0);
    const bobToken = added.stdout.trim();
    const notAdmin = await ferry(['add', 'mallory'], bobToken);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toContain('bob needs the admin role to add users (has: approver)');
  });

  it('grant and revoke need an admin and are audited with the admin as actor', async () => {
    expect((await ferry(['grant', 'bob', 'engineer'], admin)).code).toBe(0);
    expect((await ferry(['revoke', 'bob', 'engineer'], admin)).code).toBe(0);
    const bad = await ferry(['grant', 'bob', 'overlord'], admin);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('role: ');
    const audit = await queryAudit(database.db, { actor: 'root', action: 'role.*' });
    expect(audit.map((r) => [r.action, r.subjectId, (r.details as { role: string }).role])).toEqual([
      ['role.granted', 'bob', 'approver'],
      ['role.granted', 'bob', 'engineer'],
      ['role.revoked', 'bob', 'engineer'],
    ]);
  });

  it('list needs a token and shows roles and groups', async () => {
    expect((await ferry(['list'])).code).toBe(1);
    const listed = await ferry(['list', '--format', 'json'], admin);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((u: { name: string; roles: string[]; groups: string[]; slackUserId: string | null }) => [u.name, u.roles, u.groups, u.slackUserId])).toEqual([
      ['bob', ['approver'], ['ml-leads'], 'UBOB123'],
      ['root', ['admin'], [], null],
    ]);
    const table = await ferry(['list'], admin);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+ROLES\s+GROUPS\s+SLACK/);
  });

  it('disable, enable, token and key rotation: audited, and the old token or a disabled user stops working', async () => {
    const added = await ferry(['add', 'dana', '--role', 'approver'], admin);
    const dana = added.stdout.trim();
    expect((await ferry(['disable', 'dana'], dana)).code).toBe(1);
    expect((await ferry(['disable', 'dana'], admin)).code).toBe(0);
    expect((await ferry(['list'], dana)).stderr).toContain('invalid FERRY_TOKEN');
    expect((await ferry(['enable', 'dana'], admin)).code).toBe(0);
    const rotated = await ferry(['token', 'dana'], admin);
    expect(rotated.code).toBe(0);
    const fresh = rotated.stdout.trim();
    expect((await ferry(['list'], dana)).code).toBe(1);
    expect((await ferry(['list'], fresh)).code).toBe(0);
    const key = await ferry(['key', '--format', 'json'], fresh);
    expect(key.code, key.stderr).toBe(0);
    expect(JSON.parse(key.stdout)).toMatchObject({ user: 'dana', keyId: expect.stringMatching(/^ed25519:/) });
    const audit = await queryAudit(database.db, { limit: 1000 });
    const actions = audit.filter((r) => r.subjectId === 'dana').map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['user.disabled', 'user.enabled', 'user.token-issued', 'key.registered']));
  });
});
