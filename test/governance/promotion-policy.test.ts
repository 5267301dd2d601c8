import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals.js';
import { auditLog } from '../../src/db/schema/index.js';
import { approval, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { waitFor } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { failureOf, startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { asUser, seedPeople, trainStep, type Person } from '../lifecycle/fixture.js';

const [backend] = backends();
const api = JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));

// Issue 17, step 9: a promotion-time policy, in the worker's repository, judged in the workflow on the approvals given.
const policy = `import { definePolicy } from ${api};
export default definePolicy({
  name: 'staging-needs-risk',
  description: 'a promotion to staging needs an approval from the risk group',
  check: (spec, ctx) =>
    ctx.phase === 'promote' && ctx.env === 'staging' && !(ctx.approvals ?? []).some((a) => a.decision === 'approve' && (a.groups ?? []).includes('risk'))
      ? ['staging needs an approval from a member of risk']
      : [],
});
`;

describe('promotion-time policies in the workflow', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let people: Record<string, Person>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const taskQueue = uniqueQueue('promote-policy');
  const pipeline = (name: string) =>
    parsePipeline(definePipeline({ name, model: name, train: step('train', 'lc.train', { quality: 0.8 }), deploy: [{ env: 'staging', approval: approval({ groups: ['ml-leads', 'risk'] }), target: 'local' }] }), `${name}.ts`);
  const approveAs = async (name: string, person: Person) => {
    const handle = await startRun(temporal.client, pipeline(name), { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    await waitFor(async () => ((await handle.query(statusQuery)).state === 'waiting' ? true : undefined), 60_000, `${name} to wait`);
    const decided = await decide({ client: temporal.client, db: database.db }, { workflowId: handle.workflowId, decision: 'approve', user: asUser(person), via: 'cli' });
    expect(decided).toMatchObject({ ok: true, result: { outcome: 'approved' } });
    return handle;
  };
  const violations = (workflowId: string) => database.db.select().from(auditLog).where(and(eq(auditLog.workflowId, workflowId), eq(auditLog.action, 'policy.violation')));

  beforeAll(async () => {
    database = await backend!.create();
    people = await seedPeople(database.db);
    temporal = await testClient();
    const repo = makeRepo({ 'package.json': '{ "type": "module" }\n', 'policies/staging.ts': policy });
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [trainStep] }, cwd: repo });
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('refuses the promotion after an approval the policy does not accept: the run fails naming the policy, audited, nothing deployed', async () => {
    const handle = await approveAs('policy-refused', people.bob!);
    await expect(handle.result()).rejects.toThrow();
    const history = await handle.fetchHistory();
    const failure = failureOf(history);
    expect(`${failure?.message} ${failure?.cause?.message ?? ''}`).toContain('staging-needs-risk');
    const [violation, ...more] = await violations(handle.workflowId);
    expect(more).toEqual([]);
    expect(violation).toMatchObject({ actor: 'ferry', subjectKind: 'run', reason: expect.stringContaining('staging needs an approval from a member of risk') });
    expect(violation!.details).toMatchObject({ phase: 'promote', env: 'staging' });
    const status = await handle.query(statusQuery);
    expect(status.stages.map((s) => s.name)).not.toContain('deploy:staging');
  });

  it('lets the promotion go on after an approval from the group the policy asks for', async () => {
    const handle = await approveAs('policy-passed', people.eve!);
    await handle.result().catch(() => undefined); // the local deploy has no model server here; the policy is what counts
    expect(await violations(handle.workflowId)).toEqual([]);
    const status = await handle.query(statusQuery);
    expect(status.stages.map((s) => s.name)).toContain('deploy:staging');
  });
});
