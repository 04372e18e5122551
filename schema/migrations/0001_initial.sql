-- qarchive archive.db, version 1: questions, their links and resources, and the
-- raw pages they were parsed from. Table and column names are a public
-- interface: users write SQL against them. Change them only with a migration.

CREATE TABLE questions (
    id TEXT PRIMARY KEY,                 -- the answer id from the URL (/answer/<id>)
    url TEXT NOT NULL,
    title TEXT,
    asked_at TEXT,                       -- ISO 8601 with offset, e.g. 2023-06-23T11:03:20+08:00
    view_count INTEGER,
    view_count_approximate INTEGER NOT NULL DEFAULT 0,  -- 1 when the page showed "1.2万" or "10万+"
    answer_text TEXT,
    answer_markdown TEXT,
    is_fetched INTEGER NOT NULL DEFAULT 0,  -- 0: only seen as a related question so far
    profile TEXT,
    parser_version INTEGER
);
CREATE INDEX idx_questions_asked_at ON questions (asked_at);
CREATE INDEX idx_questions_view_count ON questions (view_count);
CREATE INDEX idx_questions_is_fetched ON questions (is_fetched);

CREATE TABLE related_questions (
    from_id TEXT NOT NULL REFERENCES questions (id),
    to_id TEXT NOT NULL REFERENCES questions (id),
    position INTEGER NOT NULL,           -- 1-based, as listed under 相关问题
    title TEXT,                          -- the title as shown on the linking page
    answer_text TEXT,                    -- the answer snippet shown under it
    PRIMARY KEY (from_id, position)
);
CREATE INDEX idx_related_questions_to_id ON related_questions (to_id);

CREATE TABLE resources (
    url TEXT PRIMARY KEY,
    kind TEXT,                           -- from the URL: doc, download, column, answer, ...
    file_type TEXT,                      -- from the type icon: pdf, zip, unknown, ...
    title TEXT,
    description TEXT                     -- as the site shows it (may hold raw Markdown)
);
CREATE INDEX idx_resources_kind ON resources (kind);
CREATE INDEX idx_resources_file_type ON resources (file_type);

CREATE TABLE question_resources (
    question_id TEXT NOT NULL REFERENCES questions (id),
    resource_url TEXT NOT NULL REFERENCES resources (url),
    section TEXT NOT NULL,               -- related (相关推荐) or latest (最新推荐)
    position INTEGER NOT NULL,           -- 1-based within its section
    PRIMARY KEY (question_id, section, position)
);
CREATE INDEX idx_question_resources_resource_url ON question_resources (resource_url);
CREATE INDEX idx_question_resources_section ON question_resources (section);

CREATE TABLE crawl_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running', -- running, finished, interrupted, failed
    command TEXT,                         -- crawl, import, reparse
    options TEXT,                         -- JSON of the settings the run used
    fetched INTEGER NOT NULL DEFAULT 0,
    new INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    blocked INTEGER NOT NULL DEFAULT 0,   -- disallowed by robots.txt
    retried INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX idx_crawl_runs_started_at ON crawl_runs (started_at);

CREATE TABLE pages (
    url TEXT PRIMARY KEY,                -- canonical URL requested
    final_url TEXT,                      -- after redirects
    redirect_chain TEXT,                 -- JSON list of the URLs passed through
    status INTEGER,                      -- HTTP status of the final response
    fetched_at TEXT,                     -- ISO 8601 UTC
    etag TEXT,
    last_modified TEXT,
    content_type TEXT,
    charset TEXT,                        -- from the Content-Type header, used to decode body
    content_hash TEXT,                   -- sha256 of the raw body
    body BLOB,                           -- the raw body, zlib-compressed
    body_size INTEGER,                   -- bytes before compression
    question_id TEXT REFERENCES questions (id),
    parser_version INTEGER,              -- the parser that read body; reparse compares it
    parse_error TEXT,                    -- the parser's reason when the page did not parse
    run_id INTEGER REFERENCES crawl_runs (id)
);
CREATE INDEX idx_pages_question_id ON pages (question_id);
CREATE INDEX idx_pages_run_id ON pages (run_id);
CREATE INDEX idx_pages_status ON pages (status);
CREATE INDEX idx_pages_fetched_at ON pages (fetched_at);

-- Pages whose body did not parse, with the reason: a view so users can query it.
CREATE VIEW parse_failures AS
    SELECT url, final_url, status, fetched_at, content_type, parse_error, run_id
    FROM pages WHERE parse_error IS NOT NULL;
