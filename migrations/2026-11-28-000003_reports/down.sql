DROP TABLE report_indicators;
DROP TABLE indicators;
DROP TABLE reports;
DROP SEQUENCE report_reference_seq;
