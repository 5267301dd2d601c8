import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { parse } from 'csv-parse/sync';
import { and, eq, gt, lte } from 'drizzle-orm';
import { artifacts, feedback, monitorChecks, predictions } from '../src/db/schema/index.js';
import { detectDrift, prepareColumns, renderHtmlReport, tableFromRows, type DriftReport } from '../src/drift/index.js';
import type { MonitorSpec } from '../src/dsl/spec.js';
import { getVersion } from '../src/registry/index.js';
import type { ActivityDeps } from './deps.js';

/** A window of predictions whose labels had not all arrived when it was checked. */
export interface LabelWindow {
  start: string;
  end: string;
  version: number;
  checks: number;
}

export interface MonitorCheckRequest {
  model: string;
  env: string;
  /** Window (start, end]; a first check takes everything up to `end`. */
  start?: string;
  end: string;
  spec: MonitorSpec;
  pendingWindows: LabelWindow[];
  /** Sequence number of the check in the monitor's life: with the workflow id, the idempotency key. */
  check: number;
}

export interface MonitorCheckResult {
  version?: number;
  predictions: number;
  breached: boolean;
  kinds: ('drift' | 'performance' | 'data-quality')[];
  summary: string;
  drift?: { driftedShare: number; drifted: string[]; statistics: Record<string, number>; reportPath: string };
  performance?: { accuracy: number; labeled: number; window: { start: string; end: string } }[];
  quality?: { column: string; missingShare: number; unseenShare: number }[];
  pendingWindows: LabelWindow[];
}

const QUALITY_MISSING_MAX = 0.2;
const QUALITY_UNSEEN_MAX = 0.1;

