-- Login attempts are counted before the password is checked, atomically, per account and
-- client address ('*': every address the account never logged in from), so that parallel
-- guesses cannot overrun the limit and an attacker cannot lock an officer out of the
-- addresses they work from.
CREATE TABLE login_guard (
    email text NOT NULL,
    scope text NOT NULL,
    window_start timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    PRIMARY KEY (email, scope)
);

-- Addresses an account logged in from successfully: they stay open when '*' is locked.
CREATE TABLE login_addresses (
    email text NOT NULL,
    address text NOT NULL,
    last_success_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email, address)
);

DROP TABLE login_failures;
