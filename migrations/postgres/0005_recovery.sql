-- Self-service recovery (issue 5, PostgreSQL dialect): the persisted flow, its limits, and the account's
-- recovery state. Every counter lives here, so any instance can serve any step and the
-- limits hold across instances.

-- One recovery attempt, bound to the browser that started it: the cookie holds a random
-- token, the row only its HMAC. `user_id` is NULL for a decoy flow (unknown, disabled or
-- method-less account), which walks the same states and never passes a gate.
-- `state` changes only through `domain::recovery::transition`, written with a
-- compare-and-swap on `version`, so a step can't be replayed or raced.
CREATE TABLE recovery_flows (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    TEXT    NOT NULL UNIQUE,
    user_id       BIGINT  REFERENCES users(id),
    -- HMAC of the normalised identifier: stable decoy hints and per-identifier limits.
    subject_mac   TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    purpose       TEXT,
    required      BIGINT  NOT NULL,
    -- The methods already proven, in order (comma-separated method kinds).
    passed        TEXT    NOT NULL DEFAULT '',
    -- The method being proven now: kind, and the method row for email / SMS.
    challenge     TEXT,
    challenge_method_id BIGINT,
    -- The question keys drawn for this flow (comma-separated), when questions are the gate.
    questions     TEXT,
    ip            TEXT    NOT NULL DEFAULT '',
    version       BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL,
    ended_at      BIGINT
);
CREATE INDEX recovery_flows_user ON recovery_flows(user_id);

-- A code sent during recovery is bound to its flow through its purpose
-- (`recovery:<flow id>`), as well as to user, method and channel.

-- Fixed-window counters: one row per bucket and window, incremented in SQL
-- (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), exact under concurrency.
CREATE TABLE rate_limits (
    bucket        TEXT    NOT NULL,
    window_start  BIGINT  NOT NULL,
    hits          BIGINT  NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- Consecutive recovery failures of the account (codes, answers, authenticator, across
-- flows): 10 pause recovery for 15 min, doubling up to 24 h; a success clears them.
ALTER TABLE users ADD COLUMN recovery_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN recovery_paused_until BIGINT;
ALTER TABLE users ADD COLUMN recovery_pauses BIGINT NOT NULL DEFAULT 0;
-- Set by the "this wasn't me" link: sign-in and one-gate recovery blocked until the user
-- recovers with two gates.
ALTER TABLE users ADD COLUMN frozen_at BIGINT;

-- The "this wasn't me" links sent after a reset or unlock: HMAC of the token, single use.
CREATE TABLE freeze_tokens (
    token_hash  TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);
