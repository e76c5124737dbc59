-- Security info (PostgreSQL dialect): the recovery methods users register (issue 4). Secrets are never kept in
-- the clear: codes as HMACs, answers as Argon2id PHC strings, the TOTP seed sealed
-- (authenticated encryption under the server key), since it must be read back to verify.

-- An alternate email, a mobile phone or an authenticator app. A row counts for recovery
-- only once `verified_at` is set (a code sent to it, or a first valid TOTP code).
CREATE TABLE recovery_methods (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users(id),
    kind            TEXT    NOT NULL CHECK (kind IN ('email', 'sms', 'authenticator')),
    -- The address or E.164 number as stored; for an authenticator, the sealed seed.
    value           TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    verified_at     BIGINT,
    -- The last TOTP step accepted: a step is never accepted twice.
    last_used_step  BIGINT,
    totp_failures   BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX recovery_methods_user ON recovery_methods(user_id);

-- One-time codes sent by email or SMS, bound to one user, purpose, channel and method.
-- `attempts` counts wrong tries; a resend carries it over to the new code.
CREATE TABLE verification_codes (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    method_id   BIGINT  NOT NULL REFERENCES recovery_methods(id) ON DELETE CASCADE,
    purpose     TEXT    NOT NULL,
    channel     TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    code_mac    TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    attempts    BIGINT  NOT NULL DEFAULT 0,
    used_at     BIGINT,
    -- Set when a resend replaced this code: dead, whatever its expiry says.
    replaced_at BIGINT
);
CREATE INDEX verification_codes_method ON verification_codes(method_id, id);

-- Ten single-use recovery codes per set; regenerating deletes the old set.
CREATE TABLE recovery_codes (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users(id),
    fingerprint  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    used_at      BIGINT,
    UNIQUE (user_id, fingerprint)
);

-- A freshly generated set, sealed, readable only by the session that made it and only
-- until the user says they saved it (or ten minutes pass): "shown once", without
-- JavaScript too, since a plain form post can only redirect to a page that shows them.
CREATE TABLE recovery_code_displays (
    session_hash  TEXT    PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    sealed_codes  TEXT    NOT NULL,
    expires_at    BIGINT  NOT NULL
);

-- Security questions (only when the organisation enables them). `question` is a key of
-- the predefined list (`q01`…) or `custom:<n>` for the organisation's own.
CREATE TABLE security_answers (
    user_id      BIGINT  NOT NULL REFERENCES users(id),
    question     TEXT    NOT NULL,
    answer_hash  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (user_id, question)
);

-- When the user last confirmed that their methods are current (re-confirmation policy),
-- and when a session last proved the password (changes to methods need a recent one).
ALTER TABLE users ADD COLUMN methods_confirmed_at BIGINT;
ALTER TABLE sessions ADD COLUMN authenticated_at BIGINT;
