import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/auth/bootstrap.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { auditLog, feedback, servingRoutes } from '../../src/db/schema/index.js';
import { openIncident } from '../../src/incidents/index.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { runFerry } from '../helpers/cli.js';
import { registerToyVersions, toyPredictor } from '../serve/fixtures.js';

// Attacks #5 and #9 of the red-team pass: unauthenticated labels drove the monitor (150 wrong labels forced a breach,
// an incident and a rollback attempt), an existing label was overwritten silently, a reused request id was counted as
// written; `ferry incidents ack/resolve --by dana` needed no token and wrote the audit log under any name.

const [backend] = backends();

describe('every door that changes state is authenticated', () => {
  let database: TestDatabase;
  let server: ModelServer;
  const tokens: Record<string, string> = {};
  const label = (token: string | undefined, items: { requestId: string; label: unknown }[]) =>
    fetch(`${server.url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ feedback: items }) });
  const labels = async () => (await database.db.select().from(feedback).orderBy(feedback.requestId)).map((r) => [r.requestId, r.label]);

  beforeAll(async () => {
    database = await backend!.create();
    tokens.root = (await addUser(database.db, undefined, { name: 'root' })).token;
    tokens.alex = (await addUser(database.db, tokens.root, { name: 'alex', role: 'engineer' })).token;
    tokens.vera = (await addUser(database.db, tokens.root, { name: 'vera', role: 'viewer' })).token;
    tokens.dana = (await addUser(database.db, tokens.root, { name: 'dana', role: 'approver' })).token;
    await registerToyVersions(database.db, 'doors', { 1: { slope: 2, intercept: 0 } });
    await database.db.insert(servingRoutes).values({ model: 'doors', env: 'production', routes: [{ version: 1, percent: 100 }] });
    server = await createModelServer({ db: database.db, config: configFrom({ predictors: [toyPredictor('doors')] }), port: 0, logger: { flushMs: 60_000 } });
    const served = await fetch(`${server.url}/v1/models/doors/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ x: 1 }, { x: 2 }], requestIds: ['served-1', 'served-2'] }) });
    expect(served.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    await database?.close();
  });

  it('POST /v1/feedback without a token is 401, with a viewer\'s or a disabled token 401/403; nothing is written', async () => {
    expect((await label(undefined, [{ requestId: 'served-1', label: 9 }])).status).toBe(401);
    expect((await label('not-a-token', [{ requestId: 'served-1', label: 9 }])).status).toBe(401);
    const viewer = await label(tokens.vera, [{ requestId: 'served-1', label: 9 }]);
    expect([viewer.status, ((await viewer.json()) as { error: string }).error]).toEqual([403, 'vera needs the engineer role to send labels (has: viewer)']);
    expect(await labels()).toEqual([]);
  });

  it('labels only for request ids the server served (the queued log is flushed first); a duplicate id is refused, not counted', async () => {
    const res = await label(tokens.alex, [{ requestId: 'served-1', label: 2 }, { requestId: 'never-served', label: 1 }, { requestId: 'served-1', label: 3 }]);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      accepted: 1,
      unchanged: [],
      refused: [
        { requestId: 'served-1', reason: 'the request id appears more than once in this request' },
        { requestId: 'never-served', reason: 'no prediction with this request id was served' },
      ],
    });
    expect(await labels()).toEqual([['served-1', 2]]);
  });

  it('an existing label is never overwritten; the same label again is unchanged, not counted as written', async () => {
    const overwrite = await label(tokens.alex, [{ requestId: 'served-1', label: 7 }]);
    expect(overwrite.status).toBe(409);
    expect(await overwrite.json()).toMatchObject({ accepted: 0, refused: [{ requestId: 'served-1', reason: 'already labelled 2; a label is never overwritten' }] });
    const again = await label(tokens.alex, [{ requestId: 'served-1', label: 2 }, { requestId: 'served-2', label: 4 }]);
    expect([again.status, await again.json()]).toEqual([200, { accepted: 1, unchanged: ['served-1'], refused: [] }]);
    expect(await labels()).toEqual([['served-1', 2], ['served-2', 4]]);
  });

  it('ferry incidents ack needs a token, records the authenticated caller, and --by cannot name someone else', async () => {
    const { incident } = await openIncident(database.db, { model: 'doors', env: 'production', kind: 'drift', summary: 'drift on x', idempotencyKey: 'doors-1' });
    const cli = (token: string, ...args: string[]) => runFerry(['incidents', ...args], { env: { DATABASE_URL: database.url, FERRY_TOKEN: token, TEMPORAL_ADDRESS: '', FERRY_HOME: mkdtempSync(join(tmpdir(), 'ferry-doors-')) } });
    const anonymous = await cli('', 'ack', String(incident.id), '--by', 'dana');
    expect([anonymous.code, anonymous.stderr]).toEqual([1, expect.stringMatching(/^ferry: FERRY_TOKEN is not set/)]);
    const impersonated = await cli(tokens.alex!, 'ack', String(incident.id), '--by', 'dana');
    expect([impersonated.code, impersonated.stderr]).toEqual([2, expect.stringMatching(/^ferry: --by dana: you are authenticated as alex/)]);
    const viewer = await cli(tokens.vera!, 'ack', String(incident.id));
    expect([viewer.code, viewer.stderr]).toEqual([1, expect.stringMatching(/^ferry: vera needs the engineer role to acknowledge incidents/)]);
    const ack = await cli(tokens.alex!, 'ack', String(incident.id), '--reason', 'looking');
    expect(ack.code, ack.stderr).toBe(0);
    const records = await database.db.select().from(auditLog).where(and(eq(auditLog.subjectKind, 'incident'), eq(auditLog.subjectId, 'doors@production')));
    expect(records.filter((r) => r.action !== 'incident.opened').map((r) => r.actor)).toEqual(['alex']);
  }, 120_000);
});
