import { eq } from 'drizzle-orm';
import type { Executor } from '../audit/index.js';
import { users } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { withGrants } from './lookup.js';
import type { FerryUser } from './roles.js';
import { hashToken } from './tokens.js';

const publicUser = ({ name, displayName, slackUserId, roles, groups }: FerryUser): FerryUser => ({ name, displayName, slackUserId, roles, groups });

const invalid = () => new FerryError('invalid FERRY_TOKEN; ask an admin for a token with `ferry users add`');

/**
 * The user a CLI token belongs to, with roles and groups; a missing, unknown or disabled user's token throws
 * `FerryError('invalid FERRY_TOKEN; …')`.
 * @example const user = await authenticate(db, envValue('FERRY_TOKEN'))
 */
export async function authenticate(db: Executor, token: string | undefined): Promise<FerryUser> {
  if (!token) throw new FerryError('FERRY_TOKEN is not set; ask an admin for a token with `ferry users add`, then export FERRY_TOKEN=<token>');
  const rows = await db.select().from(users).where(eq(users.tokenHash, hashToken(token.trim())));
  const [user] = await withGrants(db, rows);
  if (!user || user.disabled) throw invalid();
  return publicUser(user);
}

/** The Ferry user mapped to a Slack member id (`ferry users add --slack-id`), or undefined (also when disabled). */
export async function userBySlackId(db: Executor, slackUserId: string): Promise<FerryUser | undefined> {
  const rows = await db.select().from(users).where(eq(users.slackUserId, slackUserId));
  const [user] = await withGrants(db, rows);
  return user && !user.disabled ? publicUser(user) : undefined;
}
