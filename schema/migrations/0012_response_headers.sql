-- qarchive archive.db, version 12: the HTTP response as fetched, and when the stored
-- body was captured, so `qarchive export-warc` writes response records with the
-- status line and headers the site sent, and revisit records for later visits
-- that found the page unchanged (issue #15).

-- The status line of the response whose body is stored: "HTTP/1.1" and its reason
-- phrase ("OK"). Empty for pages stored before version 12 and imported HTML files.
ALTER TABLE pages ADD COLUMN http_version TEXT;
ALTER TABLE pages ADD COLUMN reason TEXT;
-- JSON list of [name, value] pairs, in the order the site sent them, names as sent
-- (capped: crawler/settings.py max_stored_headers, max_stored_header_bytes). Empty for
-- pages stored before version 12: their WARC export synthesizes a minimal block.
ALTER TABLE pages ADD COLUMN response_headers TEXT;
-- When, and in which run, the stored body was fetched. fetched_at and run_id say when
-- the URL was last visited; a later visit that found it unchanged (a 304, or the same
-- bytes) moves those on and leaves these alone. Empty before version 12: the export
-- then takes fetched_at and run_id (the archive did not know more).
ALTER TABLE pages ADD COLUMN captured_at TEXT;
ALTER TABLE pages ADD COLUMN captured_run_id INTEGER;  -- a crawl_runs id (no index: --since reads run_id)
-- The status of the last visit when it found the stored body unchanged: 304 (server
-- not modified) or 200 (the same bytes again); empty when the last visit stored the body.
ALTER TABLE pages ADD COLUMN revisit_status INTEGER;
