-- Console: which of an organisation's own banned terms refused a new password, and when,
-- so the administrator sees what each term does. One row per term per refusal; never the
-- password. Rows older than the console's window are deleted as new ones come in.
CREATE TABLE banned_term_rejections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      BIGINT  NOT NULL REFERENCES organisations(id),
    term_key    TEXT    NOT NULL,
    at          BIGINT  NOT NULL
);
CREATE INDEX banned_term_rejections_org_at ON banned_term_rejections(org_id, at);
