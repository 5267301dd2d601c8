import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, runs } from '../../src/db/schema/index.js';
import { approval, command, definePipeline } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { checkRollback, type RollbackRequest, moveAlias, registerVersion, setVersionStatus } from '../../src/registry/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { registration, uniqueRun } from '../registry/fixtures.js';

// Attack #7 of the red-team pass: `ferry rollback --to N` by an approver outside the environment's groups put into
// production a version never approved for it, and one rolled back for drift. `checkRollback` (called by the CLI
// before it starts the promotion) now holds a rollback to the environment's approval rules.

const [backend] = backends();
type Caller = RollbackRequest['caller'];
const MODEL = 'credit';
const outsider: Caller = { name: 'olga', roles: ['approver'], groups: ['marketing'] };
const lead: Caller = { name: 'rita', roles: ['approver'], groups: ['risk'] };
const admin: Caller = { name: 'root', roles: ['admin'], groups: [] };

describe('ferry rollback --to obeys the approval rules', () => {
  let database: TestDatabase;
  const audited = (action: string) => database.db.select().from(auditLog).where(and(eq(auditLog.action, action), eq(auditLog.subjectId, MODEL)));

  beforeAll(async () => {
    database = await backend!.create();
    const { spec, specHash } = parsePipeline(definePipeline({ name: MODEL, train: command('fit', 'true'), deploy: [{ env: 'production', approval: approval({ groups: ['risk'] }) }] }), 'credit.ts');
    // v1 and v2 served production (approved promotions), v2 was then rolled back for drift, v3 serves now, v4 was never approved.
    for (let v = 1; v <= 4; v += 1) {
      const run = uniqueRun('credit');
      await database.db.insert(runs).values({ workflowId: run, temporalRunId: `t-${run}`, pipeline: MODEL, model: MODEL, specHash, spec, trigger: 'cli', status: 'succeeded' });
      await registerVersion(database.db, registration(MODEL, run));
      if (v <= 3) await moveAlias(database.db, { model: MODEL, alias: 'production', toVersion: v, actor: 'rita', reason: `promote v${v}`, idempotencyKey: `move-${v}` });
    }
    await setVersionStatus(database.db, { model: MODEL, version: 2, status: 'rolled-back', actor: 'ferry', reason: 'drift' });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('an approver outside the environment\'s groups is refused, and the refusal is audited', async () => {
    await expect(checkRollback(database.db, { model: MODEL, env: 'production', version: 1, caller: outsider, reason: 'r' })).rejects.toThrow(/olga is not a member of risk, whose members approve production/);
    await expect(checkRollback(database.db, { model: MODEL, env: 'production', caller: outsider, reason: 'r' })).rejects.toThrow(/not a member of risk/);
    expect((await audited('rollback.refused')).map((r) => r.actor)).toEqual(['olga', 'olga']);
  });

  it('a version never approved for the environment is refused', async () => {
    await expect(checkRollback(database.db, { model: MODEL, env: 'production', version: 4, caller: lead, reason: 'r' })).rejects.toThrow(/v4 was never approved for production/);
  });

  it('a version rolled back for drift is refused', async () => {
    await expect(checkRollback(database.db, { model: MODEL, env: 'production', version: 2, caller: lead, reason: 'r' })).rejects.toThrow(/v2 is rolled-back/);
  });

  it('held: a group member may roll back to a version approved for the environment', async () => {
    expect(await checkRollback(database.db, { model: MODEL, env: 'production', version: 1, caller: lead, reason: 'r' })).toEqual({ breakGlass: [] });
  });

  it('an admin may override (break-glass), and it is audited with what was overridden', async () => {
    expect(await checkRollback(database.db, { model: MODEL, env: 'production', version: 4, caller: admin, reason: 'incident 7' })).toEqual({ breakGlass: ['root is not a member of risk, whose members approve production', 'v4 was never approved for production'] });
    const [record] = await audited('rollback.break-glass');
    expect(record).toMatchObject({ actor: 'root', reason: 'incident 7', details: { env: 'production', version: 4, from: 3 } });
  });
});
