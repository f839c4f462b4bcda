-- The hazard lifecycle (DCB0129/DCB0160): each hazard has a status (open, mitigated, closed, transferred), an
-- owner, the clinical safety officer's review, and a history of every change with who made it and when.
ALTER TABLE hazards ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE hazards ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE hazards ADD COLUMN updated_ms BIGINT;
ALTER TABLE hazards ADD COLUMN reviewed_by BIGINT REFERENCES users (id);
ALTER TABLE hazards ADD COLUMN reviewed_ms BIGINT;
ALTER TABLE hazards ADD COLUMN review_note TEXT;

CREATE TABLE hazard_changes (
    id BIGSERIAL PRIMARY KEY,
    hazard_id BIGINT NOT NULL REFERENCES hazards (id),
    changed_by BIGINT NOT NULL REFERENCES users (id),
    changed_ms BIGINT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX hazard_changes_by_hazard ON hazard_changes (hazard_id);
