-- Decisions that hold: a decided request keeps the basis it was decided on (facts, gates, risks, aim and
-- proposal, as JSON), a request reopened by a material change records what changed and the request it
-- reopens, and each condition names who confirms it (a role or a person) and when it is due.
ALTER TABLE approval_requests ADD COLUMN basis TEXT;
ALTER TABLE approval_requests ADD COLUMN reopens BIGINT REFERENCES approval_requests (id);
ALTER TABLE approval_requests ADD COLUMN changes TEXT;
ALTER TABLE approval_conditions ADD COLUMN confirm_role TEXT;
ALTER TABLE approval_conditions ADD COLUMN confirm_user BIGINT REFERENCES users (id);
ALTER TABLE approval_conditions ADD COLUMN due_day TEXT;
