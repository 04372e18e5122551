-- Version 6: view-count growth without aggregating every observation per query
-- (the growth query took ~370 ms on 100k questions; see BENCHMARKS.md).

CREATE INDEX idx_view_counts_question_observed ON view_counts (question_id, observed_at);

-- The first view count ever observed for the question; growth = view_count - first_view_count.
ALTER TABLE questions ADD COLUMN first_view_count INTEGER;
UPDATE questions SET first_view_count = (
    SELECT view_count FROM view_counts v
    WHERE v.question_id = questions.id
    ORDER BY observed_at, id
    LIMIT 1
);

-- Kept by a trigger, so every writer keeps it right.
CREATE TRIGGER view_counts_first_view_count
AFTER INSERT ON view_counts
BEGIN
    UPDATE questions SET first_view_count = NEW.view_count
    WHERE id = NEW.question_id AND first_view_count IS NULL;
END;

-- Fastest-growing first, as the canned query and the chart list them.
CREATE INDEX idx_questions_view_growth ON questions (view_count - first_view_count, view_count)
    WHERE first_view_count IS NOT NULL;
