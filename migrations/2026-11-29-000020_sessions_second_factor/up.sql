-- Sessions a user can list and end: one per login (its refresh-token family), named in the
-- access tokens it issues (`sid`), so that ending it stops those at once.
CREATE TABLE sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    client_addr   text,
    second_factor boolean NOT NULL DEFAULT false,
    ended_at      timestamptz,
    ended_reason  text
);
CREATE INDEX sessions_user ON sessions (user_id, created_at DESC);

-- A user's TOTP second factor (RFC 6238): the secret sealed with CYBERBRIDGE_SECRETS_KEY (bound
-- to the user's id), active once confirmed with a first code; the last accepted time step, so
-- a code is never accepted twice.
CREATE TABLE second_factors (
    user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       text NOT NULL,
    confirmed_at timestamptz,
    last_step    bigint NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One-time recovery codes (SHA-256 of each), issued with a confirmed second factor.
CREATE TABLE recovery_codes (
    id        uuid PRIMARY KEY,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- The second step of a login: the password was right; a code is awaited (5 minutes, 5 tries).
CREATE TABLE login_challenges (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    used_at    timestamptz
);
CREATE INDEX login_challenges_expiry ON login_challenges (expires_at);
