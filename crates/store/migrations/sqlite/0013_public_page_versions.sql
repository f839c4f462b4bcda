-- A published public page stays live while a new version waits for review (issue 18 §4): the
-- reviewed text is kept in its own columns, the draft in the existing ones. A reviewer can send a
-- version back with a comment instead of publishing it.
ALTER TABLE public_pages ADD COLUMN live_what_changing TEXT;
ALTER TABLE public_pages ADD COLUMN live_why TEXT;
ALTER TABLE public_pages ADD COLUMN live_how_helps TEXT;
ALTER TABLE public_pages ADD COLUMN live_learned TEXT;
ALTER TABLE public_pages ADD COLUMN live_feedback_how TEXT;
ALTER TABLE public_pages ADD COLUMN review_comment TEXT;
UPDATE public_pages SET live_what_changing = what_changing, live_why = why, live_how_helps = how_helps,
    live_learned = learned, live_feedback_how = feedback_how
WHERE status = 'published';
