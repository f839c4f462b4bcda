-- The risk lifecycle (issue 18 §2): an action is completed with its date and evidence; a risk is
-- closed with a reason (and stays on record); every score it has had is kept, so that its trend can be
-- drawn; and a risk at or above the pack's corporate-register band names its executive owner.
ALTER TABLE risk_actions ADD COLUMN done_on TEXT;
ALTER TABLE risk_actions ADD COLUMN evidence TEXT;
ALTER TABLE risk_actions ADD COLUMN done_by BIGINT REFERENCES users (id);

ALTER TABLE risk_items ADD COLUMN closed_ms BIGINT;
ALTER TABLE risk_items ADD COLUMN closed_by BIGINT REFERENCES users (id);
ALTER TABLE risk_items ADD COLUMN closed_reason TEXT;
ALTER TABLE risk_items ADD COLUMN executive_owner TEXT NOT NULL DEFAULT '';

CREATE TABLE risk_scores (
    id BIGSERIAL PRIMARY KEY,
    risk_id BIGINT NOT NULL REFERENCES risk_items (id),
    consequence BIGINT NOT NULL,
    likelihood BIGINT NOT NULL,
    scored_by BIGINT NOT NULL REFERENCES users (id),
    scored_ms BIGINT NOT NULL
);
CREATE INDEX risk_scores_by_risk ON risk_scores (risk_id);
-- Each existing risk's current score is the first point of its trend.
INSERT INTO risk_scores (risk_id, consequence, likelihood, scored_by, scored_ms)
SELECT id, now_consequence, now_likelihood, created_by, updated_ms FROM risk_items;
