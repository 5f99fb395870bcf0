DROP TABLE taxii_status;
