-- Meetings a pair plans ahead (issue 19 §3), each with a calendar invitation. A planned meeting is not
-- a session held: the pair log that afterwards, so "sessions held" counts only what happened.
CREATE TABLE mentoring_meetings (
    id BIGSERIAL PRIMARY KEY,
    match_id BIGINT NOT NULL REFERENCES mentoring_matches (id),
    starts_ms BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    mode TEXT NOT NULL,
    place TEXT,
    link TEXT,
    planned_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX mentoring_meetings_by_match ON mentoring_meetings (match_id, starts_ms);
