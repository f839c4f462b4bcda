-- Anyone may ask for help before they have an initiative (issue 18 §5): a support request's initiative
-- becomes optional. SQLite cannot drop a NOT NULL constraint, so the table is rebuilt with the same
-- columns in the same order, its rows copied, and its indexes made again.
CREATE TABLE support_requests_rebuilt (
    id INTEGER PRIMARY KEY,
    offer_id BIGINT NOT NULL REFERENCES support_offers (id),
    initiative_id BIGINT REFERENCES initiatives (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    answered_by BIGINT REFERENCES users (id),
    requested_ms BIGINT NOT NULL,
    responded_ms BIGINT,
    completed_ms BIGINT
);
INSERT INTO support_requests_rebuilt (id, offer_id, initiative_id, organisation_id, requested_by, message, status,
    note, answered_by, requested_ms, responded_ms, completed_ms)
SELECT id, offer_id, initiative_id, organisation_id, requested_by, message, status, note, answered_by, requested_ms,
    responded_ms, completed_ms
FROM support_requests;
DROP TABLE support_requests;
ALTER TABLE support_requests_rebuilt RENAME TO support_requests;
CREATE INDEX support_requests_by_offer ON support_requests (offer_id);
CREATE INDEX support_requests_by_initiative ON support_requests (initiative_id);
CREATE INDEX support_requests_by_requester ON support_requests (requested_by);
