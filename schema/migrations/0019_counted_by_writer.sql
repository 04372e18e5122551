-- resources.recommended_by is counted by the writer (Archive._store_resources), not by
-- triggers on question_resource_links: one fired for each link a page stores (~24 a
-- CSDN page), each a NOT EXISTS probe and a resource row rewritten, 7% of a WARC
-- import's time (bench/notes.md, "Import after schema 19"). The writer knows a page's
-- old and new links at once: a resource it inserts starts at 1, and one UPDATE a
-- resource newly (or no longer) recommended by the question adds (or takes) 1.
DROP TRIGGER IF EXISTS question_resource_links_recommended_by_insert;
DROP TRIGGER IF EXISTS question_resource_links_recommended_by_delete;

-- The count as the triggers kept it, made again in case it drifted (a link deleted by
-- hand with the triggers on was counted; one written by another tool was not).
UPDATE resources SET recommended_by = (
    SELECT count(DISTINCT question_rowid) FROM question_resource_links
    WHERE resource_rowid = resources.rowid
) WHERE recommended_by != (
    SELECT count(DISTINCT question_rowid) FROM question_resource_links
    WHERE resource_rowid = resources.rowid
);
