-- Spread, recognition and notifications: the care setting of each site (a search filter), the NASSS
-- complexity profile of an initiative, the people named on a learning review (authors and the
-- reviewers asked to read it), thanks, awards and learning-from-excellence reports, and each person's
-- notifications with their email digest preference.

ALTER TABLE sites ADD COLUMN setting TEXT;

-- 'daily', 'weekly' or 'off'. Daily by default: never one email per event.
ALTER TABLE users ADD COLUMN digest TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE users ADD COLUMN digest_sent_ms BIGINT;

CREATE TABLE complexity_ratings (
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    domain TEXT NOT NULL,
    rating TEXT NOT NULL,
    note TEXT,
    rated_by BIGINT NOT NULL REFERENCES users (id),
    rated_ms BIGINT NOT NULL,
    PRIMARY KEY (initiative_id, domain)
);

CREATE TABLE review_people (
    review_id BIGINT NOT NULL REFERENCES learning_reviews (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    added_ms BIGINT NOT NULL,
    reviewed_ms BIGINT,
    comment TEXT,
    PRIMARY KEY (review_id, user_id)
);

CREATE TABLE recognitions (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    from_user BIGINT NOT NULL REFERENCES users (id),
    to_user BIGINT REFERENCES users (id),
    initiative_id BIGINT REFERENCES initiatives (id),
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX recognitions_by_organisation ON recognitions (organisation_id, created_ms);
CREATE INDEX recognitions_by_user ON recognitions (to_user);

CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    href TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    read_ms BIGINT
);
CREATE INDEX notifications_by_user ON notifications (user_id, created_ms);
