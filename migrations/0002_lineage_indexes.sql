CREATE INDEX "approvals_workflow_idx" ON "approvals" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "lineage_edges_to_idx" ON "lineage_edges" USING btree ("to_kind","to_id");--> statement-breakpoint
CREATE INDEX "deployments_model_version_idx" ON "deployments" USING btree ("model","version");--> statement-breakpoint
CREATE INDEX "alias_history_model_alias_idx" ON "alias_history" USING btree ("model","alias");