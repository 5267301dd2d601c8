import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/auth/bootstrap.js';
import { generateKeyPair } from '../../src/auth/keys.js';
import { ensureKey } from '../../src/auth/signing-keys.js';
import { auditLog, stepRuns } from '../../src/db/schema/index.js';
import { command, definePipeline } from '../../src/dsl/define.js';
import { parsePipeline, type LoadedPipeline } from '../../src/dsl/load.js';
import { rootMessage } from '../../src/core/errors.js';
import { newRunId, startRun } from '../../src/runs/start.js';
import { signRunStart } from '../../src/runs/start-attestation.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';

// Attack #3 of the red-team pass: anyone who can reach the Temporal frontend started a `pipelineRun` with an arbitrary
// command, set `triggeredBy` to another user (dana approved her own run) and skipped submission policies. Starts are
// now signed (who, spec hash, policy verdict, time) and the workflow checks the signature before any step runs.

const [backend] = backends();

async function failureOf(handle: { result(): Promise<unknown> }): Promise<string> {
  const outcome = await handle.result().then(
    (result) => ({ result }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`the run succeeded: ${JSON.stringify(outcome.result)}`);
  return rootMessage(outcome.err);
}

describe('run starts are signed and checked before any step runs', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const taskQueue = uniqueQueue('signed-start');
  const marker = join(mkdtempSync(join(tmpdir(), 'ferry-start-')), 'step-ran');
  const keys = mkdtempSync(join(tmpdir(), 'ferry-start-keys-'));
  const pipeline = (name: string, cmd = `touch ${marker}`): LoadedPipeline =>
    parsePipeline(definePipeline({ name, repo: { path: repo }, build: [command('probe', cmd)] }), `${name}.ts`);
  let repo: string;

  const audited = async (workflowId: string) =>
    database.db.select().from(auditLog).where(and(eq(auditLog.workflowId, workflowId), eq(auditLog.action, 'run.start-refused')));
  const ranSteps = async (workflowId: string) => database.db.select().from(stepRuns).where(eq(stepRuns.workflowId, workflowId));

  beforeAll(async () => {
    database = await backend!.create();
    const { token } = await addUser(database.db, undefined, { name: 'root' });
    await addUser(database.db, token, { name: 'alice', role: 'engineer' });
    await addUser(database.db, token, { name: 'dana', role: 'approver', groups: ['ml-leads'] });
    repo = makeRepo({ 'README.md': 'signed starts\n' });
    temporal = await testClient();
    worker = await startTestWorker({ db: database.db, taskQueue, cwd: repo, extra: { unsignedStarts: 'refuse' } });
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('forged triggeredBy straight in Temporal: the run runs no step and is audited', async () => {
    const loaded = pipeline('forged-start');
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    expect(await failureOf(handle)).toMatch(/run start refused: it is not signed/);
    expect(existsSync(marker)).toBe(false);
    expect(await ranSteps(handle.workflowId)).toEqual([]);
    const [record] = await audited(handle.workflowId);
    expect(record).toMatchObject({ actor: 'unverified', details: { claimedTriggeredBy: 'alice', trigger: 'cli' } });
  });

  it('dana signs a start claiming alice started it (to approve her own run): refused', async () => {
    const dana = await ensureKey(database.db, 'dana', 'user', { dir: keys });
    const handle = await startRun(temporal.client, pipeline('dana-as-alice'), { taskQueue, trigger: 'cli', triggeredBy: 'alice', signer: dana });
    expect(await failureOf(handle)).toMatch(/key ed25519:[0-9a-f]+ belongs to dana, not alice/);
    expect(await ranSteps(handle.workflowId)).toEqual([]);
    expect(await audited(handle.workflowId)).toHaveLength(1);
  });

  it('a key nobody registered cannot sign a start', async () => {
    const handle = await startRun(temporal.client, pipeline('stranger-start'), { taskQueue, trigger: 'cli', triggeredBy: 'alice', signer: generateKeyPair() });
    expect(await failureOf(handle)).toMatch(/is not registered or was revoked/);
    expect(await ranSteps(handle.workflowId)).toEqual([]);
  });

  it('a signed start whose spec was swapped for an arbitrary command afterwards: refused', async () => {
    const alice = await ensureKey(database.db, 'alice', 'user', { dir: keys });
    const honest = pipeline('swapped', 'true');
    const evil = pipeline('swapped', `touch ${marker}`);
    const workflowId = newRunId('swapped');
    const attestation = signRunStart(alice, { workflowId, specHash: honest.specHash, trigger: 'cli', triggeredBy: 'alice', taskQueue });
    const handle = await temporal.client.workflow.start('pipelineRun', {
      workflowId,
      taskQueue,
      args: [{ spec: evil.spec, specHash: evil.specHash, trigger: 'cli', triggeredBy: 'alice', taskQueue, attestation }],
    });
    expect(await failureOf(handle)).toMatch(/specHash differs from what was signed/);
    expect(existsSync(marker)).toBe(false);
    expect(await ranSteps(workflowId)).toEqual([]);
  });

  it('a signed start replayed under another run id: refused', async () => {
    const alice = await ensureKey(database.db, 'alice', 'user', { dir: keys });
    const loaded = pipeline('replayed', 'true');
    const attestation = signRunStart(alice, { workflowId: 'the-original', specHash: loaded.specHash, trigger: 'cli', triggeredBy: 'alice', taskQueue });
    const handle = await temporal.client.workflow.start('pipelineRun', { workflowId: newRunId('replayed'), taskQueue, args: [{ spec: loaded.spec, specHash: loaded.specHash, trigger: 'cli', triggeredBy: 'alice', taskQueue, attestation }] });
    expect(await failureOf(handle)).toMatch(/signed for run the-original/);
  });

  it('held: a start alice signed with her own key runs', async () => {
    const alice = await ensureKey(database.db, 'alice', 'user', { dir: keys });
    const handle = await startRun(temporal.client, pipeline('honest-start', 'true'), { taskQueue, trigger: 'cli', triggeredBy: 'alice', signer: alice });
    await expect(handle.result()).resolves.toMatchObject({ state: 'succeeded' });
    expect(await audited(handle.workflowId)).toEqual([]);
  });
});
