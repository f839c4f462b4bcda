-- When an unanswered offer was last re-sent automatically (issue 19 §2): at most once a week.
ALTER TABLE mentoring_matches ADD COLUMN reminded_ms BIGINT;
