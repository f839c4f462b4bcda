-- Communities of practice (issue 20 §5): what each person follows (a change, a topic tag or a saved
-- search of the library), to hear in their digest of new adoptions, package versions and reviews.
CREATE TABLE follows (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    -- The organisation the person followed from: what they hear of must be readable there.
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    -- 'change', 'topic' or 'search'.
    kind TEXT NOT NULL,
    initiative_id BIGINT REFERENCES initiatives (id),
    -- The tag or the search's words.
    value TEXT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX follows_by_user ON follows (user_id);
CREATE INDEX follows_by_kind ON follows (kind, initiative_id);
