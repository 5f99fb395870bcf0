DROP FUNCTION report_visible(uuid, uuid[], text, uuid, boolean);
DROP TABLE watchlist_items;
DROP TABLE watchlists;
DROP TRIGGER outbox_events_notify ON outbox_events;
DROP FUNCTION notify_outbox_event();
DROP TABLE outbox_events;
