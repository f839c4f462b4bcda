-- A patient partner of a space may be given a limited account (issue 19 §5): the account that signs
-- in as them, to add outputs and comments in the spaces they take part in. NULL while they have none.
ALTER TABLE space_partners ADD COLUMN user_id BIGINT REFERENCES users (id);
CREATE INDEX space_partners_by_user ON space_partners (user_id);
