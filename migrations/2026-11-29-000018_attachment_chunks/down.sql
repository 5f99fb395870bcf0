ALTER TABLE data_request_attachments ADD COLUMN content bytea NOT NULL DEFAULT '';
UPDATE data_request_attachments AS a
SET content = coalesce((SELECT string_agg(c.data, ''::bytea ORDER BY c.seq) FROM attachment_chunks AS c WHERE c.attachment_id = a.id), '');
ALTER TABLE data_request_attachments ALTER COLUMN content DROP DEFAULT;
DROP TABLE attachment_chunks;
