-- Helping innovators succeed: driver diagrams linked to PDSA cycles and measures, support offers and
-- the requests made of them, plain-language public pages, and progress along the skills pathways.

CREATE TABLE driver_nodes (
    id BIGSERIAL PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    parent_id BIGINT REFERENCES driver_nodes (id),
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX driver_nodes_by_initiative ON driver_nodes (initiative_id);

-- A change idea's PDSA cycles ('pdsa') and a driver's measures ('measure').
CREATE TABLE driver_links (
    node_id BIGINT NOT NULL REFERENCES driver_nodes (id),
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    PRIMARY KEY (node_id, kind, ref_id)
);

CREATE TABLE support_offers (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    covers TEXT NOT NULL,
    who_can_ask TEXT NOT NULL,
    response_days BIGINT NOT NULL,
    -- Who answers requests (administrators may too).
    contact_id BIGINT NOT NULL REFERENCES users (id),
    -- 1: anyone in any organisation of the hub may ask (a regional innovation network).
    hub_wide BIGINT NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL
);

CREATE TABLE support_requests (
    id BIGSERIAL PRIMARY KEY,
    offer_id BIGINT NOT NULL REFERENCES support_offers (id),
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    answered_by BIGINT REFERENCES users (id),
    requested_ms BIGINT NOT NULL,
    -- The first answer (accepted, declined or completed): what the response target is measured on.
    responded_ms BIGINT,
    completed_ms BIGINT
);
CREATE INDEX support_requests_by_offer ON support_requests (offer_id);
CREATE INDEX support_requests_by_initiative ON support_requests (initiative_id);

CREATE TABLE public_pages (
    initiative_id BIGINT PRIMARY KEY REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    what_changing TEXT NOT NULL,
    why TEXT NOT NULL,
    how_helps TEXT NOT NULL,
    learned TEXT NOT NULL,
    feedback_how TEXT NOT NULL,
    status TEXT NOT NULL,
    written_by BIGINT NOT NULL REFERENCES users (id),
    reviewed_by BIGINT REFERENCES users (id),
    published_ms BIGINT,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE pathway_progress (
    user_id BIGINT NOT NULL REFERENCES users (id),
    pathway TEXT NOT NULL,
    step TEXT NOT NULL,
    initiative_id BIGINT REFERENCES initiatives (id),
    completed_ms BIGINT NOT NULL,
    PRIMARY KEY (user_id, pathway, step)
);
