-- Tables frozen in the first cell format (fixed `reports`/`loss_minor` fields) are dropped:
-- the statistics job recomputes every closed period in the format of named figures
-- (`values`, `withheld`), decided per family with the months as published.
DELETE FROM statistics_tables;
