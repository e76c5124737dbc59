-- Outbox delivery (same columns as the SQLite migration).
-- A worker claims a due message by setting a lease (`claimed_until`, `claim_token`) in one
-- conditional UPDATE, so two instances sharing a database never send it at the same time;
-- a lease left by a worker that died simply expires. `failed_at` marks a message given up
-- on after too many attempts; `provider_id` is what the SMTP server or SMS gateway called it.
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
ALTER TABLE outbox ADD COLUMN claim_token TEXT;
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
ALTER TABLE outbox ADD COLUMN provider_id TEXT;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
