-- Learning from every try: blameless learning reviews, adoptions of an initiative by another site or
-- organisation with their local adaptations, and the search index over initiatives, reviews and PDSA
-- notes (SQLite FTS5 here; PostgreSQL full-text search in the other folder).

CREATE TABLE learning_reviews (
    id INTEGER PRIMARY KEY,
    initiative_id BIGINT NOT NULL UNIQUE REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    expected TEXT NOT NULL,
    happened TEXT NOT NULL,
    why_differ TEXT NOT NULL,
    keep_doing TEXT NOT NULL,
    change_next TEXT NOT NULL,
    went_well TEXT,
    visibility TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE adoptions (
    id INTEGER PRIMARY KEY,
    source_initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    adopted_initiative_id BIGINT NOT NULL UNIQUE REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    core_kept TEXT NOT NULL,
    adaptations TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX adoptions_by_source ON adoptions (source_initiative_id);

-- One row per searchable thing; who may read it is decided by its organisation and visibility.
CREATE TABLE search_documents (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    visibility TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    stage TEXT NOT NULL,
    tags TEXT NOT NULL,
    updated_ms BIGINT NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_documents_by_initiative ON search_documents (initiative_id);

CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER search_documents_insert AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_documents_delete AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_documents_update AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- Initiatives that exist already.
INSERT INTO search_documents (kind, ref_id, initiative_id, organisation_id, visibility, title, body, stage, tags, updated_ms)
SELECT 'initiative', i.id, i.id, i.organisation_id, 'organisation', i.title,
       i.problem || ' ' || i.proposed_change || ' ' || COALESCE(i.aim_what, ''), i.stage,
       COALESCE((SELECT group_concat(tag, ' ') FROM initiative_tags t WHERE t.initiative_id = i.id), ''), i.updated_ms
FROM initiatives i;
