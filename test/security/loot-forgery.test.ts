import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import canonicalize from 'canonicalize';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepUserFrom } from '../../activities/step-isolation.js';
import { verifyAuditChain } from '../../src/audit/index.js';
import { signDecision } from '../../src/auth/attest.js';
import { generateKeyPair } from '../../src/auth/keys.js';
import { ensureKey } from '../../src/auth/signing-keys.js';
import { approvals, auditLog, stepRuns } from '../../src/db/schema/index.js';
import { approval, command, definePipeline, gate, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { decideUpdate } from '../../workflows/approval.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { waitFor } from '../helpers/cli.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { setWorkerEnv } from './worker-env.js';
import { seedPeople, trainStep } from '../lifecycle/fixture.js';

// End to end, on the real dev server, with FERRY_STEP_USER=nobody as in production: a pipeline's own command step
// collects everything it can reach (env, /proc/*/environ, FERRY_HOME, secret-looking files), and the test, as the
// attacker, forges approval decisions for that very run from the loot and sends them as the workflow's `decide`
// Update. Each is refused, audited as `approval.forgery` under `unverified` with the claimed name in the details
// (attack #9b: never under the claimed user), and the run still waits. Attack #1e too: a failing step whose output
// echoes a secret leaves no secret in the failure Ferry reports or the log it stores, and the log is 0600.

const [backend] = backends();

const LOOT = [
  'env',
  'for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null; done',
  'HOME_DIR=$(cd "$FERRY_WORKSPACE/../.." && pwd); ls -la "$HOME_DIR"',
  'for f in $(find "$HOME_DIR" /tmp /root -xdev -maxdepth 6 \\( -name "*.key" -o -name "*-key" -o -name "*.pem" -o -name "pg-password" -o -name "*secret*" \\) 2>/dev/null); do echo "== $f"; cat "$f"; done',
  'echo "--- done"',
].join('; ');

/** Every message of an error and its causes. */
const messages = (err: unknown): string => (err instanceof Error ? `${err.message}\n${messages(err.cause)}` : '');

describe('a decision forged from what a pipeline step collected is refused and audited as a forgery', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const home = mkdtempSync(join(tmpdir(), 'ferry-forge-home-'));
  const taskQueue = uniqueQueue('forge');
  const secrets = { FERRY_SIGNING_KEY: randomBytes(32).toString('hex'), FERRY_WEBHOOK_SECRET: `hook-${randomBytes(12).toString('hex')}`, SLACK_SIGNING_SECRET: `slack-${randomBytes(12).toString('hex')}` };
  let restoreEnv: (() => void) | undefined;
  let workflowId = '';
  let loot = '';
  let bobKeyId = '';

  beforeAll(async () => {
    database = await backend!.create();
    await seedPeople(database.db);
    bobKeyId = (await ensureKey(database.db, 'bob', 'user', { dir: mkdtempSync(join(tmpdir(), 'ferry-bob-config-')) })).keyId;
    restoreEnv = setWorkerEnv({ ...secrets, DATABASE_URL: database.url });
    // What an older version left in FERRY_HOME: the shared HMAC key, 0600.
    writeFileSync(join(home, 'signing.key'), `${secrets.FERRY_SIGNING_KEY}\n`, { mode: 0o600 });
    temporal = await testClient();
    // A repository with a committed secret: the failing step below prints it.
    const repo = makeRepo({ 'README.md': 'forge\n', 'leaked.env': `FERRY_WEBHOOK_SECRET=${secrets.FERRY_WEBHOOK_SECRET}\n` });
    worker = await startTestWorker({ db: database.db, taskQueue, home, cwd: repo, config: { steps: [trainStep] }, extra: { stepUser: stepUserFrom('nobody') } });
    const pipeline = parsePipeline(
      definePipeline({
        name: 'forge',
        model: 'forge-model',
        owner: 'alice',
        build: [command('loot', `(${LOOT}) > out/loot.txt 2>&1; true`, { outputs: 'out' })],
        train: step('train', 'lc.train', { quality: 0.9 }),
        evaluate: { gates: [gate.min('accuracy', 0.5)] },
        deploy: [{ env: 'staging', approval: approval({ groups: ['ml-leads'] }) }],
      }),
      'forge.ts',
    );
    const handle = await startRun(temporal.client, pipeline, { taskQueue, trigger: 'alice' });
    workflowId = handle.workflowId;
    await waitFor(async () => ((await handle.query(statusQuery)).approvals?.some((a) => a.env === 'staging') ? true : undefined), 120_000, 'the run to wait for staging');
    loot = readFileSync(join(home, 'workspaces', workflowId, 'out', 'loot.txt'), 'utf8');
  });
  afterAll(async () => {
    restoreEnv?.();
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('the step ran as nobody, tried everything, and learned no secret', () => {
    expect(loot).toMatch(/USER=nobody/);
    expect(loot).toContain('--- done');
    for (const [name, value] of Object.entries(secrets)) expect(loot, name).not.toContain(value);
    expect(loot).not.toContain(database.url);
    expect(loot).not.toContain('FERRY_AUDIT_SECRET');
  });

  it('every decision forged from the loot is refused, audited as approval.forgery under unverified, and the run still waits', async () => {
    const base = { env: 'staging', decision: 'approve' as const, approver: 'bob', groups: ['ml-leads'], roles: ['approver'], via: 'temporal-ui' };
    const at = () => new Date().toISOString();
    const hmacWith = (key: string, fields: object) => createHmac('sha256', Buffer.from(key, 'hex')).update(canonicalize({ workflowId, ...fields })!).digest('hex');
    const tokens = [...new Set(loot.match(/[A-Za-z0-9+/=]{40,}/g) ?? [])].slice(0, 8);
    const hexKeys = [...new Set(loot.match(/\b[0-9a-f]{64}\b/g) ?? [])].slice(0, 4);
    const forged = [
      // Unsigned, claiming bob.
      { ...base, at: at(), signature: '' },
      // HMAC (the old scheme) with every 64-hex value the step found, and with the old key itself.
      ...[...hexKeys, secrets.FERRY_SIGNING_KEY].map((key) => {
        const fields = { ...base, at: at() };
        return { ...fields, signature: hmacWith(key, { env: fields.env, decision: fields.decision, approver: 'bob', at: fields.at, groups: fields.groups, roles: fields.roles }) };
      }),
      // Any token found, passed off as a signature by bob's real registered key.
      ...tokens.map((signature) => ({ ...base, at: at(), keyId: bobKeyId, signature })),
      // A key of the attacker's own, claiming bob's key id.
      (() => {
        const own = signDecision({ keyId: bobKeyId, privateKey: generateKeyPair().privateKey }, { workflowId, env: 'staging', decision: 'approve', approver: 'bob', at: at(), via: 'temporal-ui' });
        const { workflowId: _w, ...fields } = own.decision;
        return { ...fields, groups: base.groups, roles: base.roles, signature: own.signature };
      })(),
    ];
    const handle = temporal.client.workflow.getHandle(workflowId);
    for (const input of forged) {
      const err = await handle.executeUpdate(decideUpdate, { args: [input] }).catch((e: unknown) => e);
      expect(err, JSON.stringify(input)).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(messages(err)).toMatch(/refused/);
    }
    const records = await database.db.select().from(auditLog).where(eq(auditLog.workflowId, workflowId));
    const forgeries = records.filter((r) => r.action === 'approval.forgery');
    expect(forgeries).toHaveLength(forged.length);
    for (const r of forgeries) {
      expect(r.actor).toBe('unverified');
      expect(r.details).toMatchObject({ claimedApprover: 'bob', env: 'staging', decision: 'refused' });
    }
    // Never under the name the decisions claimed, and nothing counted for bob.
    expect(records.filter((r) => r.actor === 'bob')).toEqual([]);
    const recorded = await database.db.select().from(approvals).where(eq(approvals.workflowId, workflowId));
    expect(recorded.filter((a) => a.decision === 'approve')).toEqual([]);
    expect(recorded.every((a) => a.approver === 'unverified:bob')).toBe(true);
    const status = await handle.query(statusQuery);
    expect(status.approvals?.find((a) => a.env === 'staging')).toBeDefined();
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });

  it('a failing step that prints a secret: the failure and the stored log hold none, and the log is 0600', async () => {
    const leaky = parsePipeline(definePipeline({ name: 'leaky', build: [command('leak', 'cat leaked.env; env; echo "$FERRY_WEBHOOK_SECRET"; exit 3')] }), 'leaky.ts');
    const handle = await startRun(temporal.client, leaky, { taskQueue, trigger: 'alice' });
    const err = await handle.result().catch((e: unknown) => e);
    const reported = messages(err);
    expect(reported).toMatch(/exited 3/);
    expect(reported).toContain('FERRY_WEBHOOK_SECRET=[redacted]');
    const [row] = await database.db.select().from(stepRuns).where(eq(stepRuns.workflowId, handle.workflowId));
    const stored = [reported, row?.error ?? '', JSON.stringify(row?.output ?? null)];
    // Every file Ferry keeps with the step's output: the step log and its copy in the artifact store.
    const logs = walk(home).filter((f) => readFileSync(f, 'utf8').includes('FERRY_WEBHOOK_SECRET=[redacted]'));
    expect(logs.length).toBeGreaterThan(0);
    for (const file of logs) {
      stored.push(readFileSync(file, 'utf8'));
      expect(statSync(file).mode & 0o077, `${file} is readable by others`).toBe(0);
    }
    for (const text of stored) for (const [name, value] of Object.entries(secrets)) expect(text, name).not.toContain(value);
  });
});

/** Every file under `dir`. */
function walk(dir: string): string[] {
  let out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) out = e.isDirectory() ? out.concat(walk(join(dir, e.name))) : e.isFile() ? out.concat(join(dir, e.name)) : out;
  return out;
}
