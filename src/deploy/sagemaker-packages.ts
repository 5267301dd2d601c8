import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
  UpdateModelPackageCommand,
  type ModelApprovalStatus,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import { deployments, modelVersions, runs } from '../db/schema/index.js';
import { FerryError } from '../core/errors.js';
import { sagemakerCall, sagemakerClient, sagemakerSettings, type SagemakerEnv } from './sagemaker-settings.js';

/**
 * Ferry's version status as SageMaker's ModelApprovalStatus. SageMaker knows only three: a version rolled back or
 * archived is not to be deployed again, so it is Rejected there (Ferry's own status goes along as `ferry.status`).
 */
export const APPROVAL_OF: Readonly<Record<string, ModelApprovalStatus>> = {
  registered: 'PendingManualApproval',
  approved: 'Approved',
  rejected: 'Rejected',
  'rolled-back': 'Rejected',
  archived: 'Rejected',
};

export interface ModelPackageState {
  arn: string;
  approval: ModelApprovalStatus;
  /** Whether this call created the package or changed its approval. */
  changed: boolean;
}

const call = <T>(what: string, fn: () => Promise<T>) => sagemakerCall('sagemaker model registry', what, fn);
const notFound = (err: unknown) => /does not exist|not found|Could not find/i.test((err as Error).message ?? '');

/**
 * A version's Model Package in the Model Package Group named after the model: created on first sight
 * (CreateModelPackage with the inference image and the artifact as ModelDataUrl), its ModelApprovalStatus then kept
 * equal to Ferry's (UpdateModelPackage). The package carries `ferry.version`, which is how it is found again:
 * SageMaker numbers a group's versions itself, and they need not match Ferry's.
 */
export async function syncModelPackage(
  client: SageMakerClient,
  input: { model: string; version: number; status: string; artifactUri: string; image: string; reason?: string },
): Promise<ModelPackageState> {
  const group = input.model;
  const approval = APPROVAL_OF[input.status];
  if (!approval) throw new FerryError(`sagemaker model registry: ${input.model} v${input.version} has status "${input.status}", which has no ModelApprovalStatus`);
  const metadata = { 'ferry.model': input.model, 'ferry.version': String(input.version), 'ferry.status': input.status };
  await client.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group })).catch(async (err: unknown) => {
    if (!notFound(err)) throw err;
    await call(`CreateModelPackageGroup ${group}`, () =>
      client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group, ModelPackageGroupDescription: `Ferry model ${input.model}: one package per registered version` })),
    ).catch((e: FerryError) => {
      if (!/already exists/i.test(e.message)) throw e;
    });
  });
  const found = await findPackage(client, group, input.version);
  if (!found) {
    const created = await call(`CreateModelPackage ${group} v${input.version}`, () =>
      client.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: group,
          ModelPackageDescription: `${input.model} v${input.version} (Ferry)`,
          ModelApprovalStatus: approval,
          // Real SageMaker dedupes concurrent creations by this token; moto ignores it (findPackage is its only guard).
          ClientToken: createHash('sha256').update(`${group}@${input.version}`).digest('hex').slice(0, 36),
          CustomerMetadataProperties: metadata,
          InferenceSpecification: { Containers: [{ Image: input.image, ModelDataUrl: input.artifactUri }], SupportedContentTypes: ['application/json'], SupportedResponseMIMETypes: ['application/json'] },
        }),
      ),
    );
    return { arn: created.ModelPackageArn!, approval, changed: true };
  }
  if (found.approval === approval && found.status === input.status) return { arn: found.arn, approval, changed: false };
  await call(`UpdateModelPackage ${found.arn}`, () =>
    client.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: found.arn,
        ModelApprovalStatus: approval,
        ApprovalDescription: (input.reason ?? `Ferry status ${input.status}`).slice(0, 1000),
        // Sent again in full: moto replaces the properties with what an update carries (AWS merges them).
        CustomerMetadataProperties: metadata,
      }),
    ),
  );
  return { arn: found.arn, approval, changed: found.approval !== approval };
}

