import { isDeepStrictEqual } from 'node:util';
import { inArray } from 'drizzle-orm';
import { authenticate } from '../auth/authenticate.js';
import { hasRole } from '../auth/roles.js';
import { userCount } from '../auth/users.js';
import type { Db } from '../db/client.js';
import { feedback, predictions } from '../db/schema/index.js';
import { HttpError } from './http.js';
import type { FeedbackBody } from './schemas.js';

export interface FeedbackOutcome {
  /** Labels written now. */
  accepted: number;
  /** The same label sent again: nothing changed (a retried request). */
  unchanged: string[];
  /** Labels not written, each with why: no such prediction, already labelled differently, or twice in one request. */
  refused: { requestId: string; reason: string }[];
}

/**
 * Who may send labels: labels drive the monitor (a breach, an incident, an automatic rollback), so `POST /v1/feedback`
 * takes `Authorization: Bearer <token>` of a Ferry user with the engineer role or above. While no user exists (a
 * fresh embedded install, as for the CLI) it is open. Returns the caller's name, or throws 401/403.
 */
export async function authorizeFeedback(db: Db, authorization: string | undefined): Promise<string | undefined> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token && (await userCount(db)) === 0) return undefined;
  if (!token) throw new HttpError(401, 'POST /v1/feedback needs Authorization: Bearer <token> (a Ferry user token with the engineer role; ferry users add)');
  const user = await authenticate(db, token).catch(() => {
    throw new HttpError(401, 'Authorization: invalid or disabled token; ask an admin for one with ferry users token <name>');
  });
  if (!hasRole(user.roles, 'engineer')) throw new HttpError(403, `${user.name} needs the engineer role to send labels (has: ${user.roles.join(', ') || 'none'})`);
  return user.name;
}

/**
 * Stores ground truth by request id, only for predictions this server logged (`flushLog` writes the queued ones first,
 * so a label sent right after its prediction is found). A label is never overwritten: the same label again is
 * `unchanged`, a different one is refused, and a request id twice in one request is refused — none is counted as written.
 */
export async function recordFeedback(db: Db, body: FeedbackBody, flushLog: () => Promise<void> = async () => undefined): Promise<FeedbackOutcome> {
  const outcome: FeedbackOutcome = { accepted: 0, unchanged: [], refused: [] };
  const wanted = new Map<string, unknown>();
  for (const { requestId, label } of body.feedback) {
    if (wanted.has(requestId)) outcome.refused.push({ requestId, reason: 'the request id appears more than once in this request' });
    else wanted.set(requestId, label);
  }
  const ids = [...wanted.keys()];
  const served = async () => new Set((await db.select({ id: predictions.requestId }).from(predictions).where(inArray(predictions.requestId, ids))).map((r) => r.id));
  let known = await served();
  if (known.size < ids.length) {
    await flushLog();
    known = await served();
  }
  const labelled = new Map((await db.select().from(feedback).where(inArray(feedback.requestId, ids))).map((r) => [r.requestId, r.label]));
  const fresh: { requestId: string; label: object }[] = [];
  for (const [requestId, label] of wanted) {
    if (!known.has(requestId)) outcome.refused.push({ requestId, reason: 'no prediction with this request id was served' });
    else if (!labelled.has(requestId)) fresh.push({ requestId, label: label as object });
    else if (isDeepStrictEqual(labelled.get(requestId), label)) outcome.unchanged.push(requestId);
    else outcome.refused.push({ requestId, reason: `already labelled ${JSON.stringify(labelled.get(requestId))}; a label is never overwritten` });
  }
  if (fresh.length > 0) {
    // A concurrent request may label the same id first: only rows really inserted count.
    const written = await db.insert(feedback).values(fresh).onConflictDoNothing().returning({ requestId: feedback.requestId });
    outcome.accepted = written.length;
    const lost = new Set(written.map((w) => w.requestId));
    for (const f of fresh) if (!lost.has(f.requestId)) outcome.refused.push({ requestId: f.requestId, reason: 'labelled by another request at the same time' });
  }
  return outcome;
}
