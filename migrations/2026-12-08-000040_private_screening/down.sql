DROP TRIGGER private_screening_report_visibility ON reports;
DROP FUNCTION private_screening_mark_report();
DROP TRIGGER private_screening_links_added ON report_indicators;
DROP TRIGGER private_screening_links_removed ON report_indicators;
DROP TRIGGER private_screening_links_changed ON report_indicators;
DROP FUNCTION private_screening_mark_links();
DROP INDEX report_indicators_valid_until;
DROP TABLE private_screening_usage, private_screening_state, private_screening_dirty, private_screening_filled,
    private_screening_members, private_screening_tags, private_screening_keys;
