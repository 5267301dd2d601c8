import { bigint, bigserial, boolean, customType, doublePrecision, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/** A deployment of a model version to an environment through a target. */
export const deployments = pgTable(
  'deployments',
  {
  id: serial('id').primaryKey(),
  model: text('model').notNull(),
  version: integer('version').notNull(),
  env: text('env').notNull(),
  target: text('target').notNull(),
  strategy: text('strategy').notNull(),
  /** deploying | live | rolled-back | failed | superseded */
  status: text('status').notNull(),
  trafficPercent: integer('traffic_percent').notNull().default(0),
  workflowId: text('workflow_id'),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  details: jsonb('details').notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('deployments_model_version_idx').on(t.model, t.version)],
);

/** Every prediction the model server made, written in batches. */
export const predictions = pgTable(
  'predictions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id').notNull().unique(),
    model: text('model').notNull(),
    version: integer('version').notNull(),
    env: text('env').notNull(),
    inputs: jsonb('inputs').notNull(),
    outputs: jsonb('outputs'),
    error: text('error'),
    latencyMs: doublePrecision('latency_ms').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('predictions_model_env_at_idx').on(t.model, t.env, t.at)],
);

/**
 * The prediction log column-wise, for monitor checks (`src/db/prediction-columns.ts`): one segment per logged batch and
 * deployment version, written in the transaction that inserts its `predictions` rows (error rows left out). `ids` is
 * the rows' prediction ids, ascending, as little-endian float64.
 */
export const predictionSegments = pgTable(
  'prediction_segments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    model: text('model').notNull(),
    version: integer('version').notNull(),
    env: text('env').notNull(),
    firstId: bigint('first_id', { mode: 'number' }).notNull(),
    lastId: bigint('last_id', { mode: 'number' }).notNull(),
    rows: integer('rows').notNull(),
    ids: bytea('ids').notNull(),
  },
  (t) => [index('prediction_segments_window_idx').on(t.model, t.env, t.version, t.lastId)],
);

/**
 * One input feature of a segment: `numbers` holds each row's JSON number as little-endian float64, NaN where it is not
 * a number; `texts`, present when some row's value is neither a number nor missing/null, holds those rows' cells
 * (null elsewhere).
 */
export const predictionSegmentColumns = pgTable(
  'prediction_segment_columns',
  {
    segmentId: bigint('segment_id', { mode: 'number' })
      .notNull()
      .references(() => predictionSegments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    numbers: bytea('numbers').notNull(),
    texts: jsonb('texts').$type<(string | null)[]>(),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.name] })],
);

/**
 * Prediction records Postgres refused (a NUL in a string, nesting too deep for jsonb…): kept as JSON text so the log's
 * good rows are written around them and the bad ones can be inspected. `record` is cut at 64 KiB; `bytes` is its size.
 */
export const predictionQuarantine = pgTable(
  'prediction_quarantine',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id').notNull(),
    model: text('model').notNull(),
    version: integer('version').notNull(),
    env: text('env').notNull(),
    /** The database's error for the row. */
    reason: text('reason').notNull(),
    record: text('record').notNull(),
    bytes: integer('bytes').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('prediction_quarantine_model_at_idx').on(t.model, t.at)],
);

/** Ground truth arriving after the fact, by request id. */
export const feedback = pgTable('feedback', {
  requestId: text('request_id').primaryKey(),
  label: jsonb('label').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

/** One check of a monitored deployment: drift, performance or data quality over a window. */
export const monitorChecks = pgTable('monitor_checks', {
  id: serial('id').primaryKey(),
  model: text('model').notNull(),
  env: text('env').notNull(),
  version: integer('version').notNull(),
  kind: text('kind').notNull(),
  windowStart: timestamp('window_start', { withTimezone: true }),
  windowEnd: timestamp('window_end', { withTimezone: true }),
  result: jsonb('result').notNull(),
  breached: boolean('breached').notNull(),
  action: text('action'),
  workflowId: text('workflow_id'),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

/** An incident: open → acknowledged → resolved. */
export const incidents = pgTable('incidents', {
  id: serial('id').primaryKey(),
  model: text('model').notNull(),
  env: text('env').notNull(),
  kind: text('kind').notNull(),
  status: text('status').notNull().default('open'),
  summary: text('summary').notNull(),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
  acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
  acknowledgedBy: text('acknowledged_by'),
  resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  resolvedBy: text('resolved_by'),
});

/**
 * What the local model server should serve for a model in an environment: `[{ version, percent }]` summing to 100.
 * `generation` increases with every change; the server reports the generation it serves, so a deploy can read it back.
 */
export const servingRoutes = pgTable(
  'serving_routes',
  {
    model: text('model').notNull(),
    env: text('env').notNull(),
    routes: jsonb('routes').$type<{ version: number; percent: number }[]>().notNull(),
    /** How the gateway reaches each routed version, by version number (`src/serve/backend-spec.ts`); absent: the JS predictor. */
    backends: jsonb('backends').$type<Record<string, unknown>>().notNull().default({}),
    generation: integer('generation').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.model, t.env] })],
);
