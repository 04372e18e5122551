-- qarchive archive.db, version 15: recommendation links keyed by integers (#15).
--
-- question_resources repeated, in every row and in each of its three indexes, the
-- question's site and id and the resource's URL: ~250 bytes a link, 5.9 MB of a
-- 3,000-page archive's 44 MB for 23,758 links. Each link is now the question's rowid,
-- the section, the position and the resource's rowid in a WITHOUT ROWID table (~20
-- bytes, and its one index as much); the view question_resources gives the old
-- columns back, so `SELECT ... FROM question_resources` reads what it read.
--
-- Why rowids: questions and resources have TEXT keys ((site, id), url), and the
-- search indexes are keyed by the same rowids already. Neither table is ever
-- deleted from or rekeyed, and VACUUM keeps the rowids of a table that has an
-- index (SQLite copies such a table row by row with its rowid; every table here
-- has its key's index): tests/test_archive.py checks that `compact --vacuum`
-- keeps every link.
CREATE TABLE question_resource_links (
    question_rowid INTEGER NOT NULL,     -- questions.rowid of the question whose page lists it
    section TEXT NOT NULL,               -- related (相关推荐) or latest (最新推荐)
    position INTEGER NOT NULL,           -- 1-based within its section
    resource_rowid INTEGER NOT NULL,     -- resources.rowid of the resource recommended
    PRIMARY KEY (question_rowid, section, position)
) WITHOUT ROWID;

-- Lossless: a link whose question or resource row is missing (foreign keys forbade
-- it; no archive qarchive wrote has one) gets a row to point at, a stub question
-- (is_fetched 0, its URL unknown: '') or a resource with its URL only.
INSERT OR IGNORE INTO resources (url)
    SELECT DISTINCT resource_url FROM question_resources;
INSERT OR IGNORE INTO questions (site, id, url, is_fetched)
    SELECT DISTINCT site, question_id, '', 0 FROM question_resources;

INSERT INTO question_resource_links (question_rowid, section, position, resource_rowid)
    SELECT q.rowid, l.section, l.position, r.rowid
    FROM question_resources l
    JOIN questions q ON q.site = l.site AND q.id = l.question_id
    JOIN resources r ON r.url = l.resource_url;

-- Goes with its indexes (idx_question_resources_section, the (resource_url, site,
-- question_id) one) and its recommended_by triggers.
DROP TABLE question_resources;

-- A resource's links: the recommended_by triggers' "does this question already
-- recommend it?", and the view read by resource URL.
CREATE INDEX idx_question_resource_links_resource
    ON question_resource_links (resource_rowid, question_rowid);

CREATE VIEW question_resources AS
    SELECT q.site AS site, q.id AS question_id, r.url AS resource_url,
      l.section AS section, l.position AS position
    FROM question_resource_links l
    JOIN questions q ON q.rowid = l.question_rowid
    JOIN resources r ON r.rowid = l.resource_rowid;

-- resources.recommended_by: how many questions recommend it (a question listing it in
-- both sections counts once), kept by triggers as since version 5.
CREATE TRIGGER question_resource_links_recommended_by_insert
    AFTER INSERT ON question_resource_links
    WHEN NOT EXISTS (
        SELECT 1 FROM question_resource_links
        WHERE resource_rowid = NEW.resource_rowid AND question_rowid = NEW.question_rowid
          AND NOT (section = NEW.section AND position = NEW.position)
    )
    BEGIN
        UPDATE resources SET recommended_by = recommended_by + 1
        WHERE rowid = NEW.resource_rowid;
    END;

CREATE TRIGGER question_resource_links_recommended_by_delete
    AFTER DELETE ON question_resource_links
    WHEN NOT EXISTS (
        SELECT 1 FROM question_resource_links
        WHERE resource_rowid = OLD.resource_rowid AND question_rowid = OLD.question_rowid
    )
    BEGIN
        UPDATE resources SET recommended_by = recommended_by - 1
        WHERE rowid = OLD.resource_rowid;
    END;

-- The count as the triggers keep it (a resource given a row above: 0 until then).
UPDATE resources SET recommended_by = (
    SELECT count(DISTINCT question_rowid) FROM question_resource_links
    WHERE resource_rowid = resources.rowid
);

-- most_recommended_resources lists the 100 resources most questions recommend. Its
-- index held every resource with its title (1.1 MB of the 3,000-page archive), though
-- most resources are recommended once (20,546 of 21,589 there) and the list needs
-- those only while fewer than 100 are recommended more often: it now holds the
-- resources recommended by two questions or more, and the query reads the others
-- (by a scan) only when these are fewer than 100 (schema/metadata.yaml).
DROP INDEX idx_resources_recommended_by;
CREATE INDEX idx_resources_recommended_by ON resources (recommended_by DESC, title)
    WHERE recommended_by > 1;