function cell(value: unknown): string {
  return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function predicted(output: unknown, field: string | undefined): unknown {
  return field && output !== null && typeof output === 'object' ? (output as Record<string, unknown>)[field] : output;
}

/** The monitor's checks: drift against the training reference, data quality, and performance once labels arrive. */
export function createMonitorActivities(deps: ActivityDeps) {
  const { db, home } = deps;

  async function window(model: string, env: string, version: number, start: string | undefined, end: string) {
    const conditions = [eq(predictions.model, model), eq(predictions.env, env), eq(predictions.version, version), lte(predictions.at, new Date(end))];
    if (start) conditions.push(gt(predictions.at, new Date(start)));
    return db.select({ requestId: predictions.requestId, inputs: predictions.inputs, outputs: predictions.outputs, error: predictions.error }).from(predictions).where(and(...conditions));
  }

  async function reference(sha256: string): Promise<{ header: string[]; rows: string[][] } | undefined> {
    const [row] = await db.select().from(artifacts).where(eq(artifacts.sha256, sha256));
    if (!row) return undefined;
    const records = parse(readFileSync(fileURLToPath(row.uri), 'utf8'), { skip_empty_lines: true }) as string[][];
    return { header: records[0] ?? [], rows: records.slice(1) };
  }

  async function accuracyOf(model: string, env: string, w: LabelWindow, field: string | undefined) {
    const rows = await db
      .select({ outputs: predictions.outputs, label: feedback.label })
      .from(predictions)
      .leftJoin(feedback, eq(feedback.requestId, predictions.requestId))
      .where(and(eq(predictions.model, model), eq(predictions.env, env), eq(predictions.version, w.version), gt(predictions.at, new Date(w.start)), lte(predictions.at, new Date(w.end))));
    const labeled = rows.filter((r) => r.label !== null && r.label !== undefined);
    const correct = labeled.filter((r) => JSON.stringify(predicted(r.outputs, field)) === JSON.stringify(r.label)).length;
    return { total: rows.length, labeled: labeled.length, accuracy: labeled.length ? correct / labeled.length : NaN };
  }

  return {
    /** One check of a monitored deployment; every result is stored in `monitor_checks` (once per check number). */
    async runMonitorCheck(input: MonitorCheckRequest): Promise<MonitorCheckResult> {
      const { model, env, spec } = input;
      const info = Context.current().info;
      const keyBase = `${info.workflowExecution?.workflowId}:check${input.check}`;
      const current = await getVersion(db, model, env);
      if (!current) return { predictions: 0, breached: false, kinds: [], summary: `nothing serves ${model} in ${env}`, pendingWindows: input.pendingWindows };
      const start = input.start ?? new Date(0).toISOString();
      const rows = (await window(model, env, current.version, input.start, input.end)).filter((r) => r.error === null);
      const result: MonitorCheckResult = { version: current.version, predictions: rows.length, breached: false, kinds: [], summary: '', pendingWindows: [] };
      const notes: string[] = [];

      const ref = current.referenceSha256 ? await reference(current.referenceSha256) : undefined;
      if (ref && rows.length >= spec.minRows) {
        const currentRows = rows.map((r) => ref.header.map((column) => cell((r.inputs as Record<string, unknown>)[column])));
        const refTable = tableFromRows(ref.header, ref.rows);
        const curTable = tableFromRows(ref.header, currentRows);
        const report: DriftReport = detectDrift(refTable, curTable, { referenceName: 'training reference', currentName: `${env} window` });
        const dir = join(home, 'reports');
        mkdirSync(dir, { recursive: true });
        const reportPath = join(dir, `drift-${model}-${env}-v${current.version}-${input.check}.html`);
        writeFileSync(reportPath, renderHtmlReport(report, prepareColumns(refTable, curTable), `Drift of ${model} v${current.version} in ${env}`));
        const drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
        result.drift = { driftedShare: report.driftedShare, drifted, statistics: Object.fromEntries(report.columns.map((c) => [c.column, c.statistic])), reportPath };
        const breached = report.driftedShare >= spec.maxDriftShare && drifted.length > 0;
        if (breached) result.kinds.push('drift');
        notes.push(`drift ${(report.driftedShare * 100).toFixed(0)}% of features${drifted.length ? ` (${drifted.join(', ')})` : ''}`);
        await record('drift', breached, result.drift);

        // Data quality: empty cells and categories the model never saw.
        const seen = new Map(ref.header.map((column, i) => [column, new Set(ref.rows.map((r) => r[i]))]));
        result.quality = ref.header.map((column, i) => {
          const values = currentRows.map((r) => r[i] ?? '');
          const present = values.filter((v) => v !== '');
          const numeric = [...seen.get(column)!].every((v) => v === '' || Number.isFinite(Number(v)));
          const unseen = numeric ? 0 : present.filter((v) => !seen.get(column)!.has(v)).length;
          return { column, missingShare: (values.length - present.length) / Math.max(1, values.length), unseenShare: unseen / Math.max(1, present.length) };
        });
        const bad = result.quality.filter((q) => q.missingShare > QUALITY_MISSING_MAX || q.unseenShare > QUALITY_UNSEEN_MAX);
        if (bad.length) result.kinds.push('data-quality');
        await record('data-quality', bad.length > 0, { columns: result.quality });
      } else {
        notes.push(ref ? `${rows.length} prediction(s): too few for drift (min ${spec.minRows})` : 'no training reference for drift');
      }

      if (spec.minMetric) {
        const windows: LabelWindow[] = [...input.pendingWindows, ...(rows.length ? [{ start, end: input.end, version: current.version, checks: 0 }] : [])];
        result.performance = [];
        for (const w of windows) {
          const perf = await accuracyOf(model, env, w, spec.predictionField);
          if (perf.total > 0 && perf.labeled / perf.total >= spec.minLabeledShare) {
            result.performance.push({ accuracy: perf.accuracy, labeled: perf.labeled, window: { start: w.start, end: w.end } });
            const breached = perf.accuracy < spec.minMetric.min;
            if (breached && !result.kinds.includes('performance')) result.kinds.push('performance');
            notes.push(`accuracy ${perf.accuracy.toFixed(3)} on ${perf.labeled} label(s) (min ${spec.minMetric.min})`);
            await record(`performance`, breached, { ...perf, window: w }, `${w.start}`);
          } else if (w.checks + 1 < spec.labelWaitChecks && w.version === current.version) {
            result.pendingWindows.push({ ...w, checks: w.checks + 1 });
          }
        }
        if (result.pendingWindows.length) notes.push(`${result.pendingWindows.length} window(s) waiting for labels`);
      }
      result.breached = result.kinds.length > 0;
      result.summary = `${model} v${current.version} in ${env}: ${rows.length} prediction(s); ${notes.join('; ')}`;
      return result;

      async function record(kind: string, breached: boolean, details: unknown, suffix = '') {
        await db
          .insert(monitorChecks)
          .values({ model, env, version: current!.version, kind, windowStart: new Date(start), windowEnd: new Date(input.end), result: details as object, breached, workflowId: info.workflowExecution?.workflowId, idempotencyKey: `${keyBase}:${kind}${suffix}` })
          .onConflictDoNothing();
      }
    },
  };
}