/** The package of Ferry's `version` in `group`, newest first (most registry events are about recent versions). */
async function findPackage(client: SageMakerClient, group: string, version: number): Promise<{ arn: string; approval?: ModelApprovalStatus; status?: string } | undefined> {
  let token: string | undefined;
  do {
    const page = await call(`ListModelPackages ${group}`, () =>
      client.send(new ListModelPackagesCommand({ ModelPackageGroupName: group, ModelPackageType: 'Versioned', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100, NextToken: token })),
    );
    for (const summary of page.ModelPackageSummaryList ?? []) {
      const pkg = await call(`DescribeModelPackage ${summary.ModelPackageArn}`, () => client.send(new DescribeModelPackageCommand({ ModelPackageName: summary.ModelPackageArn })));
      if (pkg.CustomerMetadataProperties?.['ferry.version'] === String(version)) {
        return { arn: pkg.ModelPackageArn!, approval: pkg.ModelApprovalStatus, status: pkg.CustomerMetadataProperties['ferry.status'] };
      }
    }
    token = page.NextToken;
  } while (token);
  return undefined;
}

/** Whether a version belongs to a SageMaker deployment: its run deploys with `target: 'sagemaker'`, or the model was deployed there. */
export async function deploysToSagemaker(db: Db, model: string, sourceWorkflowId: string): Promise<boolean> {
  const [run] = await db.select({ spec: runs.spec }).from(runs).where(eq(runs.workflowId, sourceWorkflowId));
  const targets = ((run?.spec as { deploy?: { target?: string }[] } | undefined)?.deploy ?? []).map((d) => d.target);
  if (targets.includes('sagemaker')) return true;
  const [deployed] = await db.select({ id: deployments.id }).from(deployments).where(and(eq(deployments.model, model), eq(deployments.target, 'sagemaker'))).limit(1);
  return deployed !== undefined;
}

/**
 * Mirrors a version's registry status to its SageMaker Model Package when the version belongs to a SageMaker
 * deployment (else does nothing and returns undefined), and audits it as `model.approval-mirrored`. Idempotent: a
 * package that already shows the status is left alone; `idempotencyKey` keeps a retried call to one audit record.
 */
export async function mirrorApproval(
  db: Db,
  env: SagemakerEnv,
  input: { model: string; version: number; actor: string; workflowId?: string; reason?: string; idempotencyKey?: string },
  client?: SageMakerClient,
): Promise<ModelPackageState | undefined> {
  const [row] = await db
    .select({ status: modelVersions.status, artifactUri: modelVersions.artifactUri, sourceWorkflowId: modelVersions.sourceWorkflowId })
    .from(modelVersions)
    .where(and(eq(modelVersions.model, input.model), eq(modelVersions.version, input.version)));
  if (!row || !(await deploysToSagemaker(db, input.model, row.sourceWorkflowId))) return undefined;
  const settings = sagemakerSettings(env, `${input.model} v${input.version}: mirroring its approval to SageMaker`);
  const sm = client ?? sagemakerClient(settings);
  try {
    const state = await syncModelPackage(sm, { model: input.model, version: input.version, status: row.status, artifactUri: row.artifactUri, image: settings.image, reason: input.reason });
    await appendAudit(db, {
      actor: input.actor,
      action: 'model.approval-mirrored',
      subjectKind: 'model-version',
      subjectId: `${input.model}@${input.version}`,
      workflowId: input.workflowId,
      reason: `SageMaker Model Package ${state.arn}: ModelApprovalStatus ${state.approval}${state.changed ? '' : ' (already)'} for Ferry status ${row.status}`,
      details: { model: input.model, version: input.version, status: row.status, modelPackageGroup: input.model, modelPackageArn: state.arn, approval: state.approval, changed: state.changed },
      idempotencyKey: input.idempotencyKey,
    });
    return state;
  } finally {
    if (!client) sm.destroy();
  }
}
