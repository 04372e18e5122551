-- Version 5: what Datasette's canned queries need to stay fast on large archives
-- (p95 < 100 ms on 100k questions; see BENCHMARKS.md).

-- How many questions recommend each resource, kept by triggers so that any
-- writer keeps it right. Counting question_resources per query took 1.2 s.
ALTER TABLE resources ADD COLUMN recommended_by INTEGER NOT NULL DEFAULT 0;

-- (resource_url, question_id) answers "does this question already recommend it?"
-- for the triggers and covers per-resource counts; it replaces the one-column index.
CREATE INDEX idx_question_resources_resource_url_question_id
    ON question_resources (resource_url, question_id);
DROP INDEX idx_question_resources_resource_url;

UPDATE resources SET recommended_by = (
    SELECT count(DISTINCT question_id) FROM question_resources
    WHERE question_resources.resource_url = resources.url
);
-- In the order the "most recommended" query lists them.
CREATE INDEX idx_resources_recommended_by ON resources (recommended_by DESC, title);

CREATE TRIGGER question_resources_recommended_by_insert
AFTER INSERT ON question_resources
WHEN NOT EXISTS (
    SELECT 1 FROM question_resources
    WHERE resource_url = NEW.resource_url AND question_id = NEW.question_id
      AND rowid <> NEW.rowid
)
BEGIN
    UPDATE resources SET recommended_by = recommended_by + 1 WHERE url = NEW.resource_url;
END;

CREATE TRIGGER question_resources_recommended_by_delete
AFTER DELETE ON question_resources
WHEN NOT EXISTS (
    SELECT 1 FROM question_resources
    WHERE resource_url = OLD.resource_url AND question_id = OLD.question_id
)
BEGIN
    UPDATE resources SET recommended_by = recommended_by - 1 WHERE url = OLD.resource_url;
END;

-- The failures query: pages that did not parse, and HTTP errors or missing bodies.
CREATE INDEX idx_pages_parse_failures ON pages (run_id) WHERE parse_error IS NOT NULL;
CREATE INDEX idx_pages_fetch_failures ON pages (run_id) WHERE status >= 400 OR body IS NULL;

-- Questions per month: the grouping expression, covered with the views summed.
CREATE INDEX idx_questions_month ON questions (substr(asked_at, 1, 7), view_count)
    WHERE is_fetched = 1 AND asked_at IS NOT NULL;

-- Questions seen only as related: few among many, so a partial index finds them at once.
CREATE INDEX idx_questions_unfetched ON questions (id) WHERE is_fetched = 0;
