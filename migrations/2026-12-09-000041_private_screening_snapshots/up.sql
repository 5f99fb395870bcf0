-- Private screening's whole sets served fast: each organisation's set under a key, sorted, as
-- one value at a version (a whole set of 10^6 tags is then one read and a small merge with
-- what changed after it), and each set's size kept by the rounds (a delta's answer names it
-- without counting the set).

CREATE TABLE private_screening_snapshots (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    key_id          text NOT NULL REFERENCES private_screening_keys (key_id) ON DELETE CASCADE,
    version         bigint NOT NULL,
    size            bigint NOT NULL,
    -- 16-byte tags, sorted, concatenated (random bytes: not worth compressing).
    tags            bytea NOT NULL CHECK (octet_length(tags) = 16 * size),
    built_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, key_id)
);
ALTER TABLE private_screening_snapshots ALTER COLUMN tags SET STORAGE EXTERNAL;

ALTER TABLE private_screening_filled ADD COLUMN size bigint NOT NULL DEFAULT 0;
UPDATE private_screening_filled f SET size = (
    SELECT count(*) FROM private_screening_members m WHERE m.organization_id = f.organization_id AND m.removed IS NULL);
