import { index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';

/** The model registry: one row per model name. */
export const models = pgTable('models', {
  name: text('name').primaryKey(),
  description: text('description'),
  owner: text('owner'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A registered version: what produced it (run, commit, params, seed, artifact) and how it scored. */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: serial('id').primaryKey(),
    model: text('model')
      .notNull()
      .references(() => models.name),
    version: integer('version').notNull(),
    /** registered → approved / rejected; archived when superseded by hand. */
    status: text('status').notNull().default('registered'),
    metrics: jsonb('metrics').$type<Record<string, number>>().notNull(),
    gates: jsonb('gates').notNull().default([]),
    /** The workflow that registered it: one version per run (idempotent registration). */
    sourceWorkflowId: text('source_workflow_id').notNull().unique(),
    pipeline: text('pipeline').notNull(),
    specHash: text('spec_hash').notNull(),
    commit: text('commit').notNull(),
    params: jsonb('params').notNull(),
    seed: integer('seed').notNull(),
    artifactSha256: text('artifact_sha256').notNull(),
    artifactUri: text('artifact_uri').notNull(),
    /** Training reference (feature sample) for drift checks, as an artifact. */
    referenceSha256: text('reference_sha256'),
    modelCard: jsonb('model_card'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('model_versions_model_version_uq').on(t.model, t.version)],
);

/** Which version an alias (an environment: staging, production, …) points at now. */
export const aliases = pgTable(
  'aliases',
  {
    model: text('model')
      .notNull()
      .references(() => models.name),
    alias: text('alias').notNull(),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.model, t.alias] })],
);

/** Every alias move: who moved which alias to which version, when and why. */
export const aliasHistory = pgTable(
  'alias_history',
  {
  id: serial('id').primaryKey(),
  model: text('model').notNull(),
  alias: text('alias').notNull(),
  fromVersion: integer('from_version'),
  toVersion: integer('to_version').notNull(),
  actor: text('actor').notNull(),
  reason: text('reason').notNull(),
  workflowId: text('workflow_id'),
  /** Workflow id + activity id (or another natural key): a retried move is written once. */
  idempotencyKey: text('idempotency_key').notNull().unique(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('alias_history_model_alias_idx').on(t.model, t.alias)],
);
