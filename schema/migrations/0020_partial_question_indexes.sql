-- Three indexes over every question that their queries read only a few of: a question
-- gone (404/410), closed as a duplicate, or with a first view-count observation. Each
-- held a row for every question, stubs included, and was rewritten whenever a stub
-- became a fetched question (its columns all change then): partial, they hold just the
-- rows their queries read, and a stub or an open, present question costs them nothing.
-- The queries: gone_questions (gone_at IS NOT NULL), duplicate_questions (status =
-- 'duplicate'), view_count_growth (first_view_count IS NOT NULL), each naming the
-- index's condition so SQLite's planner can use it.
DROP INDEX idx_questions_gone_at;
CREATE INDEX idx_questions_gone_at ON questions (gone_at) WHERE gone_at IS NOT NULL;

DROP INDEX idx_questions_status;
CREATE INDEX idx_questions_status ON questions (status) WHERE status = 'duplicate';

DROP INDEX idx_questions_view_growth;
CREATE INDEX idx_questions_view_growth ON questions (view_count - first_view_count, view_count)
    WHERE first_view_count IS NOT NULL;
