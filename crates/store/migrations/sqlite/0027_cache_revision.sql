-- Issue 21: what every page reads about its viewer and their organisation (the person and their
-- memberships, organisation names, sites, the tags in use) is cached by each node, and the cache is
-- valid only while this counter is unchanged. Triggers bump it in the same transaction as any change to
-- those tables, so no write path can forget to, a cache can never outlive a committed change, and every
-- node sees the bump with the change (correctness never rests on a timeout).

CREATE TABLE cache_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO cache_revision (id, revision) VALUES (1, 0);

CREATE TRIGGER users_insert_bumps_cache AFTER INSERT ON users
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER users_update_bumps_cache AFTER UPDATE OF email, name, profession, unit_id, site_id, status, hub_admin, totp_enrolled_ms ON users
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER users_delete_bumps_cache AFTER DELETE ON users
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER memberships_insert_bumps_cache AFTER INSERT ON memberships
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER memberships_update_bumps_cache AFTER UPDATE ON memberships
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER memberships_delete_bumps_cache AFTER DELETE ON memberships
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER organisations_insert_bumps_cache AFTER INSERT ON organisations
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER organisations_update_bumps_cache AFTER UPDATE ON organisations
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER organisations_delete_bumps_cache AFTER DELETE ON organisations
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER sites_insert_bumps_cache AFTER INSERT ON sites
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER sites_update_bumps_cache AFTER UPDATE ON sites
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER sites_delete_bumps_cache AFTER DELETE ON sites
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER initiative_tags_insert_bumps_cache AFTER INSERT ON initiative_tags
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER initiative_tags_update_bumps_cache AFTER UPDATE ON initiative_tags
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;

CREATE TRIGGER initiative_tags_delete_bumps_cache AFTER DELETE ON initiative_tags
BEGIN
    UPDATE cache_revision SET revision = revision + 1 WHERE id = 1;
END;
