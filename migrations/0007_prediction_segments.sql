CREATE TABLE "prediction_segment_columns" (
	"segment_id" bigint NOT NULL,
	"name" text NOT NULL,
	"numbers" "bytea" NOT NULL,
	"texts" jsonb,
	CONSTRAINT "prediction_segment_columns_segment_id_name_pk" PRIMARY KEY("segment_id","name")
);
--> statement-breakpoint
CREATE TABLE "prediction_segments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"env" text NOT NULL,
	"first_id" bigint NOT NULL,
	"last_id" bigint NOT NULL,
	"rows" integer NOT NULL,
	"ids" "bytea" NOT NULL
);
--> statement-breakpoint
ALTER TABLE "prediction_segment_columns" ADD CONSTRAINT "prediction_segment_columns_segment_id_prediction_segments_id_fk" FOREIGN KEY ("segment_id") REFERENCES "public"."prediction_segments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prediction_segments_window_idx" ON "prediction_segments" USING btree ("model","env","version","last_id");