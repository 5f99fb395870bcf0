-- Service-wide settings that every instance must agree on (e.g. the generated JWT key).
CREATE TABLE app_settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
