import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAudit, verifyAuditChain } from '../../src/audit/index.js';
import { acknowledgeIncident, listIncidents, openIncident, resolveIncident } from '../../src/incidents/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';

describe.each(backends())('incidents ($name)', (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await backend.create();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('opens once per key, moves open → acknowledged → resolved, and audits each step once', async () => {
    const input = { model: 'toy', env: 'production', kind: 'drift', summary: 'drift share 0.6 ≥ 0.5', idempotencyKey: 'wf-1:check-3' };
    const first = await openIncident(database.db, input);
    const retry = await openIncident(database.db, input);
    expect(first.created).toBe(true);
    expect(retry).toMatchObject({ created: false, incident: { id: first.incident.id } });
    const id = first.incident.id;

    const ack = await acknowledgeIncident(database.db, id, { actor: 'alice', reason: 'looking' });
    expect(ack).toMatchObject({ changed: true, incident: { status: 'acknowledged', acknowledgedBy: 'alice' } });
    expect((await acknowledgeIncident(database.db, id, { actor: 'bob' })).changed).toBe(false);
    const resolved = await resolveIncident(database.db, id, { actor: 'alice', reason: 'rolled back' });
    expect(resolved.incident).toMatchObject({ status: 'resolved', resolvedBy: 'alice', acknowledgedBy: 'alice' });
    expect(resolved.incident.resolvedAt).toBeInstanceOf(Date);
    expect((await resolveIncident(database.db, id, { actor: 'alice' })).changed).toBe(false);

    const audit = await queryAudit(database.db, { action: 'incident.*' });
    expect(audit.map((a) => [a.action, a.actor, a.subjectId])).toEqual([
      ['incident.opened', 'ferry', 'toy@production'],
      ['incident.acknowledged', 'alice', 'toy@production'],
      ['incident.resolved', 'alice', 'toy@production'],
    ]);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('refuses to acknowledge a resolved incident or touch a missing one, naming the fix', async () => {
    const { incident } = await openIncident(database.db, { model: 'toy', env: 'staging', kind: 'canary', summary: 'error rate 30%', idempotencyKey: 'wf-2:canary' });
    await resolveIncident(database.db, incident.id, { actor: 'carol' });
    await expect(acknowledgeIncident(database.db, incident.id, { actor: 'carol' })).rejects.toThrow(`incident ${incident.id}: already resolved`);
    await expect(resolveIncident(database.db, 999_999, { actor: 'carol' })).rejects.toThrow(/not found; list incidents with 'npx ferry incidents'/);
  });

  it('lists incidents by status, newest first', async () => {
    await openIncident(database.db, { model: 'other', env: 'production', kind: 'performance', summary: 'accuracy 0.71 < 0.8', idempotencyKey: 'wf-3:perf' });
    const open = await listIncidents(database.db, { status: 'open' });
    expect(open.map((i) => i.model)).toEqual(['other']);
    expect((await listIncidents(database.db)).length).toBe(3);
    expect((await listIncidents(database.db, { status: 'resolved' })).map((i) => i.kind).sort()).toEqual(['canary', 'drift']);
  });
});
