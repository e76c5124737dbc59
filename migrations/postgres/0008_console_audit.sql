-- Console: the audit log, read per organisation. Pages walk an organisation's events by id
-- (keyset pagination, newest first); time-range filters seek by (org_id, at).
CREATE INDEX audit_org_id ON audit_events(org_id, id);
CREATE INDEX audit_org_at ON audit_events(org_id, at);
