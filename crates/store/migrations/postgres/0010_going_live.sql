-- Going live (PostgreSQL): people's account status and site, hub administrators, one-time links (setup, invitations,
-- password resets), two-factor sign-in, richer sessions (chosen organisation, idle timeout, device),
-- organisation sign-in policy, single sign-on providers and linked identities, retired sites, API token
-- expiry, scope and last use.

-- An invited person has no password yet (''); a deactivated person keeps their name on everything
-- they did but can no longer sign in.
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN site_id BIGINT REFERENCES sites (id);
ALTER TABLE users ADD COLUMN hub_admin BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enrolled_ms BIGINT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN status_changed_ms BIGINT;

CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_ms BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Setup, invitation and reset links: only the SHA-256 of the token is kept.
CREATE TABLE one_time_links (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    organisation_id BIGINT REFERENCES organisations (id),
    created_by BIGINT REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms BIGINT,
    revoked_ms BIGINT
);
CREATE INDEX one_time_links_by_user ON one_time_links (user_id, purpose);

ALTER TABLE sessions ADD COLUMN organisation_id BIGINT REFERENCES organisations (id);
ALTER TABLE sessions ADD COLUMN last_used_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN id_token_hint TEXT;

-- Who must use two-factor sign-in: 'administrators' (the default), 'everyone', or 'nobody' (the demo only).
ALTER TABLE organisations ADD COLUMN two_factor TEXT NOT NULL DEFAULT 'administrators';
ALTER TABLE organisations ADD COLUMN passwords_allowed BIGINT NOT NULL DEFAULT 1;

ALTER TABLE sites ADD COLUMN retired_ms BIGINT;

-- An organisation's own identity provider (OpenID Connect). The client secret is encrypted with the
-- installation's secret key, or left empty and given by environment variable.
CREATE TABLE sso_providers (
    organisation_id BIGINT PRIMARY KEY REFERENCES organisations (id),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed TEXT NOT NULL,
    label TEXT NOT NULL,
    allowed_domains TEXT NOT NULL,
    create_people BIGINT NOT NULL,
    default_role TEXT NOT NULL,
    roles_claim TEXT NOT NULL,
    role_map TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- A person's identity at a provider, linked on first sign-in (by verified email) and matched by subject
-- afterwards.
CREATE TABLE sso_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    linked_ms BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_identities_by_user ON sso_identities (user_id);

-- A sign-in started at a provider and not yet finished: state, nonce and the PKCE verifier.
CREATE TABLE sso_pending (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);

ALTER TABLE api_tokens ADD COLUMN expires_ms BIGINT;
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read-write';
ALTER TABLE api_tokens ADD COLUMN last_used_ms BIGINT;

-- Browsers that have signed in to an account before (a "device cookie", OWASP): their attempts skip the
-- delays that strangers' failures put on the account and on a shared address, so nobody can lock others
-- out, until the browser itself fails five times in a row.
CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    failures BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    last_used_ms BIGINT NOT NULL
);
CREATE INDEX known_devices_by_account ON known_devices (account);

-- A digest being sent, claimed by one process so that several nodes never send the same person two.
ALTER TABLE users ADD COLUMN digest_claim_ms BIGINT;

-- Names and email addresses of people anonymised at leaving (UK GDPR erasure), with what replaces them
-- wherever the audit log is shown: the stored log stays as it was, so its chain still verifies.
CREATE TABLE redactions (
    original TEXT PRIMARY KEY,
    replacement TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
