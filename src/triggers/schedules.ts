import type { Signer } from '../auth/attest.js';
import { signRunStart } from '../runs/start-attestation.js';
import { pinCommit } from '../runs/submit.js';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { LoadedPipeline } from '../dsl/load.js';
import { durationMs, durationSchema } from '../core/duration.js';
import { FerryError, UsageError } from '../core/errors.js';
import { searchAttributes } from '../core/search-attributes.js';
import type { PipelineRunInput } from '../../workflows/pipeline.js';
import { firstIssue } from '../dsl/issues.js';

/** What Ferry keeps in a schedule's memo, so `list` can show it without re-reading pipeline files. */
const scheduleMemoSchema = z.object({
  pipeline: z.string(),
  file: z.string(),
  specHash: z.string(),
  every: durationSchema,
  createdBy: z.string().optional(),
  ref: z.string().optional(),
});
export type ScheduleMemo = z.infer<typeof scheduleMemoSchema>;

const scheduleIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected letters, digits, ".", "_" or "-" (e.g. churn-nightly)');

export interface AddScheduleOptions {
  /** Interval between runs, e.g. `1d` (validated with the DSL's duration schema; at least 1s). */
  every: string;
  /** Schedule id; default `<pipeline>-every-<every>`. */
  id?: string;
  /** Task queue of the workers that run Ferry's workflows. */
  taskQueue: string;
  createdBy?: string;
  /** The creator's key: signs the schedule's runs once, for this schedule id (src/runs/start-attestation.ts). */
  signer?: Signer;
  /** Git ref every run integrates (default: the spec's `repo.ref`, resolved anew at each run). */
  ref?: string;
}

export interface ScheduleRow {
  id: string;
  pipeline: string;
  every: string;
  specHash: string;
  paused: boolean;
  nextRuns: Date[];
  lastRun?: Date;
  lastWorkflowId?: string;
}

/** Parses `--every`: a duration such as `1d`, at least one second; anything else is a usage error naming the flag. */
export function parseEvery(every: string): number {
  const parsed = durationSchema.safeParse(every);
  if (!parsed.success) throw new UsageError(`--every ${every}: ${firstIssue(parsed.error, every).message}`);
  const ms = durationMs(parsed.data);
  if (ms < 1000) throw new UsageError(`--every ${every}: expected at least 1s`);
  return ms;
}

/**
 * Creates a Temporal Schedule that starts `pipelineRun` every `every`. The validated spec is the action's input, so it is
 * frozen at add time: editing the pipeline file later changes nothing until the schedule is removed and added again.
 * Overlap policy SKIP: while a run (e.g. one waiting for approval) is still open, the next tick is skipped.
 */
export async function addSchedule(client: Client, loaded: LoadedPipeline, options: AddScheduleOptions): Promise<{ id: string; nextRuns: Date[] }> {
  const everyMs = parseEvery(options.every);
  const { spec } = loaded;
  const id = options.id ?? `${spec.name}-every-${options.every}`;
  const validId = scheduleIdSchema.safeParse(id);
  if (!validId.success) throw new UsageError(`--id ${id}: ${firstIssue(validId.error, id).message}`);
  const model = spec.model ?? spec.name;
  // A wrong URL or ref fails now, not at the first tick; the ref stays a name so each tick fetches and resolves it anew.
  await pinCommit(loaded, options.ref);
  const claim = { scheduleId: id, specHash: loaded.specHash, trigger: 'schedule', triggeredBy: options.createdBy, ref: options.ref, taskQueue: options.taskQueue };
  const attestation = options.signer ? signRunStart(options.signer, claim) : undefined;
  const input: PipelineRunInput = { spec, specHash: loaded.specHash, trigger: 'schedule', triggeredBy: options.createdBy, ref: options.ref, taskQueue: options.taskQueue, ...(attestation ? { attestation } : {}) };
  const memo: ScheduleMemo = { pipeline: spec.name, file: loaded.file, specHash: loaded.specHash, every: options.every, createdBy: options.createdBy, ref: options.ref };
  try {
    const handle = await client.schedule.create({
      scheduleId: id,
      spec: { intervals: [{ every: everyMs }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { ferry: memo },
      action: {
        type: 'startWorkflow',
        workflowType: 'pipelineRun',
        // Temporal appends the scheduled time, so each run gets its own id: `<schedule id>-<timestamp>`.
        workflowId: id,
        taskQueue: options.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: searchAttributes.pipeline, value: spec.name },
          { key: searchAttributes.model, value: model },
          { key: searchAttributes.status, value: 'running' },
          { key: searchAttributes.stage, value: 'integrate' },
        ],
        staticSummary: `${spec.name} → model ${model} (schedule ${id})`,
        staticDetails: `Pipeline **${spec.name}** (${loaded.file}), spec sha256 \`${loaded.specHash.slice(0, 16)}\` frozen when schedule \`${id}\` was added, every ${options.every}.`,
      },
    });
    const description = await handle.describe();
    return { id, nextRuns: description.info.nextActionTimes };
  } catch (err) {
    if ((err as Error).name === 'ScheduleAlreadyRunning') {
      throw new UsageError(`--id ${id}: a schedule with this id exists; pick another --id or 'ferry schedule remove ${id}' first`, { cause: err });
    }
    throw err;
  }
}

/** Ferry's schedules (those starting `pipelineRun`), with their next run times. Listing is eventually consistent. */
export async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const summary of client.schedule.list()) {
    if (summary.action?.workflowType !== 'pipelineRun') continue;
    const memo = scheduleMemoSchema.safeParse(summary.memo?.ferry);
    const last = summary.info.recentActions.at(-1);
    rows.push({
      id: summary.scheduleId,
      pipeline: memo.success ? memo.data.pipeline : '?',
      every: memo.success ? memo.data.every : '?',
      specHash: memo.success ? memo.data.specHash : '',
      paused: summary.state.paused,
      nextRuns: summary.info.nextActionTimes,
      lastRun: last?.takenAt,
      lastWorkflowId: last?.action.workflow.workflowId,
    });
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}

/** Deletes a Ferry schedule; runs it already started go on. Unknown id, or not a Ferry schedule → an error naming it. */
export async function removeSchedule(client: Client, id: string): Promise<void> {
  const handle = client.schedule.getHandle(id);
  try {
    const description = await handle.describe();
    if (description.action.workflowType !== 'pipelineRun') throw new FerryError(`schedule ${id} does not start Ferry pipelines; remove it with the temporal CLI`);
    await handle.delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UsageError(`schedule ${id}: no such schedule; see 'ferry schedule list'`, { cause: err });
    throw err;
  }
}
