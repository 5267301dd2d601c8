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
