import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAudit, verifyAuditChain } from '../../src/audit/index.js';
import { aliasHistory as aliasHistoryTable, modelVersions } from '../../src/db/schema/index.js';
import {
  aliasHistory,
  getVersion,
  listModels,
  moveAlias,
  parseModelRef,
  previousApprovedVersion,
  productionMetrics,
  registerVersion,
  requireVersion,
  setVersionStatus,
} from '../../src/registry/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { countRows, registration, uniqueRun } from './fixtures.js';

describe.each(backends())('the model registry ($name)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await backend.create();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('numbers versions per model from 1 and returns the same version for a retried registration', async () => {
    const run = uniqueRun();
    const first = await registerVersion(database.db, registration('numbered', run));
    const second = await registerVersion(database.db, registration('numbered', uniqueRun()));
    const retry = await registerVersion(database.db, registration('numbered', run, { metrics: { accuracy: 0.5 } }));
    expect([first.version, first.created, second.version, retry.version, retry.created]).toEqual([1, true, 2, 1, false]);
    expect(await countRows(database.db, 'model_versions', eq(modelVersions.model, 'numbered'))).toBe(2);
    const audit = await queryAudit(database.db, { model: 'numbered', action: 'model.registered' });
    expect(audit.map((r) => r.subjectId)).toEqual(['numbered@1', 'numbered@2']);
  });

  it('allocates distinct consecutive versions to concurrent registrations', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => registerVersion(database.db, registration('concurrent', uniqueRun()))));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('refuses a run that registers a second, different model', async () => {
    const run = uniqueRun();
    await registerVersion(database.db, registration('first-model', run));
    await expect(registerVersion(database.db, registration('second-model', run))).rejects.toThrow(/already registered first-model@1/);
  });

  it('moves aliases with history and audit, idempotently, and resolves versions by number, alias and latest', async () => {
    for (let i = 0; i < 3; i++) await registerVersion(database.db, registration('aliased', uniqueRun()));
    const move = (toVersion: number, key: string, alias = 'production') =>
      moveAlias(database.db, { model: 'aliased', alias, toVersion, actor: 'alice', reason: `promote ${toVersion}`, workflowId: 'wf-promote', idempotencyKey: key });
    expect(await move(1, 'k1')).toEqual({ fromVersion: null, toVersion: 1, moved: true });
    expect(await move(2, 'k2')).toEqual({ fromVersion: 1, toVersion: 2, moved: true });
    expect(await move(2, 'k2')).toEqual({ fromVersion: 1, toVersion: 2, moved: false });
    await move(3, 'k3', 'staging');

    expect((await aliasHistory(database.db, 'aliased')).map((h) => [h.alias, h.fromVersion, h.toVersion, h.actor, h.reason])).toEqual([
      ['production', null, 1, 'alice', 'promote 1'],
      ['production', 1, 2, 'alice', 'promote 2'],
      ['staging', null, 3, 'alice', 'promote 3'],
    ]);
    expect(await countRows(database.db, 'alias_history', eq(aliasHistoryTable.idempotencyKey, 'k2'))).toBe(1);
    const audit = await queryAudit(database.db, { model: 'aliased', action: 'alias.moved' });
    expect(audit.map((r) => [r.subjectId, r.actor, r.reason, r.workflowId, (r.details as { toVersion: number }).toVersion])).toEqual([
      ['aliased@production', 'alice', 'promote 1', 'wf-promote', 1],
      ['aliased@production', 'alice', 'promote 2', 'wf-promote', 2],
      ['aliased@staging', 'alice', 'promote 3', 'wf-promote', 3],
    ]);

    expect((await getVersion(database.db, 'aliased', 'production'))?.version).toBe(2);
    expect((await getVersion(database.db, 'aliased', 'staging'))?.version).toBe(3);
    expect((await getVersion(database.db, 'aliased', 1))?.version).toBe(1);
    expect((await getVersion(database.db, 'aliased', '3'))?.version).toBe(3);
    expect((await getVersion(database.db, 'aliased', 'latest'))?.version).toBe(3);
    expect(await getVersion(database.db, 'aliased', 'canary')).toBeUndefined();
    await expect(requireVersion(database.db, 'aliased', 'canary')).rejects.toThrow("model aliased has no alias canary; list its versions and aliases with 'ferry models aliased'");
    await expect(requireVersion(database.db, 'missing', 1)).rejects.toThrow('model missing is not registered');
  });

  it('refuses to move an alias to a version that does not exist, and to move "latest"', async () => {
    await registerVersion(database.db, registration('lonely', uniqueRun()));
    await expect(moveAlias(database.db, { model: 'lonely', alias: 'production', toVersion: 7, actor: 'a', reason: 'r', idempotencyKey: uniqueRun() })).rejects.toThrow(
      'model lonely has no version 7',
    );
    await expect(moveAlias(database.db, { model: 'lonely', alias: 'latest', toVersion: 1, actor: 'a', reason: 'r', idempotencyKey: uniqueRun() })).rejects.toThrow(/reserved/);
  });

  it('reports production metrics, and finds the version a rollback returns to', async () => {
    expect(await productionMetrics(database.db, 'rolling')).toBeUndefined();
    for (let i = 1; i <= 3; i++) await registerVersion(database.db, registration('rolling', uniqueRun(), { metrics: { accuracy: [0.81, 0.82, 0.83][i - 1]! } }));
    const promote = (v: number, action?: 'rollback') =>
      moveAlias(database.db, { model: 'rolling', alias: 'production', toVersion: v, actor: 'ferry', reason: `to ${v}`, idempotencyKey: uniqueRun(), action });
    await promote(1);
    expect(await previousApprovedVersion(database.db, 'rolling', 'production')).toBeUndefined();
    await promote(2);
    await promote(3);
    expect(await productionMetrics(database.db, 'rolling')).toEqual({ version: 3, metrics: { accuracy: 0.83 } });
    expect(await previousApprovedVersion(database.db, 'rolling', 'production')).toBe(2);

    await setVersionStatus(database.db, { model: 'rolling', version: 3, status: 'rolled-back', actor: 'ferry', reason: 'error rate' });
    await promote(2, 'rollback');
    // 3 was rolled back: the next rollback goes to 1, not back to 3.
    expect(await previousApprovedVersion(database.db, 'rolling', 'production')).toBe(1);
    expect((await queryAudit(database.db, { model: 'rolling', action: 'rollback' })).map((r) => r.subjectId)).toEqual(['rolling@production']);
  });

  it('sets a version status once, auditing the change', async () => {
    await registerVersion(database.db, registration('statused', uniqueRun()));
    const change = () => setVersionStatus(database.db, { model: 'statused', version: 1, status: 'approved', actor: 'alice', reason: 'looks good' });
    expect(await change()).toEqual({ from: 'registered', to: 'approved', changed: true });
    expect(await change()).toEqual({ from: 'approved', to: 'approved', changed: false });
    expect((await getVersion(database.db, 'statused', 1))?.status).toBe('approved');
    expect((await queryAudit(database.db, { model: 'statused', action: 'model.status-changed' })).map((r) => r.details)).toEqual([
      { model: 'statused', version: 1, from: 'registered', to: 'approved' },
    ]);
  });

  it('lists models with their version counts, newest versions and aliases', async () => {
    const models = await listModels(database.db);
    expect(models.find((m) => m.name === 'aliased')).toMatchObject({ versions: 3, latest: 3, aliases: { production: 2, staging: 3 } });
    expect(models.find((m) => m.name === 'concurrent')).toMatchObject({ versions: 10, latest: 10, aliases: {} });
  });

  it('parses <model>@<version|alias> references and rejects malformed ones', () => {
    expect(parseModelRef('churn@3')).toEqual({ model: 'churn', ref: 3 });
    expect(parseModelRef('churn-model@production')).toEqual({ model: 'churn-model', ref: 'production' });
    expect(() => parseModelRef('churn', 'lineage')).toThrow('lineage "churn": expected <model>@<version|alias>');
  });

  it('leaves an intact audit chain after all of the above', async () => {
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
});
