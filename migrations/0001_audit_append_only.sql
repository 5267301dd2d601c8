-- The audit log is append-only: UPDATE, DELETE and TRUNCATE are refused. A superuser can still disable the trigger;
-- `ferry audit verify` recomputes the hash chain and names the first record changed or removed that way.
CREATE OR REPLACE FUNCTION ferry_audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION ferry_audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION ferry_audit_log_append_only();
