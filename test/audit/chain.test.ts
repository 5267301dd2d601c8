import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, auditHash, GENESIS_HASH, queryAudit, verifyAuditChain } from '../../src/audit/index.js';
import { auditLog } from '../../src/db/schema/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { withTriggersDisabled } from '../registry/fixtures.js';

describe.each(backends())('the audit hash chain ($name)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await backend.create();
  });
  afterAll(async () => {
    await database?.close();
  });
  // Each test starts from an empty log: the superuser path (triggers off) is the only way to clear it.
  beforeEach(async () => {
    await withTriggersDisabled(database.db, () => database.db.execute(sql`delete from audit_log`));
  });

  const entry = (i: number, extra: Record<string, unknown> = {}) => ({
    actor: i % 2 ? 'alice' : 'bob',
    action: 'alias.moved',
    subjectKind: 'alias',
    subjectId: `churn@production`,
    workflowId: `wf-${i}`,
    reason: `move ${i}`,
    details: { model: 'churn', toVersion: i, nested: { b: 2, a: [1, 'x', null] } },
    ...extra,
  });

  async function appendMany(n: number) {
    const records = [];
    for (let i = 1; i <= n; i++) records.push(await appendAudit(database.db, entry(i)));
    return records;
  }

  it('chains each record to the previous one from the genesis hash, and an intact log verifies', async () => {
    const records = await appendMany(5);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
    const r = records[2]!;
    expect(r.hash).toBe(auditHash(r.prevHash, r));
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 5, head: { seq: 5, hash: records[4]!.hash } });
  });

  it('verifies an empty log as intact', async () => {
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 0, head: undefined });
  });

  it('returns the existing record for a repeated idempotency key without appending', async () => {
    const first = await appendAudit(database.db, { ...entry(1), idempotencyKey: 'wf-1/activity-3' });
    const again = await appendAudit(database.db, { ...entry(1), reason: 'a retry', idempotencyKey: 'wf-1/activity-3' });
    expect(again).toEqual(first);
    const rows = await database.db.select().from(auditLog);
    expect(rows).toHaveLength(1);
  });

  it('serialises 20 concurrent appends into one unbroken chain of 20', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(database.db, entry(i + 1))));
    const rows = await database.db.select().from(auditLog).orderBy(auditLog.seq);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(20);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 20 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE through the trigger', async () => {
    // drizzle wraps the server's error; its cause carries the trigger's message.
    const refused = { cause: { message: expect.stringMatching(/audit_log is append-only: (UPDATE|DELETE|TRUNCATE) refused/) } };
    await appendMany(2);
    await expect(database.db.update(auditLog).set({ reason: 'quietly changed' }).where(eq(auditLog.seq, 1))).rejects.toMatchObject(refused);
    await expect(database.db.delete(auditLog).where(eq(auditLog.seq, 2))).rejects.toMatchObject(refused);
    await expect(database.db.execute(sql`truncate audit_log`)).rejects.toMatchObject(refused);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 2 });
  });

  it('names a record whose content a superuser changed, and verifies again once it is restored', async () => {
    await appendMany(6);
    const [original] = await database.db.select().from(auditLog).where(eq(auditLog.seq, 4));
    await withTriggersDisabled(database.db, () => database.db.update(auditLog).set({ details: { model: 'churn', toVersion: 99 } }).where(eq(auditLog.seq, 4)));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, checked: 3, firstBroken: { seq: 4, reason: 'content changed (hash mismatch)' } });
    await withTriggersDisabled(database.db, () => database.db.update(auditLog).set({ details: original!.details }).where(eq(auditLog.seq, 4)));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 6 });
  });

  it('names a changed record across batch boundaries (keyset pagination)', async () => {
    await appendMany(10);
    await withTriggersDisabled(database.db, () => database.db.update(auditLog).set({ actor: 'mallory' }).where(eq(auditLog.seq, 8)));
    expect(await verifyAuditChain(database.db, { batchSize: 3 })).toMatchObject({ ok: false, checked: 7, firstBroken: { seq: 8 } });
  });

  it('names a removed record by the seq gap it leaves', async () => {
    await appendMany(5);
    await withTriggersDisabled(database.db, () => database.db.delete(auditLog).where(eq(auditLog.seq, 3)));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, checked: 2, firstBroken: { seq: 3, reason: 'record removed (seq 3 missing before seq 4)' } });
  });

  it('names a removed first record', async () => {
    await appendMany(3);
    await withTriggersDisabled(database.db, () => database.db.delete(auditLog).where(eq(auditLog.seq, 1)));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, firstBroken: { seq: 1 } });
  });

  it('names a record whose hash field alone was rewritten', async () => {
    await appendMany(4);
    await withTriggersDisabled(database.db, () => database.db.update(auditLog).set({ hash: 'f'.repeat(64) }).where(eq(auditLog.seq, 2)));
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, firstBroken: { seq: 2, reason: 'hash field rewritten (content intact)' } });
  });

  it('names a record rewritten together with a freshly computed hash: its audit MAC no longer verifies', async () => {
    const records = await appendMany(4);
    const forged = { ...records[1]!, reason: 'forged' };
    await withTriggersDisabled(database.db, () =>
      database.db.update(auditLog).set({ reason: 'forged', hash: auditHash(forged.prevHash, forged) }).where(eq(auditLog.seq, 2)),
    );
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: false, checked: 1, firstBroken: { seq: 2, reason: expect.stringContaining('rewritten with a recomputed hash') } });
  });

  it('filters by model, actor, action prefix and time, returning the newest records oldest first', async () => {
    await appendMany(4);
    await appendAudit(database.db, { actor: 'carol', action: 'deployment.started', subjectKind: 'deployment', subjectId: '7', details: { model: 'fraud' } });
    await appendAudit(database.db, { actor: 'carol', action: 'model.registered', subjectKind: 'model-version', subjectId: 'fraud@2' });
    expect((await queryAudit(database.db, { model: 'fraud' })).map((r) => r.seq)).toEqual([5, 6]);
    expect((await queryAudit(database.db, { actor: 'alice' })).map((r) => r.seq)).toEqual([1, 3]);
    expect((await queryAudit(database.db, { action: 'deployment.*' })).map((r) => r.action)).toEqual(['deployment.started']);
    expect((await queryAudit(database.db, { limit: 2 })).map((r) => r.seq)).toEqual([5, 6]);
    expect(await queryAudit(database.db, { since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect((await queryAudit(database.db, { model: 'churn', action: 'alias.moved', limit: 10 })).length).toBe(4);
  });

  it('rejects an action name that is not dotted lower-case words', async () => {
    await expect(appendAudit(database.db, { ...entry(1), action: 'Alias Moved' })).rejects.toThrow(/dotted action name/);
  });
});
