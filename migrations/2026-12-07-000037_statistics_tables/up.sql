-- Published statistics tables, each over one closed period (a month: 2026-11; a quarter:
-- 2026-Q4), computed once the period closes and then frozen: a revision is a new version,
-- never a change. `body` is the answer as published (cells with figures or the reason each is
-- withheld): a table answered twice gives the same figures.
CREATE TABLE statistics_tables (
    name        text NOT NULL,
    period      text NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    computed_at timestamptz NOT NULL DEFAULT now(),
    body        jsonb NOT NULL,
    PRIMARY KEY (name, period, version)
);
