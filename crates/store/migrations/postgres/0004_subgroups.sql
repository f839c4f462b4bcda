-- Measure data broken down by subgroup (site, age band, sex, ethnic group, deprivation quintile or
-- another grouping), for the equity view. Aggregates only, like the whole measure's data.

CREATE TABLE measure_subgroup_points (
    measure_id BIGINT NOT NULL REFERENCES measures (id),
    dimension TEXT NOT NULL,
    subgroup TEXT NOT NULL,
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    denominator DOUBLE PRECISION,
    PRIMARY KEY (measure_id, dimension, subgroup, period)
);
