"""Version 11: many sites, many answers.

A question is keyed by (``site``, ``id``): two sites may use one id, and
``questions.id`` keeps the site's own id, so ``WHERE id = '2kxyq3m7vd'`` still
works. Every table that names a question gains ``site`` and a composite
foreign key. Questions gain their own body, votes, author, tags, status and
duplicate target; ``answers`` holds every answer a page renders (a CSDN page:
one), ``tags`` and ``question_tags`` the tags, and ``related_questions`` a
``kind`` for linked as well as related questions.

The tables whose keys change are rebuilt (SQLite cannot alter a primary or
foreign key), rowids kept: the search index is keyed by ``questions.rowid``.
Every row an archive holds so far belongs to CSDN 文库 (``wenku.csdn.net``);
each fetched question's answer becomes its answer row, and its answer
versions that answer's versions. Nothing is dropped.
"""

from __future__ import annotations

import sqlite_utils

# The site every question of an archive made before version 11 belongs to.
CSDN_SITE = "wenku.csdn.net"

# Short columns first, long texts last: a query reading is_fetched, status or view_count
# (canned queries, facets, search's ordering) never walks the texts' overflow pages.
QUESTIONS = """CREATE TABLE questions (
    site TEXT NOT NULL,                  -- the site: its host (wenku.csdn.net, stackoverflow.com)
    id TEXT NOT NULL,                    -- the site's own id (CSDN: the answer id from the URL)
    url TEXT NOT NULL,
    title TEXT,
    asked_at TEXT,                       -- ISO 8601 with the offset the page gives
    view_count INTEGER,
    view_count_approximate INTEGER NOT NULL DEFAULT 0,  -- 1 when the page showed "1.2万", "4k"
    is_fetched INTEGER NOT NULL DEFAULT 0,  -- 0: only seen as a related question so far
    profile TEXT,
    parser_version INTEGER,
    gone_at TEXT,
    first_view_count INTEGER,
    status TEXT NOT NULL DEFAULT 'open', -- open, closed, duplicate
    duplicate_of TEXT,                   -- the target question's URL when status = duplicate
    answer_count INTEGER,                -- the total the page states (answers may be paged)
    question_votes INTEGER,
    question_author TEXT,
    tags TEXT,                           -- JSON list of the tag names, for Datasette's array facet
    field_sources TEXT,
    question_text TEXT,                  -- the question's own body; NULL where none (CSDN)
    question_markdown TEXT,
    answer_text TEXT,                    -- the answer (CSDN), or the accepted / first answer
    answer_markdown TEXT,
    PRIMARY KEY (site, id)
)"""

QUESTION_COLUMNS = (
    "id, url, title, asked_at, view_count, view_count_approximate, answer_text, "
    "answer_markdown, is_fetched, profile, parser_version, gone_at, first_view_count, "
    "field_sources"
)

RELATED_QUESTIONS = """CREATE TABLE related_questions (
    site TEXT NOT NULL,
    from_id TEXT NOT NULL,
    to_id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'related', -- related, or linked (Stack Exchange's "Linked")
    position INTEGER NOT NULL,           -- 1-based within its kind, as the page lists them
    title TEXT,                          -- the title as shown on the linking page
    answer_text TEXT,                    -- the answer snippet shown under it
    PRIMARY KEY (site, from_id, kind, position),
    FOREIGN KEY (site, from_id) REFERENCES questions (site, id),
    FOREIGN KEY (site, to_id) REFERENCES questions (site, id)
)"""

QUESTION_RESOURCES = """CREATE TABLE question_resources (
    site TEXT NOT NULL,
    question_id TEXT NOT NULL,
    resource_url TEXT NOT NULL REFERENCES resources (url),
    section TEXT NOT NULL,               -- related (相关推荐) or latest (最新推荐)
    position INTEGER NOT NULL,           -- 1-based within its section
    PRIMARY KEY (site, question_id, section, position),
    FOREIGN KEY (site, question_id) REFERENCES questions (site, id)
)"""

VIEW_COUNTS = """CREATE TABLE view_counts (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    question_id TEXT NOT NULL,
    observed_at TEXT NOT NULL,           -- ISO 8601 UTC: the fetch (or 304) that read it
    view_count INTEGER NOT NULL,
    view_count_approximate INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER REFERENCES crawl_runs (id),
    FOREIGN KEY (site, question_id) REFERENCES questions (site, id)
)"""

