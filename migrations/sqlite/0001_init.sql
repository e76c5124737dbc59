-- Regain schema, SQLite dialect. Times are unix seconds; flags are 0/1.
CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    policy      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE organisation_domains (
    domain      TEXT    PRIMARY KEY,
    org_id      BIGINT  NOT NULL REFERENCES organisations(id),
    verified_at BIGINT
);

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id                BIGINT  NOT NULL REFERENCES organisations(id),
    email                 TEXT    NOT NULL,
    email_canonical       TEXT    NOT NULL UNIQUE,
    display_name          TEXT    NOT NULL,
    given_name            TEXT    NOT NULL DEFAULT '',
    family_name           TEXT    NOT NULL DEFAULT '',
    role                  TEXT    NOT NULL CHECK (role IN ('user', 'global_admin')),
    status                TEXT    NOT NULL CHECK (status IN ('active', 'disabled')),
    password_hash         TEXT,
    must_change_password  BIGINT  NOT NULL DEFAULT 0,
    failed_signins        BIGINT  NOT NULL DEFAULT 0,
    locked_until          BIGINT,
    last_failure          TEXT,
    password_changed_at   BIGINT,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
    id_hash       TEXT    PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    created_at    BIGINT  NOT NULL,
    last_seen_at  BIGINT  NOT NULL,
    ip            TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT '',
    revoked_at    BIGINT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               BIGINT  NOT NULL,
    org_id           BIGINT,
    actor            TEXT    NOT NULL,
    actor_user_id    BIGINT,
    subject_user_id  BIGINT,
    action           TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    ip               TEXT    NOT NULL DEFAULT '',
    user_agent       TEXT    NOT NULL DEFAULT '',
    detail           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_subject ON audit_events(subject_user_id, at);

-- The audit log is append-only, for every client of the database, not just for us.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at       BIGINT  NOT NULL,
    channel          TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient        TEXT    NOT NULL,
    locale           TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    sent_at          BIGINT,
    last_error       TEXT
);
CREATE INDEX outbox_pending ON outbox(sent_at, next_attempt_at);
