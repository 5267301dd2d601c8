import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { and, count, eq, gt, isNull, lte, max, min } from 'drizzle-orm';
import { appendAudit } from '../src/audit/index.js';
import { artifacts, feedback, monitorChecks, predictions } from '../src/db/schema/index.js';
import { renderHtmlReport, withFdrControl } from '../src/drift/index.js';
import type { MonitorSpec } from '../src/core/spec.js';
import { getVersion } from '../src/registry/index.js';
import type { ActivityDeps } from './deps.js';
import { exactAccuracy, judgeWindow, metricRules, verdictText, type MetricVerdict } from './monitor-metrics.js';
import { estimateRows, estimateText, estimateWindow, type EstimateVerdict } from './monitor-estimate.js';
import { checkPredictionWindow } from './monitor-window.js';

/**
 * A window of predictions, by prediction id: (afterId, toId]. Ids, not timestamps, bound windows because the model server
 * writes its log in batches: a record stamped just before a check may land after it, and a time window would lose it.
 */
export interface LabelWindow {
  afterId: number;
  toId: number;
  /** Time span of the window's predictions, for people. */
  start: string;
  end: string;
  version: number;
  /** Checks that have looked for its labels so far. */
  checks: number;
  /** CBPE's estimate for the window when it was fresh: reported beside the realised metric once labels arrive. */
  estimated?: { label: string; value: number };
}

export interface MonitorCheckRequest {
  model: string;
  env: string;
  /** Predictions after this id (the previous check's `cursor`); a first check takes everything logged so far. */
  afterId?: number;
  /** When the check runs (workflow time), for the report. */
  end: string;
  spec: MonitorSpec;
  pendingWindows: LabelWindow[];
  /** Sequence number of the check in the monitor's life: with the workflow run, the idempotency key. */
  check: number;
}

export interface MonitorCheckResult {
  version?: number;
  predictions: number;
  /** The highest prediction id this check saw: the next check's `afterId`. */
  cursor: number;
  breached: boolean;
  kinds: ('drift' | 'performance' | 'estimated-performance' | 'data-quality')[];
  summary: string;
  drift?: { driftedShare: number; drifted: string[]; statistics: Record<string, number>; reportPath: string };
  /** Per judged window: exact-match accuracy (for people; NaN-free only for classifiers) and every metric rule's verdict. */
  performance?: { accuracy: number; labeled: number; window: { start: string; end: string }; metrics: MetricVerdict[] }[];
  quality?: { column: string; missingShare: number; unseenShare: number }[];
  /** The `estimatedMetric` rule's verdict on this check's window (CBPE, before labels arrive). */
  estimated?: EstimateVerdict;
  pendingWindows: LabelWindow[];
}

export interface MonitorActionInput {
  model: string;
  env: string;
  version?: number;
  check: number;
  /** alert | rollback | retrain | escalate */
  action: string;
  summary: string;
  incidentId?: number;
  outcome?: Record<string, unknown>;
}

const QUALITY_MISSING_MAX = 0.2;
const QUALITY_UNSEEN_MAX = 0.1;


/** Workflow id and run id of the calling monitor: check numbers restart when a monitor is started anew, run ids do not repeat. */
function runKey(): { workflowId: string | undefined; key: string } {
  const { workflowExecution, activityId } = Context.current().info;
  return { workflowId: workflowExecution?.workflowId, key: workflowExecution ? `${workflowExecution.workflowId}:${workflowExecution.runId}` : `activity/${activityId}` };
}

