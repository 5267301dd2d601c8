import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { aliases, aliasHistory, approvals, auditLog, datasets, experiments, lineageEdges, modelVersions, runs } from '../db/schema/index.js';
import type { MlflowClient, MlflowRun } from './client.js';

/**
 * The MLflow mirror: Ferry's runs, registry and alias moves made visible in an MLflow tracking server. Ferry stays the
 * source of truth; the mirror is level-triggered — each pass reads what Ferry has and writes to MLflow only what MLflow
 * lacks — so a pass interrupted anywhere (a killed worker, MLflow down) is finished by the next one, and running a pass
 * twice writes nothing twice: runs and versions are found again by their `ferry.*` tags before anything is created.
 */

/** Tags that tie MLflow objects to Ferry's. */
export const TAGS = {
  runId: 'ferry.run_id',
  version: 'ferry.version',
  aliasPlacedAt: (alias: string) => `ferry.alias.${alias}`,
} as const;

/** What one pass did. */
export interface MirrorReport {
  runs: { seen: number; created: number; updated: number };
  versions: { seen: number; created: number };
  aliases: { seen: number; moved: number; restored: number };
  /** Aliases MLflow shows elsewhere than Ferry put them (moved by hand in MLflow): reported, never followed. */
  drift: { model: string; alias: string; ferryVersion: number; mlflowVersion: string | undefined }[];
}

export interface MirrorOptions {
  /** An alias moved by hand in MLflow: `report` it (default) or `restore` Ferry's placement. */
  aliasDrift?: 'report' | 'restore';
  /** Base of Ferry's Temporal UI, for a link tag on each run. */
  temporalUiUrl?: string;
}

const FINISHED: Record<string, 'FINISHED' | 'FAILED' | 'KILLED'> = {
  succeeded: 'FINISHED',
  rejected: 'FINISHED',
  'rolled-back': 'FINISHED',
  failed: 'FAILED',
  'timed-out': 'FAILED',
  lost: 'FAILED',
  cancelled: 'KILLED',
  terminated: 'KILLED',
};

const flatten = (o: unknown, prefix = ''): Record<string, string> => {
  const out: Record<string, string> = {};
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return prefix ? { [prefix]: JSON.stringify(o) } : out;
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v, key));
    else out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
};

/** One mirror pass over everything Ferry has. */
export async function mirrorOnce(db: Db, mlflow: MlflowClient, options: MirrorOptions = {}): Promise<MirrorReport> {
  const report: MirrorReport = { runs: { seen: 0, created: 0, updated: 0 }, versions: { seen: 0, created: 0 }, aliases: { seen: 0, moved: 0, restored: 0 }, drift: [] };
  const mlflowRuns = new Map<string, MlflowRun>();
  await mirrorRuns(db, mlflow, options, report, mlflowRuns);
  await mirrorRegistry(db, mlflow, options, report, mlflowRuns);
  return report;
}

