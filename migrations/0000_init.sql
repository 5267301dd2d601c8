CREATE TABLE "audit_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"workflow_id" text,
	"temporal_run_id" text,
	"reason" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_log_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "audit_log_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" serial PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"env" text NOT NULL,
	"approver" text NOT NULL,
	"decision" text NOT NULL,
	"comment" text,
	"reason" text,
	"via" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "approvals_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group" text NOT NULL,
	"user" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_members_group_user_pk" PRIMARY KEY("group","user")
);
--> statement-breakpoint
CREATE TABLE "role_grants" (
	"user" text NOT NULL,
	"role" text NOT NULL,
	"granted_by" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "role_grants_user_role_pk" PRIMARY KEY("user","role")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"name" text PRIMARY KEY NOT NULL,
	"display_name" text,
	"token_hash" text,
	"slack_user_id" text,
	"disabled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_token_hash_unique" UNIQUE("token_hash"),
	CONSTRAINT "users_slack_user_id_unique" UNIQUE("slack_user_id")
);
--> statement-breakpoint
CREATE TABLE "artifacts" (
	"sha256" text PRIMARY KEY NOT NULL,
	"uri" text NOT NULL,
	"kind" text NOT NULL,
	"size" bigint NOT NULL,
	"media_type" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"uri" text NOT NULL,
	"sha256" text NOT NULL,
	"rows" integer,
	"columns_fingerprint" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "datasets_sha_uri_uq" UNIQUE("sha256","uri")
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"pipeline" text NOT NULL,
	"params" jsonb NOT NULL,
	"seed" integer NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"environment" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"commit" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lineage_edges" (
	"id" serial PRIMARY KEY NOT NULL,
	"from_kind" text NOT NULL,
	"from_id" text NOT NULL,
	"to_kind" text NOT NULL,
	"to_id" text NOT NULL,
	"relation" text NOT NULL,
	"workflow_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lineage_edges_uq" UNIQUE("from_kind","from_id","to_kind","to_id","relation")
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" serial PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"env" text NOT NULL,
	"target" text NOT NULL,
	"strategy" text NOT NULL,
	"status" text NOT NULL,
	"traffic_percent" integer DEFAULT 0 NOT NULL,
	"workflow_id" text,
	"idempotency_key" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "deployments_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"request_id" text PRIMARY KEY NOT NULL,
	"label" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" serial PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"env" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"summary" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	CONSTRAINT "incidents_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "monitor_checks" (
	"id" serial PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"env" text NOT NULL,
	"version" integer NOT NULL,
	"kind" text NOT NULL,
	"window_start" timestamp with time zone,
	"window_end" timestamp with time zone,
	"result" jsonb NOT NULL,
	"breached" boolean NOT NULL,
	"action" text,
	"workflow_id" text,
	"idempotency_key" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitor_checks_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "predictions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"env" text NOT NULL,
	"inputs" jsonb NOT NULL,
	"outputs" jsonb,
	"error" text,
	"latency_ms" double precision NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "predictions_request_id_unique" UNIQUE("request_id")
);
--> statement-breakpoint
CREATE TABLE "serving_routes" (
	"model" text NOT NULL,
	"env" text NOT NULL,
	"routes" jsonb NOT NULL,
	"generation" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "serving_routes_model_env_pk" PRIMARY KEY("model","env")
);
--> statement-breakpoint
CREATE TABLE "alias_history" (
	"id" serial PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"alias" text NOT NULL,
	"from_version" integer,
	"to_version" integer NOT NULL,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"workflow_id" text,
	"idempotency_key" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alias_history_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "aliases" (
	"model" text NOT NULL,
	"alias" text NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "aliases_model_alias_pk" PRIMARY KEY("model","alias")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"status" text DEFAULT 'registered' NOT NULL,
	"metrics" jsonb NOT NULL,
	"gates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source_workflow_id" text NOT NULL,
	"pipeline" text NOT NULL,
	"spec_hash" text NOT NULL,
	"commit" text NOT NULL,
	"params" jsonb NOT NULL,
	"seed" integer NOT NULL,
	"artifact_sha256" text NOT NULL,
	"artifact_uri" text NOT NULL,
	"reference_sha256" text,
	"model_card" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_source_workflow_id_unique" UNIQUE("source_workflow_id"),
	CONSTRAINT "model_versions_model_version_uq" UNIQUE("model","version")
);
--> statement-breakpoint
CREATE TABLE "models" (
	"name" text PRIMARY KEY NOT NULL,
	"description" text,
	"owner" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pipelines" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text,
	"spec_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"temporal_run_id" text NOT NULL,
	"pipeline" text NOT NULL,
	"model" text,
	"spec_hash" text NOT NULL,
	"spec" jsonb NOT NULL,
	"trigger" text NOT NULL,
	"triggered_by" text,
	"commit" text,
	"status" text NOT NULL,
	"stage" text,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "step_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"step" text NOT NULL,
	"stage" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"output" jsonb,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_user_users_name_fk" FOREIGN KEY ("user") REFERENCES "public"."users"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_grants" ADD CONSTRAINT "role_grants_user_users_name_fk" FOREIGN KEY ("user") REFERENCES "public"."users"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "aliases" ADD CONSTRAINT "aliases_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_models_name_fk" FOREIGN KEY ("model") REFERENCES "public"."models"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_runs" ADD CONSTRAINT "step_runs_workflow_id_runs_workflow_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."runs"("workflow_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "predictions_model_env_at_idx" ON "predictions" USING btree ("model","env","at");--> statement-breakpoint
CREATE INDEX "runs_pipeline_idx" ON "runs" USING btree ("pipeline","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "step_runs_workflow_step_uq" ON "step_runs" USING btree ("workflow_id","step");