/** The monitor's checks: drift against the training reference, data quality, and performance once labels arrive. */
export function createMonitorActivities(deps: ActivityDeps) {
  const { db, home } = deps;

  async function cursorOf(model: string, env: string): Promise<number> {
    const [row] = await db.select({ id: max(predictions.id) }).from(predictions).where(and(eq(predictions.model, model), eq(predictions.env, env)));
    return Number(row?.id ?? 0);
  }

  /** Size and time span of a window; its features are read by `checkPredictionWindow`, column-wise, only when judged. */
  async function windowStats(model: string, env: string, version: number, afterId: number, toId: number) {
    const [row] = await db
      .select({ n: count(), first: min(predictions.at), last: max(predictions.at) })
      .from(predictions)
      .where(and(eq(predictions.model, model), eq(predictions.env, env), eq(predictions.version, version), gt(predictions.id, afterId), lte(predictions.id, toId), isNull(predictions.error)));
    return { n: Number(row?.n ?? 0), first: row?.first ?? null, last: row?.last ?? null };
  }

  /** The training reference's local file, and whether it is a whole dataset (judged on the model's input columns). */
  async function referencePath(sha256: string): Promise<{ path: string; dataset: boolean } | undefined> {
    const [row] = await db.select().from(artifacts).where(eq(artifacts.sha256, sha256));
    // Where the artifact lives (a file, or a bucket it is fetched from into the local cache), else the store's copy.
    const path = (row ? await deps.store.fetch(row.uri) : deps.store.find(sha256)) ?? undefined;
    return path ? { path, dataset: row?.kind === 'dataset' } : undefined;
  }

  /** A window's predictions with their labels (where any arrived): what the metric rules judge. */
  async function labelled(model: string, env: string, w: LabelWindow) {
    const rows = await db
      .select({ outputs: predictions.outputs, label: feedback.label })
      .from(predictions)
      .leftJoin(feedback, eq(feedback.requestId, predictions.requestId))
      .where(and(eq(predictions.model, model), eq(predictions.env, env), eq(predictions.version, w.version), gt(predictions.id, w.afterId), lte(predictions.id, w.toId), isNull(predictions.error)));
    return { total: rows.length, labeled: rows.filter((r) => r.label !== null && r.label !== undefined) };
  }

  /** Stores one finding in `monitor_checks` and audits it in the same transaction; a retried check writes nothing twice. */
  async function record(row: { model: string; env: string; version: number; kind: string; start: string; end: string; breached: boolean; action?: string; details: object; key: string; workflowId?: string }) {
    await db.transaction(async (tx) => {
      const [created] = await tx
        .insert(monitorChecks)
        .values({ model: row.model, env: row.env, version: row.version, kind: row.kind, windowStart: new Date(row.start), windowEnd: new Date(row.end), result: row.details, breached: row.breached, action: row.action ?? null, workflowId: row.workflowId ?? null, idempotencyKey: row.key })
        .onConflictDoNothing({ target: monitorChecks.idempotencyKey })
        .returning({ id: monitorChecks.id });
      if (!created) return;
      await appendAudit(tx, {
        actor: 'ferry-monitor',
        action: row.action ? 'monitor.action' : row.breached ? 'monitor.breach' : 'monitor.check',
        subjectKind: 'deployment',
        subjectId: `${row.model}@${row.env}`,
        workflowId: row.workflowId,
        reason: row.action ? `${row.action}: ${(row.details as { summary?: string }).summary ?? ''}` : `${row.kind} ${row.breached ? 'breach' : 'within bounds'}`,
        details: { model: row.model, env: row.env, version: row.version, kind: row.kind, checkId: created.id, breached: row.breached, action: row.action ?? null, result: row.details },
        idempotencyKey: `monitor-check:${row.key}`,
      });
    });
  }

  return {
    /** One check of a monitored deployment; every finding is stored in `monitor_checks` and audited (once per check). */
    async runMonitorCheck(input: MonitorCheckRequest): Promise<MonitorCheckResult> {
      const { model, env, spec } = input;
      const { workflowId, key } = runKey();
      const keyBase = `${key}:check${input.check}`;
      const afterId = input.afterId ?? 0;
      const cursor = Math.max(afterId, await cursorOf(model, env));
      const current = await getVersion(db, model, env);
      if (!current) return { predictions: 0, cursor, breached: false, kinds: [], summary: `nothing serves ${model} in ${env}`, pendingWindows: input.pendingWindows };
      const stats = await windowStats(model, env, current.version, afterId, cursor);
      const start = new Date(stats.first ?? Date.parse(input.end)).toISOString();
      const end = new Date(stats.last ?? Date.parse(input.end)).toISOString();
      const result: MonitorCheckResult = { version: current.version, predictions: stats.n, cursor, breached: false, kinds: [], summary: '', pendingWindows: [] };
      const notes: string[] = [];
      const save = (kind: string, breached: boolean, details: object, suffix = '') =>
        record({ model, env, version: current.version, kind, start, end, breached, details, key: `${keyBase}:${kind}${suffix}`, workflowId });

      const ref = current.referenceSha256 ? await referencePath(current.referenceSha256) : undefined;
      if (ref && current.referenceSha256 && stats.n >= spec.minRows) {
        const { report: raw, columns, quality } = await checkPredictionWindow(
          db,
          { model, env, version: current.version, afterId, toId: cursor },
          { path: ref.path, sha256: current.referenceSha256, storeDir: join(home, 'drift-reference'), inputsOnly: ref.dataset },
          { referenceName: 'training reference', currentName: `${env} window` },
        );
        const report = spec.driftFdr === undefined ? raw : withFdrControl(raw, spec.driftFdr);
        const dir = join(home, 'reports');
        mkdirSync(dir, { recursive: true });
        const reportPath = join(dir, `drift-${model}-${env}-v${current.version}-${input.check}.html`);
        writeFileSync(reportPath, renderHtmlReport(report, columns, `Drift of ${model} v${current.version} in ${env}`));
        const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
        result.drift = { driftedShare: report.driftedShare, drifted, statistics: Object.fromEntries(report.columns.map((c) => [c.column, c.statistic])), reportPath };
        const breached = report.driftedShare >= spec.maxDriftShare && drifted.length > 0;
        if (breached) result.kinds.push('drift');
        notes.push(`drift ${(report.driftedShare * 100).toFixed(0)}% of features${drifted.length ? ` (${drifted.join(', ')})` : ''}`);
        await save('drift', breached, result.drift);

        // Data quality: empty cells and categories the model never saw.
        result.quality = quality;
        const bad = result.quality.filter((q) => q.missingShare > QUALITY_MISSING_MAX || q.unseenShare > QUALITY_UNSEEN_MAX);
        if (bad.length) result.kinds.push('data-quality');
        notes.push(bad.length ? `data quality: ${bad.map((q) => q.column).join(', ')}` : 'data quality ok');
        await save('data-quality', bad.length > 0, { columns: result.quality });
      } else {
        notes.push(ref ? `${stats.n} prediction(s): too few for drift (min ${spec.minRows}), the next check adds to them` : 'no training reference for drift');
      }
      // Too few rows to judge: keep the window open, so the next check sees these rows with the new ones instead of a
      // burst of traffic being cut into pieces too small to judge.
      const hold = ref !== undefined && stats.n > 0 && stats.n < spec.minRows;
      if (hold) result.cursor = afterId;
      // The label field defaults to the one the model's predictor declares.
      const field = spec.predictionField ?? deps.config.predictors.get(model)?.labelField;

      if (spec.estimatedMetric && spec.scoreField && stats.n >= spec.minRows) {
        const rows = await estimateRows(db, { model, env, version: current.version, afterId, toId: cursor });
        const verdict = estimateWindow(spec.estimatedMetric, rows.reference, rows.window, { prediction: field, score: spec.scoreField }, spec.minRows);
        result.estimated = verdict;
        const breached = verdict.breached && !verdict.shadow;
        if (breached) result.kinds.push('estimated-performance');
        notes.push(estimateText(verdict));
        await save('estimated-performance', breached, { metrics: [verdict], window: { afterId, toId: cursor } });
      }
      const estimated = result.estimated && !result.estimated.error ? { label: result.estimated.label, value: result.estimated.value } : undefined;

      if (metricRules(spec).length) {
        const fresh: LabelWindow[] = stats.n && !hold ? [{ afterId, toId: cursor, start, end, version: current.version, checks: 0, ...(estimated ? { estimated } : {}) }] : [];
        result.performance = [];
        // A window of a version no longer served is dropped: its verdict must not act on the version serving now.
        for (const w of [...input.pendingWindows.filter((p) => p.version === current.version), ...fresh]) {
          const { total, labeled } = await labelled(model, env, w);
          if (total > 0 && labeled.length / total >= spec.minLabeledShare) {
            const verdicts = judgeWindow(spec, labeled, field);
            const accuracy = exactAccuracy(labeled, field);
            result.performance.push({ accuracy: accuracy ?? NaN, labeled: labeled.length, window: { start: w.start, end: w.end }, metrics: verdicts });
            const breached = verdicts.some((v) => v.breached && !v.shadow);
            if (breached && !result.kinds.includes('performance')) result.kinds.push('performance');
            const before = w.estimated ? `; ${w.estimated.label} was ${w.estimated.value.toFixed(3)} before its labels` : '';
            notes.push(verdicts.map((v) => verdictText(v, `on ${labeled.length} label(s) of v${w.version}`)).join('; ') + before);
            const details = { total, labeled: labeled.length, ...(accuracy === undefined ? {} : { accuracy }), metrics: verdicts, window: w, ...(w.estimated ? { estimated: w.estimated } : {}) };
            await record({ model, env, version: w.version, kind: 'performance', start: w.start, end: w.end, breached, details, key: `${keyBase}:performance:${w.afterId}-${w.toId}`, workflowId });
          } else if (total > 0 && w.checks + 1 < spec.labelWaitChecks) {
            // Labels are late: the window waits, durably, in the monitor's state.
            result.pendingWindows.push({ ...w, checks: w.checks + 1 });
          }
        }
        if (result.pendingWindows.length) notes.push(`${result.pendingWindows.length} window(s) waiting for labels`);
      }
      result.breached = result.kinds.length > 0;
      result.summary = `${model} v${current.version} in ${env}: ${stats.n} prediction(s); ${notes.join('; ')}`;
      return result;
    },

    /** Stores and audits what the monitor did about a breach (alert, rollback, retrain, escalate); once per check. */
    async recordMonitorAction(input: MonitorActionInput): Promise<void> {
      const { workflowId, key } = runKey();
      const now = new Date().toISOString();
      await record({
        model: input.model,
        env: input.env,
        version: input.version ?? 0,
        kind: 'action',
        start: now,
        end: now,
        breached: true,
        action: input.action,
        details: { summary: input.summary, incidentId: input.incidentId ?? null, ...input.outcome },
        key: `${key}:check${input.check}:action:${input.action}`,
        workflowId,
      });
    },
  };
}