async function mirrorRuns(db: Db, mlflow: MlflowClient, options: MirrorOptions, report: MirrorReport, found: Map<string, MlflowRun>) {
  const rows = await db
    .select({ run: runs, experiment: experiments })
    .from(runs)
    .leftJoin(experiments, eq(experiments.workflowId, runs.workflowId))
    .orderBy(asc(runs.startedAt));
  const experimentIds = new Map<string, string>();
  for (const { run, experiment } of rows) {
    report.runs.seen++;
    let expId = experimentIds.get(run.pipeline);
    if (!expId) experimentIds.set(run.pipeline, (expId = await mlflow.experimentId(run.pipeline)));
    let [mlRun] = await mlflow.findRuns(expId, TAGS.runId, run.workflowId);
    const dataset = await db
      .select({ name: datasets.name, sha256: datasets.sha256 })
      .from(lineageEdges)
      .innerJoin(datasets, sql`${lineageEdges.fromId} = ${datasets.id}::text`)
      .where(and(eq(lineageEdges.toKind, 'run'), eq(lineageEdges.toId, run.workflowId), eq(lineageEdges.fromKind, 'dataset')));
    const tags: Record<string, string> = {
      [TAGS.runId]: run.workflowId,
      'ferry.temporal_run_id': run.temporalRunId,
      'ferry.pipeline': run.pipeline,
      'ferry.spec_hash': run.specHash,
      'ferry.trigger': run.trigger,
      'ferry.status': run.status,
      ...(run.triggeredBy ? { 'ferry.triggered_by': run.triggeredBy, 'mlflow.user': run.triggeredBy } : {}),
      ...(run.commit ? { 'ferry.commit': run.commit, 'mlflow.source.git.commit': run.commit } : {}),
      ...(options.temporalUiUrl ? { 'ferry.temporal_ui': `${options.temporalUiUrl}/workflows/${encodeURIComponent(run.workflowId)}` } : {}),
      ...Object.fromEntries(dataset.map((d) => [`ferry.dataset.${d.name}.sha256`, d.sha256])),
    };
    const isNew = !mlRun;
    if (!mlRun) {
      mlRun = await mlflow.createRun(expId, run.workflowId, run.startedAt.getTime(), { [TAGS.runId]: run.workflowId, 'mlflow.runName': run.workflowId });
      report.runs.created++;
    }
    found.set(run.workflowId, mlRun);
    const have = mlRun.data;
    const haveTags = new Map(have.tags.map((t) => [t.key, t.value]));
    const haveParams = new Set(have.params.map((p) => p.key));
    const haveMetrics = new Map(have.metrics.map((m) => [m.key, m.value]));
    const params: Record<string, string> = experiment ? { ...flatten(experiment.params), seed: String(experiment.seed) } : {};
    const newParams: Record<string, string> = Object.fromEntries(Object.entries(params).filter(([k]) => !haveParams.has(k)));
    const newTags: Record<string, string> = Object.fromEntries(Object.entries(tags).filter(([k, v]) => haveTags.get(k) !== v));
    const at = (experiment?.createdAt ?? run.startedAt).getTime();
    const newMetrics = Object.entries(experiment?.metrics ?? {})
      .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]) && haveMetrics.get(e[0]) !== e[1])
      .map(([key, value]) => ({ key, value, timestamp: at, step: 0 }));
    let changed = false;
    if (Object.keys(newParams).length || Object.keys(newTags).length || newMetrics.length) {
      await mlflow.logBatch(mlRun.info.run_id, { params: newParams, tags: newTags, metrics: newMetrics });
      changed = true;
    }
    const final = FINISHED[run.status];
    const mlStatus = final ?? 'RUNNING';
    if (mlRun.info.status !== mlStatus) {
      await mlflow.updateRun(mlRun.info.run_id, mlStatus, final ? (run.finishedAt ?? new Date()).getTime() : undefined);
      changed = true;
    }
    if (changed && !isNew) report.runs.updated++;
  }
}

async function mirrorRegistry(db: Db, mlflow: MlflowClient, options: MirrorOptions, report: MirrorReport, mlflowRuns: Map<string, MlflowRun>) {
  const versions = await db.select().from(modelVersions).orderBy(asc(modelVersions.model), asc(modelVersions.version));
  const byModel = new Map<string, (typeof versions)[number][]>();
  for (const v of versions) byModel.set(v.model, [...(byModel.get(v.model) ?? []), v]);
  for (const [model, list] of byModel) {
    await mlflow.createRegisteredModel(model, { 'ferry.model': model });
    const existing = await mlflow.modelVersions(model);
    const mapping = new Map<number, string>();
    const statusTags = new Map<string, string | undefined>();
    for (const mv of existing) {
      const ferry = mv.tags.find((t) => t.key === TAGS.version)?.value;
      if (ferry) mapping.set(Number(ferry), mv.version);
      if (ferry) statusTags.set(ferry, mv.tags.find((t) => t.key === 'ferry.status')?.value);
    }
    for (const v of list) {
      report.versions.seen++;
      const known = mapping.get(v.version);
      if (known) {
        if (statusTags.get(String(v.version)) !== v.status) await mlflow.setModelVersionTag(model, known, 'ferry.status', v.status);
        continue;
      }
      const run = mlflowRuns.get(v.sourceWorkflowId);
      let source = v.artifactUri;
      if (run && v.artifactUri.startsWith('file:')) {
        // The artifact travels with the MLflow run (through the mlflow-artifacts proxy), so MLflow users can load it.
        const file = fileURLToPath(v.artifactUri);
        await mlflow.uploadArtifact(run, `model/${basename(file)}`, readFileSync(file));
        source = `${run.info.artifact_uri}/model`;
      }
      const created = await mlflow.createModelVersion(model, source, run?.info.run_id, {
        [TAGS.version]: String(v.version),
        [TAGS.runId]: v.sourceWorkflowId,
        'ferry.artifact_sha256': v.artifactSha256,
        'ferry.status': v.status,
        ...(v.commit ? { 'ferry.commit': v.commit } : {}),
      });
      mapping.set(v.version, created.version);
      report.versions.created++;
    }
    await mirrorAliases(db, mlflow, options, report, model, mapping, new Map(existing.map((mv) => [mv.version, new Map(mv.tags.map((t) => [t.key, t.value]))])));
  }
}

