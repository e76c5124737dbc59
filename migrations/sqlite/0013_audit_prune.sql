-- `regain audit prune`: the audit log stays append-only for every client of the database,
-- except for the events before a permit that the prune inserts and removes in its own
-- transaction, after it has exported them. Updates stay refused.
CREATE TABLE audit_prune_permits (
    before_at  BIGINT  NOT NULL
);
DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM audit_prune_permits WHERE OLD.at < before_at)
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
