-- Programmes that let each mentee choose their mentor (issue 19 §3): the alternatives each mentee of a
-- round is offered besides the round's own mentor. While the match is offered it holds a place with
-- each of them, so whatever the mentee chooses can be kept without displacing anyone.
CREATE TABLE round_choices (
    round_id BIGINT NOT NULL REFERENCES matching_rounds (id),
    participant_id BIGINT NOT NULL REFERENCES participants (id),
    mentor_id BIGINT NOT NULL REFERENCES participants (id),
    score BIGINT NOT NULL,
    -- The reduced cost from the round's duals: at least what the programme's total score loses.
    cost BIGINT NOT NULL,
    PRIMARY KEY (round_id, participant_id, mentor_id)
);
CREATE INDEX round_choices_by_mentor ON round_choices (mentor_id);
CREATE INDEX mentoring_matches_by_mentee ON mentoring_matches (mentee_id);
CREATE INDEX mentoring_matches_by_mentor ON mentoring_matches (mentor_id);