async function mirrorAliases(db: Db, mlflow: MlflowClient, options: MirrorOptions, report: MirrorReport, model: string, mapping: Map<number, string>, versionTags: Map<string, Map<string, string>>) {
  // registered-models/get lists the aliases (model-versions/search does not, mlflow#16734).
  const registered = await mlflow.registeredModel(model);
  const placed = new Map(registered?.tags.map((t) => [t.key, t.value]) ?? []);
  const live = new Map(registered?.aliases.map((a) => [a.alias, a.version]) ?? []);
  for (const a of await db.select().from(aliases).where(eq(aliases.model, model))) {
    report.aliases.seen++;
    const want = mapping.get(a.version);
    if (!want) continue;
    const current = live.get(a.alias);
    const lastPlaced = placed.get(TAGS.aliasPlacedAt(a.alias));
    const move = await lastMove(db, model, a.alias);
    if (current === want) {
      // Moves between two passes (v1 → v2 → v1) leave the alias where it was: the tags still name the latest move.
      if (versionTags.get(want)?.get(`ferry.alias.${a.alias}.move`) !== move.text) await tagMove(mlflow, model, want, a.alias, move);
      if (lastPlaced !== want) await mlflow.setRegisteredModelTag(model, TAGS.aliasPlacedAt(a.alias), want);
      continue;
    }
    const byHand = current !== undefined && current !== lastPlaced;
    if (byHand) {
      report.drift.push({ model, alias: a.alias, ferryVersion: a.version, mlflowVersion: current });
      if (options.aliasDrift !== 'restore') continue;
      report.aliases.restored++;
    } else report.aliases.moved++;
    await mlflow.setAlias(model, a.alias, want);
    // After the alias: a pass killed in between finds the alias already where Ferry wants it and only re-tags.
    await tagMove(mlflow, model, want, a.alias, move);
    await mlflow.setRegisteredModelTag(model, TAGS.aliasPlacedAt(a.alias), want);
  }
}

async function tagMove(mlflow: MlflowClient, model: string, version: string, alias: string, move: { approvers: string[]; text: string }) {
  await mlflow.setModelVersionTag(model, version, `ferry.alias.${alias}.approvers`, move.approvers.join(', ') || 'none');
  await mlflow.setModelVersionTag(model, version, `ferry.alias.${alias}.move`, move.text);
}

/** Who moved an alias last and why, with the approvers of that move and its audit record. */
async function lastMove(db: Db, model: string, alias: string): Promise<{ approvers: string[]; text: string }> {
  const [move] = await db
    .select()
    .from(aliasHistory)
    .where(and(eq(aliasHistory.model, model), eq(aliasHistory.alias, alias)))
    .orderBy(sql`${aliasHistory.id} desc`)
    .limit(1);
  if (!move) return { approvers: [], text: 'set by Ferry' };
  // Approvals are recorded against the pipeline run; a promotion's move names its own workflow, so look through to the
  // run that produced the version as well.
  const [source] = await db.select({ run: modelVersions.sourceWorkflowId }).from(modelVersions).where(and(eq(modelVersions.model, model), eq(modelVersions.version, move.toVersion)));
  const runIds = [...new Set([move.workflowId, source?.run].filter((id): id is string => !!id))];
  const approvers = runIds.length
    ? (await db
        .select({ approver: approvals.approver })
        .from(approvals)
        .where(and(inArray(approvals.workflowId, runIds), eq(approvals.env, alias), eq(approvals.decision, 'approve')))
        .orderBy(asc(approvals.id))).map((r) => r.approver)
    : [];
  const [audit] = await db.select({ seq: auditLog.seq, action: auditLog.action }).from(auditLog).where(inArray(auditLog.idempotencyKey, [`alias.moved:${move.idempotencyKey}`, `rollback:${move.idempotencyKey}`])).limit(1);
  const auditText = audit ? `; audit #${audit.seq} (${audit.action})` : '';
  return { approvers: [...new Set(approvers)], text: `v${move.fromVersion ?? '-'} → v${move.toVersion} by ${move.actor}: ${move.reason}${auditText}` };
}
