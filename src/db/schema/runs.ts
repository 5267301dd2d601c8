
import { index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** One pipeline definition as last submitted: name, owner and the canonical hash of its spec. */
export const pipelines = pgTable('pipelines', {
  name: text('name').primaryKey(),
  owner: text('owner'),
  specHash: text('spec_hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A pipeline run: one Temporal workflow execution of the lifecycle interpreter, keyed by its workflow id. */
export const runs = pgTable(
  'runs',
  {
    workflowId: text('workflow_id').primaryKey(),
    temporalRunId: text('temporal_run_id').notNull(),
    pipeline: text('pipeline').notNull(),
    model: text('model'),
    specHash: text('spec_hash').notNull(),
    spec: jsonb('spec').notNull(),
    trigger: text('trigger').notNull(),
    triggeredBy: text('triggered_by'),
    commit: text('commit'),
    status: text('status').notNull(),
    stage: text('stage'),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('runs_pipeline_idx').on(t.pipeline, t.startedAt)],
);

/** One step of a run; `attempts` counts Temporal's tries, the row is written once per (workflow id, step). */
export const stepRuns = pgTable(
  'step_runs',
  {
    id: serial('id').primaryKey(),
    workflowId: text('workflow_id')
      .notNull()
      .references(() => runs.workflowId),
    step: text('step').notNull(),
    stage: text('stage').notNull(),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(1),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    durationMs: integer('duration_ms'),
    output: jsonb('output'),
    error: text('error'),
  },
  (t) => [uniqueIndex('step_runs_workflow_step_uq').on(t.workflowId, t.step)],
);

export type RunRow = typeof runs.$inferSelect;
export type StepRunRow = typeof stepRuns.$inferSelect;
