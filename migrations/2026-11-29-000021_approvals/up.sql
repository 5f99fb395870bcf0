-- Four eyes on granting powers: registering a public-sector organisation or a regulator,
-- registering or changing a bank's identifiers (which route money alerts), and making someone a
-- platform admin wait here for a second platform admin (72 hours), once the platform has two.
CREATE TABLE approvals (
    id           uuid PRIMARY KEY,
    action       text NOT NULL CHECK (action IN ('organization.create', 'organization.bank_identifiers', 'user.platform_admin')),
    target_id    uuid,
    payload      jsonb NOT NULL,
    requested_by uuid NOT NULL REFERENCES users (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by   uuid REFERENCES users (id),
    decided_at   timestamptz,
    reason       text,
    result_id    uuid
);
CREATE INDEX approvals_pending ON approvals (requested_at) WHERE status = 'pending';
