-- Mentorship programmes (participants, matching rounds, relationships and outcomes imports) and
-- collaborative spaces.

CREATE TABLE programmes (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    objective TEXT NOT NULL,
    -- Eligibility, duration, meetings, rules, weights and questionnaire (domain::mentoring::Settings as
    -- JSON): always read and written together.
    settings TEXT NOT NULL,
    lead_id BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE participants (
    id BIGSERIAL PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes (id),
    side TEXT NOT NULL,
    -- Staff number or email: what CSV files and line managers refer to.
    reference TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    -- The account with the same email in the organisation, if any: who is told and may answer.
    user_id BIGINT REFERENCES users (id),
    profession TEXT NOT NULL,
    grade BIGINT NOT NULL,
    site TEXT NOT NULL,
    unit TEXT NOT NULL,
    -- Lists separated by commas, already normalised.
    tags TEXT NOT NULL,
    learning_style TEXT NOT NULL,
    availability TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    line_manager TEXT NOT NULL,
    reverse BIGINT NOT NULL,
    -- When the required mentor training was recorded, and what it was.
    trained_ms BIGINT,
    training TEXT,
    enrolled_ms BIGINT NOT NULL,
    UNIQUE (programme_id, side, reference)
);
CREATE INDEX participants_by_user ON participants (user_id);

CREATE TABLE matching_rounds (
    id BIGSERIAL PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes (id),
    status TEXT NOT NULL,
    -- Overrides as JSON lists of [mentee reference, mentor reference].
    must_pair TEXT NOT NULL,
    must_not_pair TEXT NOT NULL,
    mentees BIGINT NOT NULL,
    mentors BIGINT NOT NULL,
    matched BIGINT NOT NULL,
    total_score BIGINT NOT NULL,
    elapsed_ms BIGINT NOT NULL,
    -- matching::round::Certificate as JSON.
    certificate TEXT NOT NULL,
    run_by BIGINT NOT NULL REFERENCES users (id),
    run_ms BIGINT NOT NULL,
    published_ms BIGINT
);
CREATE INDEX matching_rounds_by_programme ON matching_rounds (programme_id);

-- Everyone in a round: a mentee with the mentor proposed (if any) and the score; a mentor with the
-- places offered. `dual` is the mentee's value or the mentor's price that proves the round optimal.
CREATE TABLE round_entries (
    round_id BIGINT NOT NULL REFERENCES matching_rounds (id),
    participant_id BIGINT NOT NULL REFERENCES participants (id),
    mentor_id BIGINT REFERENCES participants (id),
    score BIGINT,
    fixed BIGINT NOT NULL,
    places BIGINT NOT NULL,
    dual BIGINT NOT NULL,
    PRIMARY KEY (round_id, participant_id)
);

CREATE TABLE mentoring_matches (
    id BIGSERIAL PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes (id),
    round_id BIGINT NOT NULL REFERENCES matching_rounds (id),
    mentee_id BIGINT NOT NULL REFERENCES participants (id),
    mentor_id BIGINT NOT NULL REFERENCES participants (id),
    score BIGINT NOT NULL,
    status TEXT NOT NULL,
    offered_ms BIGINT NOT NULL,
    answered_ms BIGINT,
    decline_reason TEXT,
    closed_ms BIGINT,
    reflection TEXT
);
CREATE INDEX mentoring_matches_by_programme ON mentoring_matches (programme_id);

CREATE TABLE mentoring_goals (
    id BIGSERIAL PRIMARY KEY,
    match_id BIGINT NOT NULL REFERENCES mentoring_matches (id),
    text TEXT NOT NULL,
    attainment BIGINT,
    created_ms BIGINT NOT NULL,
    rated_ms BIGINT
);

CREATE TABLE mentoring_sessions (
    id BIGSERIAL PRIMARY KEY,
    match_id BIGINT NOT NULL REFERENCES mentoring_matches (id),
    held_on TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    mode TEXT NOT NULL,
    link TEXT,
    protected BIGINT NOT NULL,
    logged_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL
);

-- Private to the pair: never shown to the programme lead, never in the API for anyone else.
CREATE TABLE mentoring_notes (
    id BIGSERIAL PRIMARY KEY,
    match_id BIGINT NOT NULL REFERENCES mentoring_matches (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE mentoring_feedback (
    id BIGSERIAL PRIMARY KEY,
    match_id BIGINT NOT NULL REFERENCES mentoring_matches (id),
    side TEXT NOT NULL,
    point TEXT NOT NULL,
    -- The answers from 1 to 5, comma-separated, in the order of the questions.
    answers TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE hr_months (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    month TEXT NOT NULL,
    staff_in_post BIGINT NOT NULL,
    leavers BIGINT NOT NULL,
    leaver_references TEXT NOT NULL,
    PRIMARY KEY (organisation_id, month)
);

CREATE TABLE unit_incidents (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    unit TEXT NOT NULL,
    month TEXT NOT NULL,
    incidents BIGINT NOT NULL,
    bed_days BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, unit, month)
);

-- Collaborative spaces are open to the whole hub: members come from any organisation.
CREATE TABLE spaces (
    id BIGSERIAL PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    theme TEXT NOT NULL,
    stage TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL
);

CREATE TABLE space_members (
    space_id BIGINT NOT NULL REFERENCES spaces (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    joined_ms BIGINT NOT NULL,
    PRIMARY KEY (space_id, user_id)
);

-- Patient and public partners who take part without an account: a first name or how they wish to be
-- known, never contact details.
CREATE TABLE space_partners (
    id BIGSERIAL PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces (id),
    name TEXT NOT NULL,
    joined_ms BIGINT NOT NULL
);

CREATE TABLE space_outputs (
    id BIGSERIAL PRIMARY KEY,
    space_id BIGINT NOT NULL REFERENCES spaces (id),
    stage TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL
);

CREATE TABLE space_initiatives (
    space_id BIGINT NOT NULL REFERENCES spaces (id),
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    PRIMARY KEY (space_id, initiative_id)
);
