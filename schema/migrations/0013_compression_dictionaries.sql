-- qarchive archive.db, version 13: raw pages in zstd with dictionaries trained per site
-- (issue #15; archive/bodies.py). Sample pages are one template with different text:
-- zlib gets 3x on them, zstd with a dictionary trained on the site's own pages 16-19x.

-- The dictionaries bodies are compressed with, versioned per site. A site gets its first
-- once it has enough pages, and a new version when its newest pages compress much worse
-- with the current one (a redesign); new bodies use the site's highest version, and
-- `qarchive compact` moves older bodies to it. A dictionary is never changed, and is
-- deleted only when no body needs it (compact). AUTOINCREMENT: an id is never reused,
-- so a process's cache of loaded dictionaries (keyed by id) can never go stale.
CREATE TABLE compression_dictionaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site TEXT NOT NULL,                  -- pages.site, or the host of pages without one
    version INTEGER NOT NULL,            -- 1, 2, ... per site; the highest is current
    created_at TEXT NOT NULL,            -- ISO 8601 UTC
    trained_because TEXT NOT NULL,       -- "200 pages", or the drift that asked for it
    sample_pages INTEGER NOT NULL,       -- how many of the site's newest pages it learnt from
    sample_bytes INTEGER NOT NULL,       -- their size, uncompressed
    ratio REAL,                          -- HTML / compressed on held-out pages: drift's baseline
    size INTEGER NOT NULL,               -- bytes of dictionary
    dictionary BLOB NOT NULL,            -- zstd dictionary (RFC 8878 §5); its id is 32768 + id
    UNIQUE (site, version)
);

-- What each body needs to be read: 'zlib' (every body before version 13, readable
-- forever) or 'zstd', with the dictionary it was compressed with (NULL: none, a body
-- stored before its site had one). The zstd frame names its dictionary too.
ALTER TABLE pages ADD COLUMN body_codec TEXT NOT NULL DEFAULT 'zlib';
ALTER TABLE pages ADD COLUMN dictionary_id INTEGER REFERENCES compression_dictionaries (id);
-- A dictionary's bodies, newest first: the drift check reads the newest few, compact
-- finds the dictionaries no body needs.
CREATE INDEX idx_pages_dictionary_id ON pages (dictionary_id);
