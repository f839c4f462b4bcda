-- Staff apply to join a programme (issue 19 §3); the lead approves or declines. The form is kept as
-- typed (JSON) and checked again when approved, against the roster as it is then.
CREATE TABLE mentoring_applications (
    id INTEGER PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    form TEXT NOT NULL,
    -- pending, approved, declined or withdrawn.
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_ms BIGINT,
    reason TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX mentoring_applications_by_programme ON mentoring_applications (programme_id, status);
-- At most one application waiting per person and programme.
CREATE UNIQUE INDEX mentoring_applications_one_pending ON mentoring_applications (programme_id, user_id)
    WHERE status = 'pending';
-- A mentor's training record: the course, the day it was completed (trained_ms) and its evidence.
ALTER TABLE participants ADD COLUMN training_evidence TEXT;
