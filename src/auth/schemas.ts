import { z } from 'zod';

/** User names as typed on the command line and shown in audits: `alice`, `ci-bot`, `j.doe`. */
export const userNameSchema = z
  .string()
  .min(1, 'expected a user name')
  .max(64, 'expected at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected lower-case letters, digits, ".", "_" or "-" (e.g. "alice")');

export const groupNameSchema = z
  .string()
  .min(1, 'expected a group name')
  .max(64, 'expected at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected lower-case letters, digits, ".", "_" or "-" (e.g. "ml-leads")');

/** Slack member ids look like U0123ABCD (or W… on Enterprise Grid). */
export const slackUserIdSchema = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack member id such as U0123ABCD');

export const newUserSchema = z.object({
  name: userNameSchema,
  displayName: z.string().min(1).max(200).optional(),
  slackUserId: slackUserIdSchema.optional(),
});
export type NewUser = z.input<typeof newUserSchema>;
