-- A space's saved teams (issue 19): the members with accounts and the patient partners of each team,
-- saved from a suggestion; saving again replaces them.
CREATE TABLE space_teams (
    space_id BIGINT NOT NULL REFERENCES spaces (id),
    team INTEGER NOT NULL,
    -- The person's place in the order the teams were saved.
    place INTEGER NOT NULL,
    user_id BIGINT REFERENCES users (id),
    partner_id BIGINT REFERENCES space_partners (id),
    CHECK ((user_id IS NULL) <> (partner_id IS NULL)),
    CHECK (team >= 1)
);
CREATE INDEX space_teams_by_space ON space_teams (space_id, team);

-- The saved team an idea started in the space took, as it was then (saving new teams later does not
-- change it). Its members from the idea's organisation also join the initiative's team.
CREATE TABLE space_initiative_team (
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    place INTEGER NOT NULL,
    user_id BIGINT REFERENCES users (id),
    partner_id BIGINT REFERENCES space_partners (id),
    CHECK ((user_id IS NULL) <> (partner_id IS NULL))
);
CREATE INDEX space_initiative_team_by_initiative ON space_initiative_team (initiative_id);
