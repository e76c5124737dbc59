-- The organisation a recovery flow is about, also for a decoy flow: the one owning the
-- identifier's domain. A decoy then follows that organisation's policy (gates required,
-- help desk) exactly like a real account of it would.
ALTER TABLE recovery_flows ADD COLUMN org_id BIGINT;
