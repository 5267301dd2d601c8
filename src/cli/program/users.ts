import { type Command, Option } from 'commander';
import { collect, format } from '../options.js';

/** `ferry users …`: people, roles, groups, tokens and signing keys. */
export function declareUsers(program: Command): void {
  const usersCmd = program.command('users').description('Ferry users, roles (viewer < engineer < approver < admin) and groups');
  usersCmd
    .command('add')
    .description('add a user and print their token once (the first user is the bootstrap admin; afterwards FERRY_TOKEN of an admin)')
    .argument('<name>', 'user name, e.g. alice')
    .addOption(new Option('--role <role>', 'role to grant').choices(['viewer', 'engineer', 'approver', 'admin']))
    .option('--group <group>', 'add to a group (repeatable)', collect, [])
    .option('--slack-id <id>', 'Slack user id (e.g. U0123ABCD) so Slack clicks map to this user')
    .option('--display-name <name>', 'full name shown in messages')
    .addOption(format())
    .action(async (name, opts) => (await import('../commands/users.js')).usersAdd(name, opts));
  usersCmd
    .command('grant')
    .description('grant a role (admin only)')
    .argument('<name>', 'user name')
    .argument('<role>', 'viewer | engineer | approver | admin')
    .action(async (name, role) => (await import('../commands/users.js')).usersGrant(name, role));
  usersCmd
    .command('revoke')
    .description('revoke a role (admin only)')
    .argument('<name>', 'user name')
    .argument('<role>', 'viewer | engineer | approver | admin')
    .action(async (name, role) => (await import('../commands/users.js')).usersRevoke(name, role));
  usersCmd
    .command('join')
    .description('add a user to a group (admin only)')
    .argument('<name>', 'user name')
    .argument('<group>', 'group, e.g. ml-leads')
    .action(async (name, group) => (await import('../commands/users.js')).usersJoin(name, group));
  usersCmd
    .command('leave')
    .description('remove a user from a group (admin only)')
    .argument('<name>', 'user name')
    .argument('<group>', 'group, e.g. ml-leads')
    .action(async (name, group) => (await import('../commands/users.js')).usersLeave(name, group));
  usersCmd
    .command('list')
    .description('list users with their roles and groups (viewer or above)')
    .addOption(format())
    .action(async (opts) => (await import('../commands/users.js')).usersList(opts));
  usersCmd
    .command('disable')
    .description("disable a user: their token, signing keys' pending decisions and Slack clicks stop counting (admin only)")
    .argument('<name>', 'user name')
    .action(async (name) => (await import('../commands/users.js')).usersSetDisabled(name, true));
  usersCmd
    .command('enable')
    .description('enable a disabled user again (admin only)')
    .argument('<name>', 'user name')
    .action(async (name) => (await import('../commands/users.js')).usersSetDisabled(name, false));
  usersCmd
    .command('token')
    .description('issue a new token (printed once); the old one stops working (admin, or a user for themselves)')
    .argument('<name>', 'user name')
    .addOption(format())
    .action(async (name, opts) => (await import('../commands/users.js')).usersToken(name, opts));
  usersCmd
    .command('key')
    .description('rotate your Ed25519 signing key (kept in your config directory); your earlier keys are revoked')
    .addOption(format())
    .action(async (opts) => (await import('../commands/users.js')).usersKey(opts));
}
