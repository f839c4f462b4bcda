-- Evidence of improvement: measures, their data (aggregates only, never patient records), PDSA cycles
-- and the phase breaks that cycles put on measures' charts.

CREATE TABLE measures (
    id INTEGER PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    -- Denormalised from the initiative so organisation-wide dashboards need no join to scope them.
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    numerator TEXT NOT NULL,
    denominator TEXT,
    inclusions TEXT,
    exclusions TEXT,
    source TEXT NOT NULL,
    frequency TEXT NOT NULL,
    unit TEXT,
    direction TEXT NOT NULL,
    target REAL,
    data_type TEXT NOT NULL,
    chart_override TEXT,
    chart_reason TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX measures_by_initiative ON measures (initiative_id);
CREATE INDEX measures_by_organisation ON measures (organisation_id);

CREATE TABLE measure_points (
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    -- The first day of the period, as YYYY-MM-DD (sorts as text).
    period TEXT NOT NULL,
    value REAL NOT NULL,
    denominator REAL,
    PRIMARY KEY (measure_id, period)
);

CREATE TABLE pdsa_cycles (
    id INTEGER PRIMARY KEY,
    initiative_id BIGINT NOT NULL REFERENCES initiatives (id),
    change_tested TEXT NOT NULL,
    prediction TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    stage TEXT NOT NULL,
    do_notes TEXT,
    study TEXT,
    decision TEXT,
    decision_notes TEXT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX pdsa_cycles_by_initiative ON pdsa_cycles (initiative_id);

CREATE TABLE measure_phases (
    id INTEGER PRIMARY KEY,
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    starts_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    pdsa_cycle_id BIGINT REFERENCES pdsa_cycles (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_ms BIGINT NOT NULL,
    -- A removed phase is kept, with who removed it and why, for the record.
    removed_ms BIGINT,
    removed_by BIGINT REFERENCES users (id),
    removed_reason TEXT
);
CREATE INDEX measure_phases_by_measure ON measure_phases (measure_id);
