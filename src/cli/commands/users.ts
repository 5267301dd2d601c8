import { authenticate } from '../../auth/authenticate.js';
import { addUser } from '../../auth/bootstrap.js';
import { requireRole, type Role } from '../../auth/roles.js';
import { addToGroup, grantRole, issueToken, listUsers, removeFromGroup, revokeRole, setDisabled, userCount } from '../../auth/users.js';
import { ensureKey, rotateKey } from '../../auth/signing-keys.js';
import { createDatabase, type Database } from '../../db/client.js';
import { readEnv, type FerryEnv } from '../../settings.js';
import { resolveEndpoints } from '../../stack.js';
import { UsageError } from '../../core/errors.js';
import { printJson, printTable, say } from '../output.js';

/** Users live in Postgres only: these commands need the database, not Temporal. */
async function withDatabase<T>(fn: (database: Database, env: FerryEnv) => Promise<T>): Promise<T> {
  const env = readEnv();
  const database = createDatabase(resolveEndpoints(env, { database: true }).databaseUrl, { max: 2 });
  try {
    return await fn(database, env);
  } finally {
    await database.close();
  }
}

/** Authenticates FERRY_TOKEN and requires admin; returns the admin's name for the audit record. */
async function asAdmin(database: Database, env: FerryEnv, action: string): Promise<string> {
  const caller = await authenticate(database.db, env.FERRY_TOKEN);
  requireRole(caller, 'admin', action);
  return caller.name;
}

/** `ferry users add <name>`: prints the new user's token once (stdout); the first user is the bootstrap admin. */
export async function usersAdd(name: string, opts: { role?: Role; group: string[]; slackId?: string; displayName?: string; format: string }): Promise<void> {
  await withDatabase(async (database, env) => {
    const { user, token, bootstrap } = await addUser(database.db, env.FERRY_TOKEN, {
      name,
      role: opts.role,
      groups: opts.group,
      slackUserId: opts.slackId,
      displayName: opts.displayName,
    });
    // The bootstrap admin is the caller: their signing key is made here, in their own config directory.
    const key = bootstrap ? await ensureKey(database.db, user.name, 'user', { ferryHome: env.FERRY_HOME }) : undefined;
    if (opts.format === 'json') return printJson({ user, token, bootstrap, ...(key ? { keyId: key.keyId } : {}) });
    if (bootstrap) say(`No users yet: ${user.name} is the bootstrap admin.\nYour signing key: ${key!.keyId} (private key in your config directory).`);
    say(`Added ${user.name} (roles: ${user.roles.join(', ')}${user.groups.length ? `; groups: ${user.groups.join(', ')}` : ''}). Their token, shown only now:`);
    process.stdout.write(`${token}\n`);
    say(`They use it with: export FERRY_TOKEN=<token>; 'ferry login' (or their first 'ferry approve') makes their own signing key.`);
  });
}

export async function usersGrant(name: string, role: string): Promise<void> {
  await withDatabase(async (database, env) => {
    const by = await asAdmin(database, env, 'grant roles');
    const changed = await grantRole(database.db, { user: name, role, by });
    say(changed ? `Granted ${role} to ${name}.` : `${name} already has ${role}; nothing changed.`);
  });
}

export async function usersRevoke(name: string, role: string): Promise<void> {
  await withDatabase(async (database, env) => {
    const by = await asAdmin(database, env, 'revoke roles');
    const changed = await revokeRole(database.db, { user: name, role, by });
    say(changed ? `Revoked ${role} from ${name}.` : `${name} does not have ${role}; nothing changed.`);
  });
}

export async function usersJoin(name: string, group: string): Promise<void> {
  await withDatabase(async (database, env) => {
    const by = await asAdmin(database, env, 'change groups');
    const changed = await addToGroup(database.db, { user: name, group, by });
    say(changed ? `Added ${name} to ${group}.` : `${name} is already in ${group}; nothing changed.`);
  });
}

export async function usersLeave(name: string, group: string): Promise<void> {
  await withDatabase(async (database, env) => {
    const by = await asAdmin(database, env, 'change groups');
    const changed = await removeFromGroup(database.db, { user: name, group, by });
    say(changed ? `Removed ${name} from ${group}.` : `${name} is not in ${group}; nothing changed.`);
  });
}

/** `ferry users list`: needs a viewer token once users exist. */
export async function usersList(opts: { format: string }): Promise<void> {
  await withDatabase(async (database, env) => {
    if ((await userCount(database.db)) > 0) requireRole(await authenticate(database.db, env.FERRY_TOKEN), 'viewer', 'list users');
    const rows = await listUsers(database.db);
    if (opts.format === 'json') return printJson(rows);
    if (rows.length === 0) return say("No users yet. Add the first (it becomes the admin) with: npx ferry users add <name>");
    printTable(
      rows.map((u) => ({ name: u.name, roles: u.roles.join(','), groups: u.groups.join(','), slack: u.slackUserId, disabled: u.disabled ? 'yes' : '', created: u.createdAt })),
      ['name', 'roles', 'groups', 'slack', 'disabled', 'created'],
    );
  });
}

/** `ferry users disable|enable <name>` (admin): a disabled user's token and pending signed decisions stop working. */
export async function usersSetDisabled(name: string, disabled: boolean): Promise<void> {
  await withDatabase(async (database, env) => {
    const by = await asAdmin(database, env, disabled ? 'disable users' : 'enable users');
    if (disabled && by === name) throw new UsageError(`ferry users disable ${name}: you cannot disable yourself; ask another admin`);
    const changed = await setDisabled(database.db, { user: name, disabled, by });
    say(changed ? `${disabled ? 'Disabled' : 'Enabled'} ${name}.` : `${name} is already ${disabled ? 'disabled' : 'enabled'}; nothing changed.`);
  });
}

/** `ferry users token <name>` (admin, or the user for themselves): a new token, printed once; the old one stops working. */
export async function usersToken(name: string, opts: { format: string }): Promise<void> {
  await withDatabase(async (database, env) => {
    const caller = await authenticate(database.db, env.FERRY_TOKEN);
    if (caller.name !== name) requireRole(caller, 'admin', `rotate ${name}'s token`);
    const token = await issueToken(database.db, { user: name, by: caller.name });
    if (opts.format === 'json') return printJson({ user: name, token });
    say(`New token for ${name}, shown only now (the old one no longer works):`);
    process.stdout.write(`${token}\n`);
  });
}

/** `ferry users key`: a new signing key for the caller in their config directory; their other keys are revoked. */
export async function usersKey(opts: { format: string }): Promise<void> {
  await withDatabase(async (database, env) => {
    const caller = await authenticate(database.db, env.FERRY_TOKEN);
    const key = await rotateKey(database.db, caller.name, 'user', { ferryHome: env.FERRY_HOME });
    if (opts.format === 'json') return printJson({ user: caller.name, keyId: key.keyId, file: key.file });
    say(`New signing key for ${caller.name}: ${key.keyId} (${key.file}); earlier keys are revoked.`);
  });
}

/** `ferry login`: authenticates FERRY_TOKEN and makes (or reuses) the caller's signing key, registering its public half. */
export async function login(opts: { format: string }): Promise<void> {
  await withDatabase(async (database, env) => {
    const caller = await authenticate(database.db, env.FERRY_TOKEN);
    const key = await ensureKey(database.db, caller.name, 'user', { ferryHome: env.FERRY_HOME });
    if (opts.format === 'json') return printJson({ user: caller.name, keyId: key.keyId });
    say(`Logged in as ${caller.name}; decisions are signed with ${key.keyId} (private key in your config directory, public key in Ferry).`);
  });
}
