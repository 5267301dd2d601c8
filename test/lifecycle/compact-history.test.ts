import { eq } from 'drizzle-orm';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditLog, runs } from '../../src/db/schema/index.js';
import { command, definePipeline, step } from '../../src/dsl/define.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient, uniqueQueue } from '../helpers/temporal.js';
import { trainStep } from './fixture.js';

const [backend] = backends();

type History = Awaited<ReturnType<ReturnType<Awaited<ReturnType<typeof testClient>>['client']['workflow']['getHandle']>['fetchHistory']>>;
type Event = NonNullable<History['events']>[number];

const decode = (data?: Uint8Array | null) => JSON.parse(Buffer.from(data ?? new Uint8Array()).toString('utf8') || 'null') as unknown;
const markers = (history: History, name: string) => (history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === name);
const markerData = (e: Event, key: string) => decode(e.markerRecordedEventAttributes?.details?.[key]?.payloads?.[0]?.data) as Record<string, unknown>;
/** Each upsert's search attributes, decoded: `{ FerryStage: 'build' }`. */
const upserts = (history: History) =>
  (history.events ?? []).flatMap((e) => {
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    return fields ? [Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, decode(v.data)]))] : [];
  });

// Issue 19, engine: a run started since `compact-history` records one patch marker for every lifecycle patch, no
// search-attribute value the start already set, its start and verification as one local activity, and hands each
// step stage's Postgres record to the stage's first activity. What the run shows and records stays the same.
describe('a compact-history run', () => {
  let database: TestDatabase;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const repo = makeRepo({ 'README.md': 'compact\n', 'data.csv': 'x\n1\n' });
  const taskQueue = uniqueQueue('compact');
  const loaded = parsePipeline(
    definePipeline({ name: 'compact', model: 'compact', datasets: [{ name: 'data', path: 'data.csv' }], build: [command('check', 'test -f data.csv')], train: step('train', 'lc.train', { quality: 0.8 }) }),
    'pipelines/compact.ts',
  );

  beforeAll(async () => {
    database = await backend!.create();
    temporal = await testClient();
    worker = await startTestWorker({ db: database.db, taskQueue, config: { steps: [trainStep] }, cwd: repo });
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await database?.close();
  });

  it('records one patch marker, only changed search attributes and no bookkeeping write a stage activity makes', async () => {
    const handle = await startRun(temporal.client, loaded, { taskQueue, trigger: 'test', triggeredBy: 'alice' });
    expect((await handle.result()).state).toBe('succeeded');
    const history = await handle.fetchHistory();

    const patches = markers(history, 'core_patch').map((e) => markerData(e, 'patch-data'));
    expect(patches).toEqual([{ id: 'compact-history', deprecated: false }]);

    const written = markers(history, 'core_local_activity').map((e) => markerData(e, 'data').activity_type);
    // integrate, build, train and register hand their record to their first activity (runs recorded before wrote
    // recordRunStarted, verifyRunStart and four recordRunProgress here).
    expect(written).toEqual(['recordAndVerifyRunStart', 'recordExperiment', 'recordRunFinished']);
    const scheduled = (history.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      return a ? [{ type: a.activityType?.name, input: decode(a.input?.payloads?.[0]?.data) as { stage?: string; progress?: { stage: string } } }] : [];
    });
    expect(scheduled.filter((a) => a.input.progress).map((a) => [a.type, a.input.progress!.stage])).toEqual([
      ['integrate', 'integrate'],
      ['runStep', 'build'],
      ['runStep', 'train'],
      ['registerModelVersion', 'register'],
    ]);

    // Every upsert changes what the run shows; the start already carried pipeline, model, status and first stage.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ?? {};
    const shown: Record<string, unknown> = Object.fromEntries(Object.entries(started).map(([k, v]) => [k, decode(v.data)]));
    expect(shown).toMatchObject({ FerryPipeline: 'compact', FerryModel: 'compact', FerryStatus: 'running', FerryStage: 'integrate' });
    for (const upsert of upserts(history)) {
      for (const [key, value] of Object.entries(upsert)) {
        if (key !== 'TemporalChangeVersion') expect(shown[key], `${key} upserted to the value it had`).not.toEqual(value);
        shown[key] = value;
      }
    }
    const described = await handle.describe();
    expect(described.searchAttributes).toMatchObject({ FerryPipeline: ['compact'], FerryStatus: ['succeeded'], FerryStage: [expect.any(String)], FerryModelVersion: [1] });
    expect(described.searchAttributes.TemporalChangeVersion).toEqual(['compact-history']);

    // Postgres holds what it held before: the run's row, its stage record and the audited start and finish.
    const [row] = await database.db.select().from(runs).where(eq(runs.workflowId, handle.workflowId));
    expect(row).toMatchObject({ status: 'succeeded', pipeline: 'compact', stage: described.searchAttributes.FerryStage![0] });
    expect(row?.commit).toMatch(/^[0-9a-f]{40}$/);
    const audited = (await database.db.select().from(auditLog).where(eq(auditLog.workflowId, handle.workflowId))).map((a) => a.action);
    expect(audited).toEqual(expect.arrayContaining(['run.started', 'run.finished']));

    // And the history replays against the current workflow code.
    const replayed = await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: 'compact-replay' }, history, handle.workflowId);
    expect(replayed).toBeUndefined();
  });
});
