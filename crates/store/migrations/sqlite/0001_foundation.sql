-- Foundation: hub settings, organisations, sites, units, people, sign-in, initiatives, audit log.
-- Times are milliseconds since the Unix epoch (BIGINT); civil dates are ISO 8601 text.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    UNIQUE (organisation_id, name)
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites (id),
    name TEXT NOT NULL,
    UNIQUE (site_id, name)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    profession TEXT NOT NULL,
    unit_id BIGINT REFERENCES units (id),
    password_hash TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_id BIGINT NOT NULL REFERENCES users (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, organisation_id, role)
);
CREATE INDEX memberships_by_organisation ON memberships (organisation_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    client TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    succeeded BIGINT NOT NULL
);
CREATE INDEX login_attempts_by_email ON login_attempts (email, at_ms);
CREATE INDEX login_attempts_by_client ON login_attempts (client, at_ms);

CREATE TABLE initiatives (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    site_id BIGINT REFERENCES sites (id),
    submitter_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    problem TEXT NOT NULL,
    proposed_change TEXT NOT NULL,
    aim_what TEXT,
    aim_how_much TEXT,
    aim_by_when TEXT,
    aim_for_whom TEXT,
    stage TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX initiatives_by_organisation ON initiatives (organisation_id, updated_ms);

CREATE TABLE initiative_tags (
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (initiative_id, tag)
);
CREATE INDEX initiative_tags_by_tag ON initiative_tags (tag);

CREATE TABLE team_members (
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    team_role TEXT NOT NULL,
    PRIMARY KEY (initiative_id, user_id)
);

CREATE TABLE stage_changes (
    id INTEGER PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX stage_changes_by_initiative ON stage_changes (initiative_id, at_ms);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX comments_by_initiative ON comments (initiative_id, at_ms);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor_id BIGINT,
    organisation_id BIGINT,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
