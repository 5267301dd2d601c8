import { execFileSync } from 'node:child_process';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHmac, randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliases, modelVersions, predictions, servingRoutes, stepRuns } from '../../src/db/schema/index.js';
import { sendLabels, sendPredictions, steadyTraffic } from '../../src/demo/traffic.js';
import { productionWindow } from '../../pipelines/penguins/index.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { runFerry, waitFor } from '../helpers/cli.js';
import { childEnv } from '../process/spawn.js';
import { checkArtifacts, whoRanWhat, type ObjectReader } from './evidence.js';
import { penguinsProject } from './project.js';
import { BUCKET, PUSH_SECRET, startClusterStack, type ClusterStack } from './stack.js';

const say = (line: string) => process.stdout.write(`[cluster] ${line}\n`);

/** `waitFor` that treats a failed check as not yet (servers are restarted under it). */
const until = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> => waitFor(() => check().catch(() => undefined), timeoutMs, what);

// The production topology on real servers, every part its own process and every worker as if on its own machine:
// Temporal Server (four services) on PostgreSQL, Ferry's database on the same PostgreSQL server, MinIO for artifacts,
// a bare git remote, the model server, the push webhook and three `ferry worker`s. A push to the remote goes through
// the signed webhook; the run is taken through train → evaluate → approve → canary → monitor → rollback while the
// worker training is SIGKILLed, the Temporal frontend restarted and PostgreSQL restarted.
describe('the production topology', () => {
  let stack: ClusterStack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await startClusterStack(say);
  }, 15 * 60_000);

  afterAll(async () => {
    await stack?.stop();
  }, 120_000);

  const pushHook = async (commit: string) => {
    const body = JSON.stringify({ ref: 'refs/heads/main', before: '0'.repeat(40), after: commit, deleted: false, repository: { full_name: 'acme/penguins', clone_url: stack.remoteUrl }, pusher: { name: 'erin', email: 'erin@acme.invalid' }, sender: { login: 'erin' }, commits: [] });
    const delivery = randomUUID();
    const res = await fetch(stack.hookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': `sha256=${createHmac('sha256', PUSH_SECRET).update(body).digest('hex')}` } });
    const answer = (await res.json()) as { started: string[] };
    expect(res.status, JSON.stringify(answer)).toBe(202);
    expect(answer.started, JSON.stringify(answer)).toHaveLength(1);
    return answer.started[0]!;
  };
  const approve = async (workflowId: string) => {
    await until(`${workflowId} to wait for its production approval`, async () => {
      const status = await stack.client.workflow.getHandle(workflowId).query(statusQuery);
      if (status.state === 'failed') throw new Error(`${workflowId} failed: ${status.error}`);
      return status.approvals?.some((a) => a.env === 'production') ? true : undefined;
    });
    const out = await runFerry(['approve', workflowId, '--env', 'production', '--comment', 'reviewed'], { cwd: stack.dev, env: childEnv({ ...stack.shared, FERRY_TOKEN: stack.tokens.dana, FERRY_CONFIG_DIR: `${stack.dev}-config` }) });
    expect(out.code, out.stderr).toBe(0);
  };
  const production = async () => (await stack.database.db.select().from(aliases).where(and(eq(aliases.model, 'penguins'), eq(aliases.alias, 'production'))))[0]?.version;

  it('runs, survives a killed worker and restarted servers, and rolls back: every step once, audit intact, artifacts in S3', { timeout: 20 * 60_000 }, async () => {
    const { client, database, serveUrl } = stack;
    const db = database.db;
    const logged: string[] = [];

    // Release 1: pushed at set-up; the webhook starts it from the pushed commit.
    const commit1 = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: stack.dev, encoding: 'utf8' }).trim();
    const run1 = await pushHook(commit1);
    await approve(run1);
    expect(await client.workflow.getHandle(run1).result()).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    const normal = productionWindow({ seed: 1, n: 120 });
    const sent1 = await sendPredictions(serveUrl, 'penguins', 'production', normal.requests);
    await sendLabels(serveUrl, sent1.requestIds, normal.labels, stack.tokens.erin);
    logged.push(...sent1.requestIds);

    // Release 2: a new commit pushed to the remote.
    const commit2 = stack.push(penguinsProject({ url: stack.remoteUrl }, 20), 'penguins: fewer trees');
    const run2 = await pushHook(commit2);
    const handle = client.workflow.getHandle(run2);

    // SIGKILL the worker that is training; another worker on the queue finishes the step.
    const trainer = await until('the train step to be running on a worker', async () => {
      const { raw } = await handle.describe();
      // The held train step heartbeats `{ holding: n }`: that is the moment to kill its worker.
      const holding = (a: { heartbeatDetails?: { payloads?: { data?: Uint8Array | null }[] | null } | null }) => (a.heartbeatDetails?.payloads ?? []).some((p) => Buffer.from(p.data ?? []).toString('utf8').includes('holding'));
      const pending = raw.pendingActivities?.find((a) => a.lastStartedTime && a.lastWorkerIdentity && holding(a));
      return pending ? stack.workers.find((w) => pending.lastWorkerIdentity!.startsWith(`${w.proc.child.pid}@`)) : undefined;
    });
    say(`SIGKILL ${trainer.name} (pid ${trainer.proc.child.pid}) while it trains`);
    process.kill(-trainer.proc.child.pid!, 'SIGKILL');

    // Restart the Temporal frontend once training is done, while the run waits for its approval.
    await until('run 2 to wait for approval', async () => ((await handle.query(statusQuery)).approvals?.length ? true : undefined));
    say('restarting the Temporal frontend');
    await stack.temporal.restartFrontend();
    await approve(run2);

    // Traffic through the canary; PostgreSQL restarted in the middle of it.
    let seed = 100;
    const traffic = steadyTraffic(async () => {
      const window = productionWindow({ seed: seed++, n: 4 });
      const sent = await sendPredictions(serveUrl, 'penguins', 'production', window.requests, 2);
      logged.push(...sent.requestIds);
    }, 100);
    await until('the canary to split traffic', async () => {
      const [route] = await db.select().from(servingRoutes).where(and(eq(servingRoutes.model, 'penguins'), eq(servingRoutes.env, 'production')));
      return route && route.routes.length > 1 ? true : undefined;
    });
    say('restarting PostgreSQL during the canary');
    await stack.pg.restart();
    const result2 = await handle.result();
    await traffic.stop();
    expect(result2).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    expect(await production()).toBe(2);

    // A drifted production window with its labels: the monitor rolls production back to v1.
    const drifted = productionWindow({ seed: 7, n: 300, drift: 'measurement' });
    const sentDrift = await sendPredictions(serveUrl, 'penguins', 'production', drifted.requests);
    logged.push(...sentDrift.requestIds);
    await sendLabels(serveUrl, sentDrift.requestIds, drifted.labels, stack.tokens.erin);
    await until('the monitor to roll production back to v1', async () => ((await production()) === 1 ? true : undefined), 240_000).catch(async (err: unknown) => {
      // What the monitor saw, for the failure's reader: its latest checks (the window, the rules, what they decided).
      const history = await runFerry(['monitor', 'history', 'penguins', '--env', 'production', '--limit', '20'], { cwd: stack.dev, env: childEnv({ ...stack.shared, FERRY_TOKEN: stack.tokens.dana }) });
      say(`monitor history when the wait ended:\n${history.stdout}${history.stderr}`);
      throw err;
    });

    // Each release was trained from its own pushed commit, with that commit's params (no worker's clone was updated).
    const versions = (await db.select().from(modelVersions).where(eq(modelVersions.model, 'penguins'))).sort((a, b) => a.version - b.version);
    expect(versions.map((v) => ({ version: v.version, commit: v.commit, trees: (v.params as { trees: number }).trees }))).toEqual([
      { version: 1, commit: commit1, trees: 30 },
      { version: 2, commit: commit2, trees: 20 },
    ]);
    expect(versions[0]!.artifactSha256).not.toBe(versions[1]!.artifactSha256);

    // No finished step ran twice: one step_runs row per step, and only the killed train step took a second attempt.
    const steps = await db.select().from(stepRuns).where(inArray(stepRuns.workflowId, [run1, run2]));
    for (const s of steps) expect(s.status, `${s.workflowId} ${s.step}`).toBe('succeeded');
    const ran = await whoRanWhat(client, [run1, run2], stack.workerOfPid);
    for (const r of ran.filter((x) => x.step)) expect(r.attempt, `${r.workflowId} ${r.activity}`).toBe(r.workflowId === run2 && r.step === 'train' ? 2 : 1);
    const run2Workers = new Set(ran.filter((r) => r.workflowId === run2).map((r) => r.worker));
    expect(run2Workers.size).toBeGreaterThanOrEqual(2);
    expect(ran.find((r) => r.workflowId === run2 && r.step === 'train')?.worker).not.toBe(trainer.name);

    // Every prediction the gateway acknowledged is in the log (the batch held across the PostgreSQL restart).
    const inLog = await until('every acknowledged prediction in the log', async () => {
      const rows = await db.select({ id: predictions.requestId }).from(predictions).where(inArray(predictions.requestId, logged));
      return rows.length === logged.length ? rows.length : undefined;
    }, 60_000);

    const audit = await runFerry(['audit', 'verify'], { cwd: stack.dev, env: childEnv(stack.shared) });
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    // Each object read back through MinIO's own S3 API and hashed.
    const fromS3: ObjectReader = async (uri) => {
      const key = uri.replace(`s3://${BUCKET}/`, '');
      return (await stack.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body as AsyncIterable<Uint8Array>;
    };
    const artifacts = await checkArtifacts(db, fromS3);
    for (const a of artifacts) {
      expect(a.uri, a.sha256).toMatch(/^s3:\/\//);
      expect(a.actual, a.uri).toBe(a.sha256);
    }

    say('Summary');
    say(`  Temporal Server ${stack.temporal.address}: frontend, history, matching, worker as separate processes; persistence = ${stack.temporal.persistence}`);
    for (const r of ran.filter((x) => x.step)) say(`  ${r.workflowId.padEnd(44)} ${r.step.padEnd(12)} attempt ${r.attempt} on ${r.worker}`);
    say(`  killed ${trainer.name} during train; frontend restarted; PostgreSQL restarted; production rolled back to v${await production()}`);
    say(`  prediction log: ${inLog}/${logged.length} acknowledged predictions recorded (0 lost)`);
    for (const a of artifacts) say(`  artifact ${a.kind.padEnd(8)} ${a.uri}`);
    say(`  audit: ${audit.stdout.trim().split('\n')[0]}; wall time ${Math.round((Date.now() - started) / 1000)} s`);
  });
});
