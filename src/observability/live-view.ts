import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { RunStatus } from '../core/status.js';

/** An activity the run is executing now, with the progress its last heartbeat carried. */
export interface ActivityProgress {
  activity: string;
  attempt: number;
  progress?: unknown;
  heartbeatAt?: number;
  startedAt?: number;
}

type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;

function ms(ts: Timestamp): number | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/**
 * Describes the run's workflow: whether it still runs, and its pending activities with their last heartbeat details
 * (function steps report progress with `ctx.heartbeat(progress)`).
 */
export async function describeProgress(handle: WorkflowHandle): Promise<{ running: boolean; activities: ActivityProgress[] }> {
  const description = await handle.describe();
  const activities = (description.raw.pendingActivities ?? []).map((p) => {
    const payload = p.heartbeatDetails?.payloads?.[0];
    let progress: unknown;
    try {
      progress = payload ? defaultPayloadConverter.fromPayload(payload) : undefined;
    } catch {
      progress = '(undecodable heartbeat details)';
    }
    return { activity: p.activityType?.name ?? '?', attempt: p.attempt ?? 1, progress, heartbeatAt: ms(p.lastHeartbeatTime), startedAt: ms(p.lastStartedTime) };
  });
  return { running: description.status.name === 'RUNNING', activities };
}

/** A progress value as text: a bar for a fraction or percent (`0.4`, `{ percent: 40 }`), the other fields after it. */
export function formatProgress(progress: unknown, width = 20): string {
  if (progress === undefined || progress === null) return '';
  const bar = (fraction: number) => {
    const f = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(f * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%`;
  };
  if (typeof progress === 'number') return progress >= 0 && progress <= 1 ? bar(progress) : String(progress);
  if (typeof progress !== 'object') return String(progress);
  const o = { ...(progress as Record<string, unknown>) };
  let head = '';
  if (typeof o.percent === 'number') head = bar(o.percent / 100);
  else if (typeof o.fraction === 'number') head = bar(o.fraction);
  else if (typeof o.done === 'number' && typeof o.total === 'number' && o.total > 0) head = `${bar(o.done / o.total)} ${o.done}/${o.total}`;
  for (const key of ['percent', 'fraction', ...(head.includes('/') ? ['done', 'total'] : [])]) delete o[key];
  const rest = Object.entries(o).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return [head, rest].filter(Boolean).join(' ');
}

function seconds(from: number | undefined, to: number | undefined): string {
  if (from === undefined || to === undefined) return '';
  const s = Math.max(0, (to - from) / 1000);
  return s >= 120 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
}

const MARK: Record<string, string> = { pending: '·', running: '▶', waiting: '…', succeeded: '✓', failed: '✗', skipped: '-' };

/**
 * One frame of `ferry status --watch`: the run's state, each stage with its state and duration (running stages count
 * up to `now`), and under the running stage the pending activities with their progress.
 */
export function renderRunView(status: RunStatus, activities: ActivityProgress[], now: number): string[] {
  const lines = [`Run ${status.workflowId}  pipeline ${status.pipeline}  model ${status.model}${status.modelVersion ? ` v${status.modelVersion}` : ''}  ${status.state}`, ''];
  const width = Math.max(5, ...status.stages.map((s) => s.name.length));
  for (const stage of status.stages) {
    const open = stage.state === 'running' || stage.state === 'waiting';
    const took = seconds(stage.startedAt, stage.finishedAt ?? (open ? now : undefined));
    lines.push(`  ${MARK[stage.state] ?? ' '} ${stage.name.padEnd(width)}  ${stage.state.padEnd(9)} ${took.padStart(8)}  ${stage.detail ?? ''}`.trimEnd());
    if (!open) continue;
    for (const a of activities) {
      const progress = formatProgress(a.progress);
      const beat = a.heartbeatAt ? ` (heartbeat ${seconds(a.heartbeatAt, now)} ago)` : '';
      lines.push(`      ↳ ${a.activity}${a.attempt > 1 ? ` attempt ${a.attempt}` : ''}${progress ? `  ${progress}` : ''}${progress ? beat : ''}`);
    }
    for (const approval of stage.state === 'waiting' ? (status.approvals ?? []) : []) {
      lines.push(`      ↳ ${approval.env}: ${approval.decisions.length}/${approval.required} approval(s); npx ferry approve ${status.workflowId}`);
    }
  }
  if (status.error) lines.push('', `Error: ${status.error}`);
  return lines;
}
