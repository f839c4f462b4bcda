-- Spread by flexible translation (issue 20): the spread package a team writes for its change, one row
-- per version (the newest is in force); its resources, stored in the database in chunks so that every
-- node serves them and no download holds a whole file in memory; and what each adopting site decided
-- for each core component, its fidelity checks and the thread between the two teams.
CREATE TABLE spread_packages (
    id BIGSERIAL PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    version BIGINT NOT NULL,
    -- domain::packages::Package as JSON.
    body TEXT NOT NULL,
    shared_with_hub BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    UNIQUE (initiative_id, version)
);

CREATE TABLE spread_resources (
    id BIGSERIAL PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    description TEXT,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    chunks BIGINT NOT NULL,
    added_in_version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX spread_resources_by_initiative ON spread_resources (initiative_id);

CREATE TABLE spread_resource_chunks (
    resource_id BIGINT NOT NULL REFERENCES spread_resources (id),
    seq BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (resource_id, seq)
);

ALTER TABLE adoptions ADD COLUMN package_version BIGINT;
ALTER TABLE adoptions ADD COLUMN local_context TEXT;

CREATE TABLE adoption_choices (
    adopted_initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    position BIGINT NOT NULL,
    component TEXT NOT NULL,
    kept BIGINT NOT NULL,
    reason TEXT,
    PRIMARY KEY (adopted_initiative_id, position)
);

CREATE TABLE fidelity_checks (
    id BIGSERIAL PRIMARY KEY,
    adopted_initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    -- domain::packages::FidelityCheck as JSON.
    body TEXT NOT NULL,
    percent BIGINT NOT NULL,
    checked_by BIGINT NOT NULL REFERENCES users (id),
    checked_ms BIGINT NOT NULL
);
CREATE INDEX fidelity_checks_by_adoption ON fidelity_checks (adopted_initiative_id);

CREATE TABLE adoption_messages (
    id BIGSERIAL PRIMARY KEY,
    adopted_initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX adoption_messages_by_adoption ON adoption_messages (adopted_initiative_id);
