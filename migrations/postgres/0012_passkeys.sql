-- Passkeys (WebAuthn, PostgreSQL dialect): a sign-in of its own and a recovery gate (issue 14).

-- The account's WebAuthn user handle: random, the same for all its passkeys, so that an
-- authenticator keeps one credential per account and a discoverable sign-in names the
-- account without an identifier typed first. Set at the first registration.
ALTER TABLE users ADD COLUMN passkey_handle TEXT;
CREATE UNIQUE INDEX users_passkey_handle ON users(passkey_handle);

-- One registered passkey. `credential` is webauthn-rs' record of it (credential ID,
-- public key, signature counter, backup flags) as JSON: public data, nothing sealed.
-- The credential ID is unique across accounts: a second registration of one is refused.
CREATE TABLE passkeys (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users(id),
    credential_id TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    credential    TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_user ON passkeys(user_id);

-- A ceremony between its two requests (register, or sign in): the challenge state,
-- under the HMAC of a random token the browser holds. Taken (deleted) by the request
-- that finishes it, so a challenge is answered at most once.
CREATE TABLE passkey_ceremonies (
    token_hash  TEXT    PRIMARY KEY,
    purpose     TEXT    NOT NULL,
    user_id     BIGINT  REFERENCES users(id),
    state       TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL
);

-- A recovery flow's passkey challenge: the options sent to the browser and the state
-- that checks the answer (options only, for a decoy).
ALTER TABLE recovery_flows ADD COLUMN challenge_state TEXT;

-- Passkeys are on by default: organisations that exist get them too, beside the
-- methods they enabled (an empty list stays empty).
UPDATE organisations
   SET policy = REPLACE(policy, '"methods_enabled":[', '"methods_enabled":["passkey",')
 WHERE policy LIKE '%"methods_enabled":[%'
   AND policy NOT LIKE '%"methods_enabled":[]%'
   AND policy NOT LIKE '%"passkey"%';
