-- Responsible risk-taking: policy packs, the facts that trigger gates, risk items, gate records and
-- hazard logs, approval requests routed by the pack, and the conditions decisions attach.

-- Packs an organisation has loaded; the newest row is the one in force. No row: the built-in pack.
CREATE TABLE policy_packs (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    pack_id TEXT NOT NULL,
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    loaded_by BIGINT NOT NULL REFERENCES users (id),
    loaded_ms BIGINT NOT NULL
);
CREATE INDEX policy_packs_by_organisation ON policy_packs (organisation_id, id);

CREATE TABLE initiative_facts (
    initiative_id BIGINT PRIMARY KEY REFERENCES initiatives (id),
    -- Comma-separated fact slugs; empty when none applies.
    facts TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_ms BIGINT NOT NULL
);

CREATE TABLE risk_items (
    id BIGSERIAL PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    domain TEXT NOT NULL,
    cause TEXT NOT NULL,
    event TEXT NOT NULL,
    consequence TEXT NOT NULL,
    before_consequence BIGINT,
    before_likelihood BIGINT,
    now_consequence BIGINT NOT NULL,
    now_likelihood BIGINT NOT NULL,
    target_consequence BIGINT,
    target_likelihood BIGINT,
    controls TEXT NOT NULL,
    owner TEXT NOT NULL,
    review_on TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX risk_items_by_initiative ON risk_items (initiative_id);
CREATE INDEX risk_items_by_organisation ON risk_items (organisation_id);

CREATE TABLE risk_actions (
    id BIGSERIAL PRIMARY KEY,
    risk_id BIGINT NOT NULL REFERENCES risk_items (id),
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_ms BIGINT
);
CREATE INDEX risk_actions_by_risk ON risk_actions (risk_id);

-- One row per gate per initiative: what was recorded (JSON) and the reviewer's sign-off, which any
-- later change to the record clears.
CREATE TABLE gate_records (
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    gate TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users (id),
    updated_ms BIGINT NOT NULL,
    signed_off_by BIGINT REFERENCES users (id),
    signed_off_ms BIGINT,
    sign_off_note TEXT,
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    PRIMARY KEY (initiative_id, gate)
);

-- The clinical safety hazard log (DCB0160). Hazards are never deleted, only closed.
CREATE TABLE hazards (
    id BIGSERIAL PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    name TEXT NOT NULL,
    cause TEXT NOT NULL,
    effect TEXT NOT NULL,
    controls TEXT NOT NULL,
    initial_severity BIGINT NOT NULL,
    initial_likelihood BIGINT NOT NULL,
    residual_severity BIGINT NOT NULL,
    residual_likelihood BIGINT NOT NULL,
    residual_level BIGINT NOT NULL,
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    closed_ms BIGINT
);
CREATE INDEX hazards_by_initiative ON hazards (initiative_id);

CREATE TABLE approval_requests (
    id BIGSERIAL PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    route TEXT NOT NULL,
    route_label TEXT NOT NULL,
    route_rank BIGINT NOT NULL,
    reason TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    pack_version TEXT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    submitted_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    outcome TEXT,
    decided_by BIGINT REFERENCES users (id),
    decided_ms BIGINT,
    decision_reason TEXT
);
CREATE INDEX approval_requests_by_organisation ON approval_requests (organisation_id, decided_ms);
CREATE INDEX approval_requests_by_initiative ON approval_requests (initiative_id);

CREATE TABLE approval_conditions (
    id BIGSERIAL PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES approval_requests (id),
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    condition_text TEXT NOT NULL,
    met_by BIGINT REFERENCES users (id),
    met_ms BIGINT,
    met_note TEXT
);
CREATE INDEX approval_conditions_by_initiative ON approval_conditions (initiative_id);
