DROP TABLE statistics_tables;
