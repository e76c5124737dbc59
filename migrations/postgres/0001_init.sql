-- Regain schema, PostgreSQL dialect. Same tables and columns as the SQLite one.
CREATE TABLE organisations (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    id                    BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE outbox (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
