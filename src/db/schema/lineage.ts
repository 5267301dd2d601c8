import { bigint, index, integer, jsonb, pgTable, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';

/** A stored artifact, content-addressed. */
export const artifacts = pgTable('artifacts', {
  sha256: text('sha256').primaryKey(),
  uri: text('uri').notNull(),
  kind: text('kind').notNull(),
  size: bigint('size', { mode: 'number' }).notNull(),
  mediaType: text('media_type'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A dataset as seen by a run: its content hash, where it was, its shape. */
export const datasets = pgTable(
  'datasets',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    uri: text('uri').notNull(),
    sha256: text('sha256').notNull(),
    rows: integer('rows'),
    /** sha256 over the column names and inferred types: a schema change shows even when the name stays. */
    columnsFingerprint: text('columns_fingerprint'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('datasets_sha_uri_uq').on(t.sha256, t.uri)],
);

/**
 * A directed edge of the lineage graph between runs, commits, datasets, artifacts, model versions and deployments,
 * e.g. dataset → run (`used`), run → artifact (`produced`), model version → deployment (`deployed-as`).
 */
export const lineageEdges = pgTable(
  'lineage_edges',
  {
    id: serial('id').primaryKey(),
    fromKind: text('from_kind').notNull(),
    fromId: text('from_id').notNull(),
    toKind: text('to_kind').notNull(),
    toId: text('to_id').notNull(),
    relation: text('relation').notNull(),
    workflowId: text('workflow_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('lineage_edges_uq').on(t.fromKind, t.fromId, t.toKind, t.toId, t.relation), index('lineage_edges_to_idx').on(t.toKind, t.toId)],
);

/** Experiment tracking: one row per run with its params, seed, metrics and recorded environment. */
export const experiments = pgTable('experiments', {
  workflowId: text('workflow_id').primaryKey(),
  pipeline: text('pipeline').notNull(),
  params: jsonb('params').notNull(),
  seed: integer('seed').notNull(),
  metrics: jsonb('metrics').$type<Record<string, number>>().notNull().default({}),
  /** Runtime versions, OS, lockfile hashes. */
  environment: jsonb('environment').notNull().default({}),
  commit: text('commit'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
