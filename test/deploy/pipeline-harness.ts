import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import { decide } from '../../src/approvals.js';
import { openArtifactStore } from '../../src/artifacts/open.js';
import { configFrom } from '../../src/dsl/load-config.js';
import { startMotoServer, type MotoServer } from '../../src/provision/moto.js';
import { createModelServer, type ModelServer } from '../../src/serve/index.js';
import { readEnv } from '../../src/settings.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { waitFor } from '../helpers/cli.js';
import { backends, type TestDatabase } from '../helpers/db.js';
import { makeRepo } from '../helpers/git.js';
import { startTestWorker, testClient } from '../helpers/temporal.js';
import { asUser, seedPeople, trainStep, type Person } from '../lifecycle/fixture.js';

export const region = 'us-east-1';
export const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * moto's server mode (a stand-in for AWS, which cannot be reached here) with Ferry's artifact bucket, and the
 * variables that put a worker's artifact store in it.
 */
export async function startMotoArtifacts(): Promise<{ moto: MotoServer; env: Record<string, string> }> {
  const moto = await startMotoServer({ log: (line) => console.log(line) });
  const s3 = new S3Client({ endpoint: moto.url, region, forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'ferry-artifacts' }));
  s3.destroy();
  const env = { FERRY_ARTIFACTS: 's3://ferry-artifacts/runs', AWS_ENDPOINT_URL_S3: moto.url, AWS_REGION: region, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey };
  return { moto, env };
}

/** Waits until run `handle` (version `version`) asks production for approval, then `approver` decides it. */
export async function decideWhenAsked(
  ctx: { temporal: Awaited<ReturnType<typeof testClient>>; database: TestDatabase; approver: Person },
  handle: WorkflowHandle,
  decision: 'approve' | 'reject',
  version: number,
  pending: () => Promise<void> = async () => undefined,
): Promise<void> {
  await waitFor(async () => ((await handle.query(statusQuery)).approvals?.some((a) => a.env === 'production') ? true : undefined), 120_000, `run ${version} to wait for its approval`);
  await pending();
  expect(await decide({ client: ctx.temporal.client, db: ctx.database.db }, { workflowId: handle.workflowId, decision, user: asUser(ctx.approver), via: 'cli' })).toMatchObject({ ok: true });
}

/** What a pipeline-level deploy test runs on: moto's S3 for artifacts, a database with people, the gateway, a worker. */
export interface PipelineStack {
  moto: MotoServer;
  database: TestDatabase;
  people: Record<string, Person>;
  gateway: ModelServer;
  worker: Awaited<ReturnType<typeof startTestWorker>>;
  temporal: Awaited<ReturnType<typeof testClient>>;
  close(): Promise<void>;
}

/**
 * Starts that stack for `taskQueue`. `settings` adds the target's variables to the worker's environment (read with
 * readEnv, as `ferry worker` does), given the worker's home and moto; `sagemaker` hands them to the SageMaker target.
 */
export async function startPipelineStack(options: {
  taskQueue: string;
  repo: string;
  settings?: (home: string, moto: MotoServer) => Record<string, string>;
  sagemaker?: boolean;
}): Promise<PipelineStack> {
  const { moto, env: aws } = await startMotoArtifacts();
  const database = await backends()[0]!.create();
  const people = await seedPeople(database.db);
  const gateway = await createModelServer({ db: database.db, config: configFrom({}), port: 0, refreshMs: 50, logger: { flushMs: 20 } });
  const home = mkdtempSync(join(tmpdir(), 'ferry-home-'));
  const env = readEnv({ FERRY_HOME: home, ...aws, ...options.settings?.(home, moto) });
  const worker = await startTestWorker({
    db: database.db,
    taskQueue: options.taskQueue,
    home,
    config: { steps: [trainStep] },
    cwd: makeRepo({ 'README.md': `${options.repo}\n` }),
    extra: { store: openArtifactStore(env), serveUrl: gateway.url, ...(options.sagemaker ? { sagemaker: env } : {}) },
  });
  const temporal = await testClient();
  return {
    moto,
    database,
    people,
    gateway,
    worker,
    temporal,
    async close() {
      await worker.stop();
      await temporal.close();
      await gateway.close();
      await database.close();
      await moto.stop();
    },
  };
}
