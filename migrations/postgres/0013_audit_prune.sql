-- `regain audit prune` (same table as the SQLite migration): the audit log stays
-- append-only for every client of the database, except for the events before a permit
-- that the prune inserts and removes in its own transaction, after it has exported them.
-- Updates stay refused.
CREATE TABLE audit_prune_permits (
    before_at  BIGINT  NOT NULL
);
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_prune_permits WHERE OLD.at < before_at) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
