import { authenticate } from '../auth/authenticate.js';
import { requireRole, type FerryUser, type Role } from '../auth/roles.js';
import { openSession, type Session } from './session.js';

/** A session for a mutating command: the caller authenticated by FERRY_TOKEN, holding at least `role`. */
export async function openAuthenticatedSession(role: Role): Promise<Session & { user: FerryUser }> {
  const session = await openSession();
  try {
    const user = await authenticate(session.database.db, session.env.FERRY_TOKEN);
    requireRole(user, role);
    return { ...session, user };
  } catch (err) {
    await session.close();
    throw err;
  }
}
