-- Anyone may ask for help before they have an initiative (issue 18 §5): a support request's initiative
-- becomes optional.
ALTER TABLE support_requests ALTER COLUMN initiative_id DROP NOT NULL;
CREATE INDEX support_requests_by_requester ON support_requests (requested_by);
