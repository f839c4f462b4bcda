-- The adaptation log (issue 20 §3): further adaptations an adopting site makes over time, each with its
-- reason; one of a core component is flagged for the originating team's advice.
CREATE TABLE adaptation_log (
    id INTEGER PRIMARY KEY,
    adopted_initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    -- The core component adapted, or NULL for the adaptable periphery.
    component TEXT,
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    logged_by BIGINT NOT NULL REFERENCES users (id),
    logged_ms BIGINT NOT NULL
);
CREATE INDEX adaptation_log_by_adoption ON adaptation_log (adopted_initiative_id);
