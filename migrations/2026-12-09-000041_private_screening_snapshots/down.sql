ALTER TABLE private_screening_filled DROP COLUMN size;
DROP TABLE private_screening_snapshots;
