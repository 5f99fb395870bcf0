CREATE TABLE login_failures (
    id uuid PRIMARY KEY,
    email text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);
DROP TABLE login_addresses;
DROP TABLE login_guard;
