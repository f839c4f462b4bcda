-- Adopting or spreading a change is a decision on its evidence (issue 18 §3): the stage change keeps,
-- in its own row, what the measures showed when it was taken (and any balancing concern the decider
-- acknowledged), so that the initiative shows it beside the decision rather than only the audit log.
ALTER TABLE stage_changes ADD COLUMN evidence TEXT;
