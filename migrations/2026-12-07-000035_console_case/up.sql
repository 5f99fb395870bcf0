-- The zone a person reads times in (an IANA name such as Europe/Tirane; NULL: the platform's
-- default, CYBERBRIDGE_TIME_ZONE).
ALTER TABLE users ADD COLUMN time_zone text;

-- The console's current case (purpose and case reference), chosen in the header of a browser
-- session and carried into its searches and requests; it ends with the session.
ALTER TABLE sessions ADD COLUMN case_reference text, ADD COLUMN case_purpose text;