ANSWER_VERSIONS = """CREATE TABLE answer_versions (
    id INTEGER PRIMARY KEY,
    site TEXT NOT NULL,
    question_id TEXT NOT NULL,
    answer_id TEXT NOT NULL,             -- answers.id (CSDN: the question's id)
    version INTEGER NOT NULL,            -- 1, 2, ... in the order they were seen
    content_hash TEXT NOT NULL,          -- sha256 of title, answer_text, answer_markdown
    title TEXT,                          -- the question's title when this text was seen
    answer_text TEXT,
    answer_markdown TEXT,
    first_seen_at TEXT NOT NULL,         -- ISO 8601 UTC
    superseded_at TEXT,                  -- when a newer text replaced it; NULL: current
    run_id INTEGER REFERENCES crawl_runs (id),  -- the run that first stored it
    FOREIGN KEY (site, question_id) REFERENCES questions (site, id)
)"""

PAGES = """CREATE TABLE pages (
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
    site TEXT,                           -- with question_id: the question the page showed
    question_id TEXT,
    parser_version INTEGER,              -- the parser that read body; reparse compares it
    parse_error TEXT,                    -- the parser's reason when the page did not parse
    run_id INTEGER REFERENCES crawl_runs (id),
    gone_at TEXT,
    FOREIGN KEY (site, question_id) REFERENCES questions (site, id)
)"""

PAGE_COLUMNS = (
    "url, final_url, redirect_chain, status, fetched_at, etag, last_modified, content_type, "
    "charset, content_hash, body, body_size, question_id, parser_version, parse_error, "
    "run_id, gone_at"
)

NEW_TABLES = (
    """CREATE TABLE answers (
        site TEXT NOT NULL,
        question_id TEXT NOT NULL,
        id TEXT NOT NULL,                    -- the site's answer id (CSDN: the question's id)
        position INTEGER NOT NULL,           -- 1-based, in page order
        text TEXT,
        markdown TEXT,
        votes INTEGER,
        accepted INTEGER NOT NULL DEFAULT 0, -- 1: the asker accepted it
        author TEXT,
        created_at TEXT,                     -- ISO 8601 with the offset the page gives
        PRIMARY KEY (site, question_id, id),
        FOREIGN KEY (site, question_id) REFERENCES questions (site, id)
    )""",
    """CREATE TABLE tags (
        site TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (site, name)
    )""",
    """CREATE TABLE question_tags (
        site TEXT NOT NULL,
        question_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        position INTEGER NOT NULL,           -- 1-based, as the page lists them
        PRIMARY KEY (site, question_id, tag),
        FOREIGN KEY (site, question_id) REFERENCES questions (site, id),
        FOREIGN KEY (site, tag) REFERENCES tags (site, name)
    )""",
)

INDEXES = (
    # questions: as before, plus what the new canned queries and facets read.
    "CREATE INDEX idx_questions_asked_at ON questions (asked_at)",
    "CREATE INDEX idx_questions_view_count ON questions (view_count)",
    "CREATE INDEX idx_questions_is_fetched ON questions (is_fetched)",
    "CREATE INDEX idx_questions_gone_at ON questions (gone_at)",
    "CREATE INDEX idx_questions_unfetched ON questions (site, id) WHERE is_fetched = 0",
    "CREATE INDEX idx_questions_view_growth ON questions "
    "(view_count - first_view_count, view_count)",
    "CREATE INDEX idx_questions_month ON questions "
    "(substr(asked_at, 1, 7), asked_at, is_fetched, view_count)",
    "CREATE INDEX idx_questions_status ON questions (status)",
    "CREATE INDEX idx_related_questions_to_id ON related_questions (site, to_id)",
    "CREATE INDEX idx_question_resources_section ON question_resources (section)",
    "CREATE INDEX idx_question_resources_resource_url_question_id "
    "ON question_resources (resource_url, site, question_id)",
    "CREATE UNIQUE INDEX idx_view_counts_question_run "
    "ON view_counts (site, question_id, run_id)",
    "CREATE INDEX idx_view_counts_run_id ON view_counts (run_id)",
    "CREATE INDEX idx_view_counts_observed_at ON view_counts (observed_at)",
    "CREATE INDEX idx_view_counts_question_observed "
    "ON view_counts (site, question_id, observed_at)",
    "CREATE UNIQUE INDEX idx_answer_versions_question_version "
    "ON answer_versions (site, question_id, answer_id, version)",
    "CREATE INDEX idx_answer_versions_run_id ON answer_versions (run_id)",
    "CREATE INDEX idx_pages_question_id ON pages (site, question_id)",
    "CREATE INDEX idx_pages_run_id ON pages (run_id)",
    "CREATE INDEX idx_pages_status ON pages (status)",
    "CREATE INDEX idx_pages_fetched_at ON pages (fetched_at)",
    "CREATE INDEX idx_pages_parse_failures ON pages (run_id) WHERE parse_error IS NOT NULL",
    "CREATE INDEX idx_pages_fetch_failures ON pages (run_id) WHERE status >= 400 OR body IS NULL",
    "CREATE INDEX idx_answers_votes ON answers (votes DESC)",
    "CREATE INDEX idx_answers_accepted ON answers (site, accepted)",
    "CREATE INDEX idx_question_tags_tag ON question_tags (site, tag)",
)

