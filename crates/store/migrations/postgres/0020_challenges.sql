-- Challenges in collaborative spaces (issue 19 §5): a question for a set time with the criteria ideas
-- are judged on; ideas, their supporters (one per person per idea) and comments; a panel that scores
-- the shortlisted ideas against each criterion; and the initiative an idea became.
CREATE TABLE challenges (
    id BIGSERIAL PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces (id),
    question TEXT NOT NULL,
    description TEXT,
    -- ISO dates; the challenge takes ideas from the first to the second, both included.
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    -- JSON list of the criteria, in order.
    criteria TEXT NOT NULL,
    -- open, judging or decided.
    phase TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX challenges_by_space ON challenges (space_id);

CREATE TABLE challenge_ideas (
    id BIGSERIAL PRIMARY KEY,
    challenge_id BIGINT NOT NULL REFERENCES challenges (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    shortlisted_ms BIGINT,
    initiative_id BIGINT REFERENCES initiatives (id),
    created_ms BIGINT NOT NULL
);
CREATE INDEX challenge_ideas_by_challenge ON challenge_ideas (challenge_id);

CREATE TABLE challenge_supports (
    idea_id BIGINT NOT NULL REFERENCES challenge_ideas (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (idea_id, user_id)
);

CREATE TABLE challenge_comments (
    id BIGSERIAL PRIMARY KEY,
    idea_id BIGINT NOT NULL REFERENCES challenge_ideas (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX challenge_comments_by_idea ON challenge_comments (idea_id);

CREATE TABLE challenge_panel (
    challenge_id BIGINT NOT NULL REFERENCES challenges (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (challenge_id, user_id)
);

-- One row per judge, idea and criterion (by its position in the list).
CREATE TABLE challenge_scores (
    idea_id BIGINT NOT NULL REFERENCES challenge_ideas (id),
    judge_id BIGINT NOT NULL REFERENCES users (id),
    criterion BIGINT NOT NULL,
    score BIGINT NOT NULL,
    scored_ms BIGINT NOT NULL,
    PRIMARY KEY (idea_id, judge_id, criterion)
);
