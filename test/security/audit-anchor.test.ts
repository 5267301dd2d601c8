import { asc, sql } from 'drizzle-orm';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AUDIT_ANCHOR_ID, auditCheckpoints, checkAgainstCheckpoints, ensureAuditAnchor } from '../../src/audit/anchor.js';
import { appendAudit, auditHash, verifyAuditChain } from '../../src/audit/index.js';
import { auditLog } from '../../src/db/schema/index.js';
import { anchorNowSignal } from '../../workflows/audit-anchor.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { runFerry, waitFor } from '../helpers/cli.js';

// Attack #10 of the red-team pass: deleting the last audit rows verified as intact, a superuser rewrite with
// rehashing was undetectable by design, and a correctly hashed row INSERTed at the tail was anchored as genuine. The
// chain head is now anchored in a Temporal workflow's history (which no database user can edit), every record carries
// a MAC with the audit key (not in Postgres), and `ferry audit verify` checks both.

const [backend] = backends();

describe('the audit chain is anchored outside Postgres', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const taskQueue = uniqueQueue('anchor');
  let snapshot: (typeof auditLog.$inferSelect)[] = [];

  /** What a database superuser can do: switch the append-only triggers off and change the table. */
  const asSuperuser = async (fn: () => Promise<unknown>) => {
    await database.db.execute(sql`alter table audit_log disable trigger user`);
    try {
      await fn();
    } finally {
      await database.db.execute(sql`alter table audit_log enable trigger user`);
    }
  };
  const restore = () =>
    asSuperuser(async () => {
      await database.db.delete(auditLog);
      await database.db.insert(auditLog).values(snapshot);
    });
  const check = async () => checkAgainstCheckpoints(database.db, (await auditCheckpoints(temporal.client))!);

  beforeAll(async () => {
    database = await backend!.create();
    temporal = await testClient();
    // The anchor is one workflow per namespace: terminate one another test file left behind, then start ours.
    await temporal.client.workflow.getHandle(AUDIT_ANCHOR_ID).terminate('test').catch(() => undefined);
    worker = await startTestWorker({ db: database.db, taskQueue });
    for (let i = 1; i <= 6; i += 1) await appendAudit(database.db, { actor: 'alice', action: 'model.registered', subjectKind: 'model', subjectId: `m${i}` });
    await ensureAuditAnchor(temporal.client, taskQueue, 60_000);
    await temporal.client.workflow.getHandle(AUDIT_ANCHOR_ID).signal(anchorNowSignal);
    await waitFor(async () => ((await auditCheckpoints(temporal.client))?.some((c) => c.seq === 6) ? true : undefined), 60_000, 'seq 6 to be anchored');
    snapshot = await database.db.select().from(auditLog).orderBy(asc(auditLog.seq));
  });
  afterAll(async () => {
    await temporal?.client.workflow.getHandle(AUDIT_ANCHOR_ID).terminate('test done').catch(() => undefined);
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('held: the intact chain matches its checkpoints', async () => {
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 6 });
    expect(await check()).toMatchObject({ ok: true, newest: { seq: 6 } });
  });

  it('a truncated tail (the last rows deleted) verifies as a chain, and the anchor names the missing range', async () => {
    await asSuperuser(() => database.db.delete(auditLog).where(sql`${auditLog.seq} > 4`));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 4 });
    expect(await check()).toEqual({ ok: false, firstBroken: { seq: 5, reason: expect.stringMatching(/^truncated tail: seqs 5–6 were anchored/) } });
    const cli = await runFerry(['audit', 'verify'], { env: { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), FERRY_HOME: mkdtempSync(join(tmpdir(), 'ferry-anchor-cli-')) } });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^ferry: audit_log seq 5: truncated tail: seqs 5–6 were anchored/);
    await restore();
  });

  it('a superuser rewrite with every hash recomputed verifies as a chain, and the anchor names the first rewritten record', async () => {
    await asSuperuser(async () => {
      let prevHash = snapshot[1]!.hash;
      for (const row of snapshot.slice(2)) {
        const content = { ...row, actor: row.seq === 3 ? 'mallory' : row.actor };
        const hash = auditHash(prevHash, content);
        await database.db.update(auditLog).set({ actor: content.actor, prevHash, hash }).where(sql`${auditLog.seq} = ${row.seq}`);
        prevHash = hash;
      }
    });
    // Without the audit key the rewriter cannot recompute the MACs: the chain itself names the first rewritten record.
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, checked: 2, firstBroken: { seq: 3, reason: expect.stringMatching(/^not written by Ferry: its audit MAC does not verify/) } });
    expect(await check()).toEqual({ ok: false, firstBroken: { seq: 6, reason: expect.stringMatching(/^record rewritten: its hash differs from the one anchored/) } });
    await restore();
  });

  it('a forged row with a wrong hash, or inserted inside the chain, is named by the chain itself', async () => {
    await asSuperuser(() => database.db.update(auditLog).set({ actor: 'mallory' }).where(sql`${auditLog.seq} = 2`));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'content changed (hash mismatch)' } });
    await restore();
    expect(await check()).toMatchObject({ ok: true });
  });

  // Last: the anchor keeps the checkpoints it takes here.
  it('a correctly hashed row INSERTed at the tail with plain SQL is anchored, and ferry audit verify still names it (exit 1)', async () => {
    const legit = await appendAudit(database.db, { actor: 'alice', action: 'model.registered', subjectKind: 'model', subjectId: 'm7' });
    const content = { seq: 8, at: new Date(), actor: 'lee', action: 'approval.decided', subjectKind: 'run', subjectId: 'run-forged', workflowId: null, temporalRunId: null, reason: null, details: { decision: 'approve' } };
    const hash = auditHash(legit.hash, content);
    // No superuser, no trigger switched off: an INSERT is all a database user with write access needs.
    await database.db.execute(sql`insert into audit_log (seq, at, actor, action, subject_kind, subject_id, details, prev_hash, hash)
      values (8, ${content.at.toISOString()}, 'lee', 'approval.decided', 'run', 'run-forged', ${JSON.stringify(content.details)}::jsonb, ${legit.hash}, ${hash})`);
    await temporal.client.workflow.getHandle(AUDIT_ANCHOR_ID).signal(anchorNowSignal);
    await waitFor(async () => ((await auditCheckpoints(temporal.client))?.some((c) => c.seq === 8 && c.hash === hash) ? true : undefined), 60_000, 'the forged seq 8 to be anchored');
    expect(await check()).toMatchObject({ ok: true, newest: { seq: 8 } });
    const cli = await runFerry(['audit', 'verify'], { env: { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), FERRY_HOME: mkdtempSync(join(tmpdir(), 'ferry-anchor-cli-')) } });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^ferry: audit_log seq 8: not written by Ferry: it has no audit MAC.*; 7 records before it verified/);
  });
});
