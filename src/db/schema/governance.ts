import { boolean, index, pgTable, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';

/** A Ferry user; the CLI token is stored only as its sha256. */
export const users = pgTable('users', {
  name: text('name').primaryKey(),
  displayName: text('display_name'),
  tokenHash: text('token_hash').unique(),
  slackUserId: text('slack_user_id').unique(),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Roles granted to users: viewer, engineer, approver, admin. */
export const roleGrants = pgTable(
  'role_grants',
  {
    user: text('user')
      .notNull()
      .references(() => users.name),
    role: text('role').notNull(),
    grantedBy: text('granted_by'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.user, t.role] })],
);

export const groupMembers = pgTable(
  'group_members',
  {
    group: text('group').notNull(),
    user: text('user')
      .notNull()
      .references(() => users.name),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.group, t.user] })],
);

/** Approval decisions and refused attempts, per run and environment. */
export const approvals = pgTable(
  'approvals',
  {
  id: serial('id').primaryKey(),
  workflowId: text('workflow_id').notNull(),
  env: text('env').notNull(),
  approver: text('approver').notNull(),
  /** approve | reject | refused (an attempt the rules turned away) | expired. */
  decision: text('decision').notNull(),
  comment: text('comment'),
  /** Why an attempt was refused. */
  reason: text('reason'),
  via: text('via').notNull(),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('approvals_workflow_idx').on(t.workflowId)],
);

/**
 * Ed25519 public keys that may sign decisions and run starts. A `user` key signs as its owner (a Ferry user); a
 * `service` key (the Slack app, the push webhook, the scheduler) signs on behalf of the identity it verified. Private
 * keys never reach Postgres or a worker: they stay in their owner's config directory (src/auth/keys.ts).
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    /** `ed25519:` + the first 32 hex digits of sha256(SPKI DER). */
    keyId: text('key_id').primaryKey(),
    /** A user name (kind `user`) or a service name: `slack`, `webhook`, `scheduler`. */
    owner: text('owner').notNull(),
    kind: text('kind').notNull(),
    /** SPKI DER, base64. */
    publicKey: text('public_key').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('signing_keys_owner_idx').on(t.owner)],
);
