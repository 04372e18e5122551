-- qarchive archive.db, version 8: a URL whose page crashed the crawler (its
-- parse or its storing raised) is failed with the reason and tried again only
-- when its retry is due, after a wait that doubles with each crash: one bad
-- page costs that page, not every later run.

-- How many times in a row processing the URL's page raised; 0 otherwise.
ALTER TABLE frontier ADD COLUMN poisoned INTEGER NOT NULL DEFAULT 0;
-- ISO 8601 UTC: not taken up again before this moment; NULL: whenever due.
ALTER TABLE frontier ADD COLUMN retry_at TEXT;
