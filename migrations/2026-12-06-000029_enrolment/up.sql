-- Nobody knows another person's password: accounts are made without one and reach their
-- owner as a single-use enrolment link (a 256-bit token, stored only as a hash, 72 hours). A
-- token made by two platform admins is split: the filer saw the first part, the approver the
-- second, and only the two together (hashed as sha256(sha256(part 1) || part 2)) redeem it.
CREATE TABLE enrolments (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE,
    -- `account`: a new account; `reset`: a password reset by an administrator.
    purpose     text NOT NULL CHECK (purpose IN ('account', 'reset')),
    -- Who made the link (NULL: the operator's command line); the approval when two did.
    created_by  uuid REFERENCES users (id),
    approval_id uuid REFERENCES approvals (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    redeemed_at timestamptz,
    -- A newer link for the same user, or the account's deactivation, ends an unused one.
    revoked_at  timestamptz
);
CREATE INDEX enrolments_user ON enrolments (user_id);

-- A pending second factor belongs to the session that started it: another session can neither
-- replace nor confirm it.
ALTER TABLE second_factors ADD COLUMN session_id uuid;

-- Powers that now take two platform admins: an organisation's first (or replacement) org_admin,
-- a move to another country, a reactivation.
ALTER TABLE approvals DROP CONSTRAINT approvals_action_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_action_check CHECK (action IN (
    'organization.create', 'organization.bank_identifiers', 'user.platform_admin',
    'organization.org_admin', 'organization.country', 'organization.reactivate'));

-- Approvals filed before enrolment links kept the filer's password hash for a new platform
-- admin: no hash of a password chosen by someone else stays, and such a filing still pending is
-- withdrawn (it would make an account whose password its filer chose); file it again.
UPDATE approvals SET status = 'rejected', decided_at = now(),
       reason = 'withdrawn on upgrade: accounts are now made with enrolment links; file it again'
 WHERE status = 'pending' AND action = 'user.platform_admin' AND payload ? 'password_hash';
UPDATE approvals SET payload = payload - 'password_hash' WHERE payload ? 'password_hash';
