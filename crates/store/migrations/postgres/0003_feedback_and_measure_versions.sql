-- Public feedback on initiatives: a link (and QR code) per initiative, short answers from patients,
-- carers, staff and visitors without an account, and the team's public replies ("you said, we did").

CREATE TABLE feedback_links (
    initiative_id BIGINT PRIMARY KEY REFERENCES initiatives (id),
    -- Unguessable: the link is the only way to the form.
    token TEXT NOT NULL UNIQUE,
    -- The measure that the ratings feed (a monthly mean), made with the link.
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    created_ms BIGINT NOT NULL
);

CREATE TABLE feedback (
    id BIGSERIAL PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    audience TEXT NOT NULL,
    rating BIGINT NOT NULL,
    -- Screened for patient identifiers before it is stored.
    comment TEXT,
    age_band TEXT,
    -- The first day of the month it arrived in, YYYY-MM-DD.
    period TEXT NOT NULL,
    -- SHA-256 of the sender's network address and the link: enough to limit abuse, not to find anyone.
    sender_hash TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    reply TEXT,
    replied_by BIGINT REFERENCES users (id),
    replied_ms BIGINT
);
CREATE INDEX feedback_by_initiative ON feedback (initiative_id, received_ms);
CREATE INDEX feedback_by_sender ON feedback (sender_hash, received_ms);

-- Bumped by every change to a measure's definition, data or phases, so that what was computed from
-- them (the dashboard's analyses) can be kept until it changes.
ALTER TABLE measures ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
