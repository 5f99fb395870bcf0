DROP TABLE data_request_messages;
DROP TABLE data_request_history;
DROP TABLE data_requests;
DROP SEQUENCE data_request_reference_seq;
DROP TABLE capabilities;
