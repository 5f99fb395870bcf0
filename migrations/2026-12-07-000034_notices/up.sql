-- Notices to people (e-mail, and the console's list): one row per event and person, written
-- in the event's transaction, so that no event gives anyone two notices. They say what
-- happened, the reference and the deadline, never case content.
CREATE TABLE notices (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The outbox event it comes from, or (security notices) a key of its own.
    event_id        uuid NOT NULL,
    kind            text NOT NULL,
    reference       text,
    request_id      uuid,
    deadline        timestamptz,
    -- Emergencies and security notices: sent whatever the person opted out of.
    always          boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    UNIQUE (event_id, user_id)
);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX notices_user ON notices (user_id, created_at DESC);

-- A person who wants no e-mail notices but emergencies and security ones.
ALTER TABLE users ADD COLUMN notices_opt_out boolean NOT NULL DEFAULT false;
