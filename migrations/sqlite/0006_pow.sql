-- The anti-bot proof of work (ALTCHA v2). Challenges themselves are signed and stateless;
-- the database holds only what must be shared by every instance.

-- Each solved challenge, by its nonce, once: the primary key makes a second redemption
-- of the same challenge fail, atomically, on any instance. Rows can go once the
-- challenge has expired, as it is refused for that reason alone from then on.
CREATE TABLE pow_redeemed (
    nonce       TEXT    PRIMARY KEY,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX pow_redeemed_expires ON pow_redeemed(expires_at);

-- Challenges issued per minute (fixed windows, by the window's start in unix seconds):
-- a surge makes the next challenges harder.
CREATE TABLE pow_issued (
    window_start  BIGINT  PRIMARY KEY,
    n             BIGINT  NOT NULL
);
