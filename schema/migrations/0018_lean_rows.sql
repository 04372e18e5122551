-- qarchive archive.db, version 18: two columns that repeated the same text in every row
-- (#15: an archive smaller than the HTML it keeps).
--
-- questions.field_sources held one JSON object a question saying where on its page each
-- field was found; every page of one layout gives the same object (2 distinct values in
-- a 3,000-page sample crawl: 0.6 MB). The objects now live once each in
-- field_source_sets, and a question names its set: questions.field_sources_id. Read
-- them together with
--     SELECT q.id, s.sources FROM questions q
--     LEFT JOIN field_source_sets s ON s.id = q.field_sources_id
-- (Datasette shows the set's JSON in the questions table, the set's label).
CREATE TABLE field_source_sets (
    id INTEGER PRIMARY KEY,
    -- JSON object, keys sorted: field name -> source (state, meta, title-tag, heading,
    -- label, class; unknown when the parser did not say)
    sources TEXT NOT NULL UNIQUE
);
INSERT INTO field_source_sets (sources)
    SELECT DISTINCT field_sources FROM questions WHERE field_sources IS NOT NULL ORDER BY 1;
ALTER TABLE questions ADD COLUMN field_sources_id INTEGER REFERENCES field_source_sets (id);
UPDATE questions SET field_sources_id = (
    SELECT id FROM field_source_sets WHERE sources = questions.field_sources
) WHERE field_sources IS NOT NULL;
ALTER TABLE questions DROP COLUMN field_sources;
-- Datasette's page of a set counts the questions that name it.
CREATE INDEX idx_questions_field_sources_id ON questions (field_sources_id);

-- pages.final_url repeated url for every page fetched without a redirect (most of them):
-- it is now empty then, "no redirect". Every reader already takes final_url or url.
UPDATE pages SET final_url = NULL WHERE final_url = url;

-- captured_at and captured_run_id (when, and in which run, the stored body was fetched)
-- repeated fetched_at and run_id until a later visit finds the page unchanged: they are
-- empty then, "this visit's", as for pages stored before version 12. A revisit fills
-- them from fetched_at and run_id before moving those on (archive.py, _KEEP_CAPTURE);
-- every reader takes COALESCE(captured_at, fetched_at).
UPDATE pages SET captured_at = NULL WHERE captured_at = fetched_at;
UPDATE pages SET captured_run_id = NULL WHERE captured_run_id = run_id;

-- The view of failed parses keeps showing where the page ended up.
DROP VIEW parse_failures;
CREATE VIEW parse_failures AS
    SELECT url, COALESCE(final_url, url) AS final_url, status, fetched_at, content_type,
      parse_error, run_id
    FROM pages WHERE parse_error IS NOT NULL;
