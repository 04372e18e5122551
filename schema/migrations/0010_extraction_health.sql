-- qarchive archive.db, version 10: where each field came from, and each crawl run's
-- extraction health with its drift alarm (archive/health.py).

-- JSON: field -> the part of the page it was read from ("state", "meta",
-- "title-tag", "heading", "label", "class"; "unknown" when the parser did not say).
-- Empty for questions stored before version 10 and for questions seen only as related.
ALTER TABLE questions ADD COLUMN field_sources TEXT;
-- JSON: per field, on how many of the run's parsed pages it was found, and from
-- which sources: {"view_count": {"found": 98, "pages": 100, "sources": {"state": 98}}}.
-- Empty for runs before version 10, runs that read no page, imports and reparses.
ALTER TABLE crawl_runs ADD COLUMN field_health TEXT;
-- The drift alarm: a line naming the fields found on far fewer pages than in earlier
-- runs ("view_count found on 10% of pages (history: 98%)"); empty when none were.
ALTER TABLE crawl_runs ADD COLUMN drift TEXT;
