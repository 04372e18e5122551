-- qarchive archive.db, version 2: the crawl frontier, so a crawl survives a
-- kill and resumes where it stopped. A URL's state changes in the same
-- transaction as the page it fetched, so the two never disagree.

CREATE TABLE frontier (
    url TEXT PRIMARY KEY,                -- canonical (crawler/urls.py: canonicalize)
    host TEXT NOT NULL,                  -- host[:port], the unit of politeness
    kind TEXT NOT NULL DEFAULT 'page',   -- page (parsed) or resource (recorded only)
    depth INTEGER NOT NULL DEFAULT 0,    -- links from the nearest seed when first seen
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'done', 'failed', 'blocked', 'deferred', 'skipped')),
        -- pending: to fetch; done: a response is stored in pages; failed: no
        -- response after the retries (tried again next run); blocked: robots.txt
        -- disallows it (re-checked next run); deferred: its host's robots.txt
        -- was unreachable (tried next run); skipped: not HTML, too large, or
        -- redirected off-site (not tried again)
    attempts INTEGER NOT NULL DEFAULT 0, -- HTTP requests made for it, retries included, all runs
    last_status INTEGER,                 -- HTTP status of the last response
    last_error TEXT,                     -- why it failed, was blocked, deferred or skipped
    discovered_from TEXT,                -- the page that linked to it; NULL for a seed
    first_seen_run INTEGER REFERENCES crawl_runs (id),
    last_run INTEGER REFERENCES crawl_runs (id),
    updated_at TEXT NOT NULL             -- ISO 8601 UTC
);
CREATE INDEX idx_frontier_state_depth ON frontier (state, depth);
CREATE INDEX idx_frontier_host ON frontier (host);
CREATE INDEX idx_frontier_last_run ON frontier (last_run);
CREATE INDEX idx_frontier_first_seen_run ON frontier (first_seen_run);
