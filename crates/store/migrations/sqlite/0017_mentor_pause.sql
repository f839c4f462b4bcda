-- A mentor can be paused (issue 19 §2): no new mentees while paused, their current pairs carry on.
ALTER TABLE participants ADD COLUMN paused_ms BIGINT;