TRIGGERS = (
    """CREATE TRIGGER question_resources_recommended_by_insert
    AFTER INSERT ON question_resources
    WHEN NOT EXISTS (
        SELECT 1 FROM question_resources
        WHERE resource_url = NEW.resource_url AND site = NEW.site
          AND question_id = NEW.question_id AND rowid <> NEW.rowid
    )
    BEGIN
        UPDATE resources SET recommended_by = recommended_by + 1 WHERE url = NEW.resource_url;
    END""",
    """CREATE TRIGGER question_resources_recommended_by_delete
    AFTER DELETE ON question_resources
    WHEN NOT EXISTS (
        SELECT 1 FROM question_resources
        WHERE resource_url = OLD.resource_url AND site = OLD.site
          AND question_id = OLD.question_id
    )
    BEGIN
        UPDATE resources SET recommended_by = recommended_by - 1 WHERE url = OLD.resource_url;
    END""",
    """CREATE TRIGGER view_counts_first_view_count
    AFTER INSERT ON view_counts
    BEGIN
        UPDATE questions SET first_view_count = NEW.view_count
        WHERE site = NEW.site AND id = NEW.question_id AND first_view_count IS NULL;
    END""",
)


# The tables rebuilt, parents last: each with its new definition and the copy of its
# rows from old_<table> (rowids kept).
REBUILT = (
    ("questions", QUESTIONS,
     f"INSERT INTO questions (rowid, site, {QUESTION_COLUMNS}) "
     f"SELECT rowid, '{CSDN_SITE}', {QUESTION_COLUMNS} FROM old_questions"),
    ("related_questions", RELATED_QUESTIONS,
     "INSERT INTO related_questions (rowid, site, from_id, to_id, kind, position, title, "
     f"answer_text) SELECT rowid, '{CSDN_SITE}', from_id, to_id, 'related', position, title, "
     "answer_text FROM old_related_questions"),
    ("question_resources", QUESTION_RESOURCES,
     "INSERT INTO question_resources (rowid, site, question_id, resource_url, section, "
     f"position) SELECT rowid, '{CSDN_SITE}', question_id, resource_url, section, position "
     "FROM old_question_resources"),
    ("view_counts", VIEW_COUNTS,
     "INSERT INTO view_counts (id, site, question_id, observed_at, view_count, "
     f"view_count_approximate, run_id) SELECT id, '{CSDN_SITE}', question_id, observed_at, "
     "view_count, view_count_approximate, run_id FROM old_view_counts"),
    ("answer_versions", ANSWER_VERSIONS,
     "INSERT INTO answer_versions (id, site, question_id, answer_id, version, content_hash, "
     "title, answer_text, answer_markdown, first_seen_at, superseded_at, run_id) "
     f"SELECT id, '{CSDN_SITE}', question_id, question_id, version, content_hash, title, "
     "answer_text, answer_markdown, first_seen_at, superseded_at, run_id "
     "FROM old_answer_versions"),
    ("pages", PAGES,
     f"INSERT INTO pages (rowid, site, {PAGE_COLUMNS}) SELECT rowid, "
     f"CASE WHEN question_id IS NULL THEN NULL ELSE '{CSDN_SITE}' END, {PAGE_COLUMNS} "
     "FROM old_pages"),
)


def migrate(db: sqlite_utils.Database) -> None:
    # SQLite's way to change keys: rename the old tables, create the new ones, copy, drop
    # the old. All old tables are renamed before any new one exists, so no new table's
    # foreign keys are rewritten to point at an old one; legacy mode keeps the renames
    # from rewriting triggers and the view (they go with the old tables, or name pages,
    # which exists again by the time anything reads it). The old tables are dropped
    # children first: foreign keys are enforced, and a parent must not go before them.
    db.execute("PRAGMA legacy_alter_table = ON")
    try:
        for table, _, _ in REBUILT:
            db.execute(f"ALTER TABLE {table} RENAME TO old_{table}")
        for _, create, copy in REBUILT:
            db.execute(create)
            db.execute(copy)
        for table, _, _ in reversed(REBUILT):
            db.execute(f"DROP TABLE old_{table}")
    finally:
        db.execute("PRAGMA legacy_alter_table = OFF")
    for statement in (*NEW_TABLES, *INDEXES, *TRIGGERS):
        db.execute(statement)
    # A CSDN page's one answer: its row, keyed by the question's id as its versions are.
    db.execute(
        "INSERT INTO answers (site, question_id, id, position, text, markdown) "
        "SELECT site, id, id, 1, answer_text, answer_markdown FROM questions "
        "WHERE is_fetched = 1")
