-- Earlier password hashes of each user, so a change can refuse the last N (SECURITY.md).
-- Only PHC strings: a new password is verified against each, never compared in clear.
CREATE TABLE password_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT  NOT NULL REFERENCES users(id),
    hash        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

-- An organisation's own banned terms (at most 1,000), screened like the global list.
-- `term` is as the operator typed it; `term_key` its screening form, unique per organisation.
CREATE TABLE organisation_banned_terms (
    org_id      BIGINT  NOT NULL REFERENCES organisations(id),
    term        TEXT    NOT NULL,
    term_key    TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (org_id, term_key)
);
