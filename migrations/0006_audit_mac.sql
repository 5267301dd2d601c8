CREATE TABLE "audit_mac_from" (
	"seq" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "mac" text;--> statement-breakpoint
-- Records before this migration have no MAC and still verify by their hash chain; every later one must carry one.
-- The smallest seq here counts, so a row someone adds can only make the check stricter; the table is append-only too.
INSERT INTO "audit_mac_from" ("seq") SELECT coalesce(max("seq"), 0) + 1 FROM "audit_log";
--> statement-breakpoint
CREATE TRIGGER audit_mac_from_no_update_delete BEFORE UPDATE OR DELETE ON audit_mac_from
  FOR EACH ROW EXECUTE FUNCTION ferry_audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_mac_from_no_truncate BEFORE TRUNCATE ON audit_mac_from
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_audit_log_append_only();
