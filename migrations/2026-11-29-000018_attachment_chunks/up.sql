-- Attachments are stored in chunks of at most 1 MiB, written as the upload arrives and read
-- one by one as a download goes out: no file is held whole in memory. Chunks are written before
-- their attachment row (in their own statements, not the response's transaction), so there is
-- no foreign key; chunks whose attachment never came are purged after an hour.
CREATE TABLE attachment_chunks (
    attachment_id uuid NOT NULL,
    seq           integer NOT NULL CHECK (seq >= 0),
    data          bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (attachment_id, seq)
);
-- Files are mostly compressed already: store them out of line without trying to compress them.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX attachment_chunks_created ON attachment_chunks (created_at);

INSERT INTO attachment_chunks (attachment_id, seq, data)
SELECT a.id, s.i, substring(a.content FROM s.i * 1048576 + 1 FOR 1048576)
FROM data_request_attachments AS a,
     generate_series(0, greatest(ceil(length(a.content) / 1048576.0)::integer - 1, 0)) AS s(i);

ALTER TABLE data_request_attachments DROP COLUMN content;
