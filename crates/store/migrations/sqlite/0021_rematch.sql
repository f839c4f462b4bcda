-- A mentee whose relationship closed can be returned to the pool by the lead (issue 19 §2): closed
-- matches before this time no longer take them out of it; the mentor they had is kept apart.
ALTER TABLE participants ADD COLUMN rematch_ms BIGINT;
