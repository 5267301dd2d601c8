import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import { decide } from '../../src/approvals.js';
import { startMotoServer, type MotoServer } from '../../src/provision/moto.js';
import { statusQuery } from '../../workflows/pipeline.js';
import { waitFor } from '../helpers/cli.js';
import type { testClient } from '../helpers/temporal.js';
import type { TestDatabase } from '../helpers/db.js';
import { asUser, type Person } from '../lifecycle/fixture.js';

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
