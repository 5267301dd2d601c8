CREATE TABLE "prediction_quarantine" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"env" text NOT NULL,
	"reason" text NOT NULL,
	"record" text NOT NULL,
	"bytes" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "prediction_quarantine_model_at_idx" ON "prediction_quarantine" USING btree ("model","at");