DROP TABLE data_request_attachments;
DROP TABLE data_request_responses;
