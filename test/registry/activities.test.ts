import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditActivities } from '../../activities/audit.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { createLineageActivities } from '../../activities/lineage.js';
import { createRegistryActivities } from '../../activities/registry.js';
import { verifyAuditChain } from '../../src/audit/index.js';
import { createFileStore } from '../../src/artifacts/store.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { aliasHistory, auditLog, experiments, lineageEdges, modelVersions } from '../../src/db/schema/index.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { countRows, registration, uniqueRun } from './fixtures.js';

/**
 * Temporal retries an activity with the same workflow id and activity id and a higher attempt number. Running an
 * activity in the SDK's activity harness twice with that info is exactly what a worker does after a failure that
 * struck once the write had committed (a lost connection, a timeout): the second attempt must find the first's rows.
 */
const quiet = new DefaultLogger('ERROR');

function attempts(workflowId: string, activityId: string) {
  return (attempt: number) =>
    new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'r1' }, activityId, attempt } as Partial<Info>, { logger: quiet });
}

describe.each(backends())('registry, audit and lineage activities under retries ($name)', (backend) => {
  let database: TestDatabase;
  let deps: ActivityDeps;
  beforeAll(async () => {
    database = await backend.create();
    const home = mkdtempSync(join(tmpdir(), 'ferry-home-'));
    deps = { db: database.db, store: createFileStore(join(home, 'artifacts')), config: configFrom({}), home, cwd: process.cwd() };
  });
  afterAll(async () => {
    await database?.close();
  });

  it('registers one version, one set of edges and one audit record however often registerModelVersion is retried', async () => {
    const { registerModelVersion } = createRegistryActivities(deps);
    const run = uniqueRun('wf');
    const env = attempts(run, '7');
    const results = [];
    for (let attempt = 1; attempt <= 3; attempt++) results.push(await env(attempt).run(registerModelVersion, registration('retried', run)));
    expect(results).toEqual([{ version: 1 }, { version: 1 }, { version: 1 }]);
    expect(await countRows(database.db, 'model_versions', eq(modelVersions.sourceWorkflowId, run))).toBe(1);
    expect(await countRows(database.db, 'lineage_edges', eq(lineageEdges.workflowId, run))).toBe(6);
    expect(await countRows(database.db, 'audit_log', eq(auditLog.workflowId, run))).toBe(1);
    expect(await countRows(database.db, 'datasets')).toBe(2);
  });

  it('moves an alias once per activity call: retries (same activity id) write one history row, a new call another', async () => {
    const { registerModelVersion, moveAlias } = createRegistryActivities(deps);
    const wf = uniqueRun('wf');
    await attempts(wf, '1')(1).run(registerModelVersion, registration('promoted', wf));
    await attempts(`${wf}-b`, '1')(1).run(registerModelVersion, registration('promoted', `${wf}-b`));
    const input = { model: 'promoted', alias: 'production', toVersion: 1, actor: 'alice', reason: 'approved', workflowId: wf };
    const retry = attempts(wf, '12');
    expect(await retry(1).run(moveAlias, input)).toEqual({ fromVersion: null });
    expect(await retry(2).run(moveAlias, input)).toEqual({ fromVersion: null });
    expect(await attempts(wf, '13')(1).run(moveAlias, { ...input, toVersion: 2 })).toEqual({ fromVersion: 1 });
    expect(await countRows(database.db, 'alias_history', eq(aliasHistory.model, 'promoted'))).toBe(2);
    expect(await countRows(database.db, 'audit_log', sql`${auditLog.action} = 'alias.moved' and ${auditLog.details}->>'model' = 'promoted'`)).toBe(2);
  });

  it('appends one audit record per activity call, keyed by workflow id + run id + activity id', async () => {
    const { appendAuditRecord } = createAuditActivities(deps);
    const wf = uniqueRun('wf');
    const entry = { actor: 'ferry', action: 'gate.result', subjectKind: 'run', subjectId: wf, workflowId: wf, details: { gate: 'min(accuracy)', passed: true } };
    const first = await attempts(wf, '20')(1).run(appendAuditRecord, entry);
    const second = await attempts(wf, '20')(2).run(appendAuditRecord, entry);
    expect(second).toEqual(first);
    expect(await countRows(database.db, 'audit_log', eq(auditLog.idempotencyKey, `${wf}/r1/20`))).toBe(1);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('records one experiment row per run, merging metrics reported in parts', async () => {
    const { recordExperiment } = createLineageActivities(deps);
    const wf = uniqueRun('wf');
    const env = attempts(wf, '30');
    const base = { workflowId: wf, pipeline: 'churn', params: { trees: 10 }, seed: 7, commit: 'abc123' };
    await env(1).run(recordExperiment, { ...base, metrics: { loss: 0.3 } });
    await env(2).run(recordExperiment, { ...base, metrics: { loss: 0.3 } });
    await attempts(wf, '31')(1).run(recordExperiment, { ...base, metrics: { accuracy: 0.9 } });
    const rows = await database.db.select().from(experiments).where(eq(experiments.workflowId, wf));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ pipeline: 'churn', params: { trees: 10 }, seed: 7, commit: 'abc123', metrics: { loss: 0.3, accuracy: 0.9 } });
  });

  it('reads production metrics and resolves versions; an unknown version fails without retries', async () => {
    const { registerModelVersion, moveAlias, getProductionMetrics, resolveVersion, previousVersion } = createRegistryActivities(deps);
    const wf = uniqueRun('wf');
    const env = attempts(wf, '40')(1);
    expect(await env.run(getProductionMetrics, { model: 'champion' })).toBeUndefined();
    await env.run(registerModelVersion, registration('champion', wf, { metrics: { accuracy: 0.95 } }));
    await env.run(moveAlias, { model: 'champion', alias: 'production', toVersion: 1, actor: 'ferry', reason: 'first' });
    expect(await env.run(getProductionMetrics, { model: 'champion' })).toEqual({ accuracy: 0.95 });
    expect(await env.run(resolveVersion, { model: 'champion', ref: 'production' })).toMatchObject({ model: 'champion', version: 1, sourceWorkflowId: wf, metrics: { accuracy: 0.95 } });
    expect(await env.run(previousVersion, { model: 'champion', alias: 'production' })).toBeUndefined();
    await expect(env.run(resolveVersion, { model: 'champion', ref: 9 })).rejects.toMatchObject({ type: 'VersionNotFound', nonRetryable: true });
    await expect(attempts(wf, '41')(1).run(moveAlias, { model: 'champion', alias: 'staging', toVersion: 9, actor: 'ferry', reason: 'typo' })).rejects.toMatchObject({
      type: 'RegistryError',
      nonRetryable: true,
      message: expect.stringContaining('model champion has no version 9'),
    });
  });
});
