ALTER TABLE users DROP COLUMN notices_opt_out;
DROP TABLE notices;
