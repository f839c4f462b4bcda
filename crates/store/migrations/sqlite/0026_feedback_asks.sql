-- Feedback asked at a relationship's milestones (issue 19 §3): one row per match and point, claimed
-- by the insert so that several nodes never ask twice.
CREATE TABLE mentoring_feedback_asks (
    match_id BIGINT NOT NULL REFERENCES mentoring_matches (id),
    point TEXT NOT NULL,
    asked_ms BIGINT NOT NULL,
    PRIMARY KEY (match_id, point)
);
