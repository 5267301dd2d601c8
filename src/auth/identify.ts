import { userInfo } from 'node:os';
import type { Executor } from '../audit/index.js';
import { authenticate } from './authenticate.js';
import type { FerryUser } from './roles.js';
import { userCount } from './users.js';
import { envValue } from '../settings.js';

/**
 * Who is calling: the user of FERRY_TOKEN; or, while no user exists yet (a fresh embedded install), the operating-system
 * user as a local admin, so a newcomer can run pipelines before setting up RBAC. Once a user exists, tokens are required.
 */
export async function identify(db: Executor, token: string | undefined): Promise<FerryUser & { local?: boolean }> {
  if (token || (await userCount(db)) > 0) return authenticate(db, token);
  const name = (envValue('USER') ?? userInfo().username ?? 'local').toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return { name, displayName: null, slackUserId: null, roles: ['admin'], groups: [], local: true };
}
