// Where a bench:engine run's time goes, read from the runs' histories and /proc: per activity type, per workflow task,
// per event kind, and the CPU of this process's children. Used by bench/engine.ts.
import { readdirSync, readFileSync } from 'node:fs';
import protos from '@temporalio/proto';

// CommonJS package: Node's ESM loader exposes only its default export.
const { temporal } = protos;
const EventType = temporal.api.enums.v1.EventType;
type History = protos.temporal.api.history.v1.IHistory;

/** CPU ms used so far by this process's child processes (the dev server and git), from /proc (Linux; 0 elsewhere). */
export function childrenCpuMs(): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        // Fields after the command name: state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from 1.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[1]) === process.pid) ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      } catch {
        // The process ended meanwhile.
      }
    }
    // Children that exited and were reaped (git spawns) count in this process's own cutime/cstime.
    const self = readFileSync('/proc/self/stat', 'utf8');
    const own = self.slice(self.lastIndexOf(')') + 2).split(' ');
    ticks += Number(own[13]) + Number(own[14]);
  } catch {
    return 0;
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

const tsMs = (t: protos.temporal.api.history.v1.IHistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** Per activity type: calls per run and mean scheduled → completed time, from the runs' histories. */
export function activityProfile(histories: History[]): { activity: string; perRun: number; meanMs: number; totalMsPerRun: number }[] {
  const byType = new Map<string, number[]>();
  for (const history of histories) {
    const events = history.events ?? [];
    const scheduled = new Map<string, { type: string; at: number }>();
    for (const e of events) {
      if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes!.activityType!.name!, at: tsMs(e.eventTime) });
      } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        const s = scheduled.get(String(e.activityTaskCompletedEventAttributes!.scheduledEventId));
        if (s) byType.set(s.type, [...(byType.get(s.type) ?? []), tsMs(e.eventTime) - s.at]);
      }
    }
  }
  return [...byType.entries()]
    .map(([activity, ms]) => {
      const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
      return { activity, perRun: ms.length / histories.length, meanMs: mean, totalMsPerRun: (mean * ms.length) / histories.length };
    })
    .sort((a, b) => b.totalMsPerRun - a.totalMsPerRun);
}

/** History events per run by kind (markers by name: a patch id or the local activity's type), from the runs' histories. */
export function eventKinds(histories: History[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const history of histories) {
    for (const e of history.events ?? []) {
      let kind = EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(e.eventType);
      if (e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED) kind += ` ${e.markerRecordedEventAttributes?.markerName ?? ''}`;
      counts[kind] = (counts[kind] ?? 0) + 1 / histories.length;
    }
  }
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

/**
 * Mean time of a run's k-th workflow task (scheduled → completed) and what it recorded: the events it completed with,
 * up to the next task (local-activity markers are recorded there, so a task's time includes its local activities).
 */
export function workflowTaskProfile(histories: History[]): { task: number; meanMs: number; recorded: string }[] {
  const rows = new Map<number, { ms: number[]; recorded: string }>();
  for (const history of histories) {
    const events = history.events ?? [];
    const scheduled = new Map<string, number>();
    let k = 0;
    events.forEach((e, i) => {
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) scheduled.set(String(e.eventId), tsMs(e.eventTime));
      if (e.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return;
      const ms = tsMs(e.eventTime) - (scheduled.get(String(e.workflowTaskCompletedEventAttributes!.scheduledEventId)) ?? tsMs(e.eventTime));
      const after: string[] = [];
      for (const next of events.slice(i + 1)) {
        if (next.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || next.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) break;
        const kind = EventType[next.eventType ?? 0]?.replace('EVENT_TYPE_', '').toLowerCase() ?? '?';
        after.push(kind === 'marker_recorded' ? (next.markerRecordedEventAttributes?.markerName ?? kind) : kind === 'activity_task_scheduled' ? `schedule ${next.activityTaskScheduledEventAttributes?.activityType?.name}` : kind);
      }
      const row = rows.get(k) ?? { ms: [], recorded: after.join(', ') };
      row.ms.push(ms);
      rows.set(k++, row);
    });
  }
  return [...rows.entries()].map(([task, row]) => ({ task: task + 1, meanMs: row.ms.reduce((a, b) => a + b, 0) / row.ms.length, recorded: row.recorded }));
}

/** Workflow start → close time per run, and how much of it workflow tasks (not activities) took. */
export function workflowTaskMsPerRun(histories: History[]): number {
  let total = 0;
  for (const history of histories) {
    const scheduled = new Map<string, number>();
    for (const e of history.events ?? []) {
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) scheduled.set(String(e.eventId), tsMs(e.eventTime));
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) total += tsMs(e.eventTime) - (scheduled.get(String(e.workflowTaskCompletedEventAttributes!.scheduledEventId)) ?? tsMs(e.eventTime));
    }
  }
  return total / histories.length;
}

