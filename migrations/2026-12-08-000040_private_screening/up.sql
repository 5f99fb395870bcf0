-- Private screening (RFC 9497 VOPRF): the tags of IBANs and phone numbers under each OPRF key,
-- and which values each bank's and ISP's set holds, versioned for delta sync. The OPRF private
-- key is never here: tags plus key would be an offline dictionary.

-- The keys' public halves, and whether every value has its tag under the key yet.
CREATE TABLE private_screening_keys (
    key_id     text PRIMARY KEY,
    public_key bytea NOT NULL,
    complete   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A value's tag under a key. No foreign key to indicators: a value purged by retention must
-- still leave the sets as a removal, and that needs its tag.
CREATE TABLE private_screening_tags (
    key_id       text NOT NULL REFERENCES private_screening_keys (key_id) ON DELETE CASCADE,
    indicator_id uuid NOT NULL,
    tag          bytea NOT NULL CHECK (octet_length(tag) = 16),
    PRIMARY KEY (key_id, indicator_id)
);

-- Which values an organisation's set holds: the values its audited look-up finds (TLP,
-- shared_with, withdrawal and validity applied). `added` and `removed` are set versions.
CREATE TABLE private_screening_members (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    indicator_id    uuid NOT NULL,
    added           bigint NOT NULL,
    removed         bigint,
    PRIMARY KEY (organization_id, indicator_id)
);
-- A round finds every organisation's entry of a changed value.
CREATE INDEX private_screening_members_value ON private_screening_members (indicator_id);
CREATE INDEX private_screening_members_changed ON private_screening_members
    (organization_id, (greatest(added, coalesce(removed, 0))));

-- The organisations whose set has been filled once (every later change comes as a delta).
CREATE TABLE private_screening_filled (
    organization_id uuid PRIMARY KEY REFERENCES organizations (id),
    version         bigint NOT NULL
);

-- Values whose membership may have changed, waiting for the next round (a second at most).
CREATE TABLE private_screening_dirty (
    indicator_id uuid PRIMARY KEY
);

-- The set's version (one row: each round that changes a set takes the next one, in commit
-- order, under this row's lock) and how far validity ends have been collected.
CREATE TABLE private_screening_state (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    version         bigint NOT NULL DEFAULT 0,
    expired_through timestamptz NOT NULL DEFAULT now()
);
INSERT INTO private_screening_state DEFAULT VALUES;

-- Values evaluated per organisation and day (the quota).
CREATE TABLE private_screening_usage (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    day             date NOT NULL,
    evaluated       bigint NOT NULL,
    PRIMARY KEY (organization_id, day)
);

-- Validity ends are collected by time (nothing changes in the row when a link expires).
CREATE INDEX report_indicators_valid_until ON report_indicators (valid_until);

-- Every change that can move a value in or out of a set marks the value: a link added,
-- removed, withdrawn or revalidated; a report's TLP or shared_with changed. Only IBANs and
-- phone numbers are screened privately.
CREATE FUNCTION private_screening_mark_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO private_screening_dirty (indicator_id)
    SELECT DISTINCT c.indicator_id FROM changed c JOIN indicators i ON i.id = c.indicator_id
     WHERE i.type IN ('iban', 'phone')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER private_screening_links_added AFTER INSERT ON report_indicators
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION private_screening_mark_links();
CREATE TRIGGER private_screening_links_removed AFTER DELETE ON report_indicators
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION private_screening_mark_links();
CREATE TRIGGER private_screening_links_changed AFTER UPDATE ON report_indicators
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION private_screening_mark_links();

CREATE FUNCTION private_screening_mark_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO private_screening_dirty (indicator_id)
    SELECT ri.indicator_id FROM report_indicators ri JOIN indicators i ON i.id = ri.indicator_id
     WHERE ri.report_id = NEW.id AND i.type IN ('iban', 'phone')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER private_screening_report_visibility AFTER UPDATE ON reports FOR EACH ROW
    WHEN (OLD.tlp IS DISTINCT FROM NEW.tlp OR OLD.shared_with IS DISTINCT FROM NEW.shared_with)
    EXECUTE FUNCTION private_screening_mark_report();
