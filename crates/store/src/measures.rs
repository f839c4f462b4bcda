//! Measures, their data points and the phase breaks on their charts.
//!
//! Every function takes the organisation the measure must belong to; a measure of another
//! organisation is "not found". Data are aggregates per period (a value, or a count over a
//! denominator): nothing here describes a patient.

use crate::db::SingleRead;
use std::collections::HashMap;

use kindling_domain::equity::Dimension;
use kindling_domain::ids::{InitiativeId, MeasureId, OrganisationId, PdsaCycleId, PhaseId};
use kindling_domain::initiatives::{CivilDate, Stage};
use kindling_domain::measures::{ChartOverride, MeasureDraft, OperationalDefinition, Point};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::{Actor, Db, StoreError, WriteTx, audit};

/// A stored measure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measure {
    pub id: MeasureId,
    pub initiative: InitiativeId,
    pub draft: MeasureDraft,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// Changes whenever the definition, data or phases change.
    pub version: i64,
}

/// A phase break: limits are recalculated from `starts_on`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Phase {
    pub id: PhaseId,
    pub measure: MeasureId,
    pub starts_on: CivilDate,
    pub reason: String,
    pub pdsa_cycle: Option<PdsaCycleId>,
    pub created_ms: i64,
}

/// A measure on the organisation's dashboard, with its initiative.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DashboardMeasure {
    pub measure: Measure,
    pub initiative_title: String,
    pub initiative_stage: Stage,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?} in the measures table"))
}

fn parse<T: std::str::FromStr>(row: &AnyRow, column: &str) -> Result<T, StoreError> {
    let raw: String = row.try_get(column)?;
    raw.parse().map_err(|_| corrupt(column, &raw))
}

fn date(raw: &str) -> Result<CivilDate, StoreError> {
    CivilDate::parse_iso(raw).ok_or_else(|| StoreError::Corrupt(format!("bad date {raw:?}")))
}

fn measure_from(row: &AnyRow) -> Result<Measure, StoreError> {
    let chart_override = match row.try_get::<Option<String>, _>("chart_override")? {
        None => None,
        Some(chart) => Some(ChartOverride {
            chart: chart.parse().map_err(|_| corrupt("chart", &chart))?,
            reason: row.try_get::<Option<String>, _>("chart_reason")?.unwrap_or_default(),
        }),
    };
    Ok(Measure {
        id: MeasureId::new(row.try_get("id")?),
        initiative: InitiativeId::new(row.try_get("initiative_id")?),
        draft: MeasureDraft {
            name: row.try_get("name")?,
            kind: parse(row, "kind")?,
            category: parse(row, "category")?,
            definition: OperationalDefinition {
                numerator: row.try_get("numerator")?,
                denominator: row.try_get("denominator")?,
                inclusions: row.try_get("inclusions")?,
                exclusions: row.try_get("exclusions")?,
                source: row.try_get("source")?,
                frequency: parse(row, "frequency")?,
            },
            unit: row.try_get("unit")?,
            direction: parse(row, "direction")?,
            target: row.try_get("target")?,
            data_type: parse(row, "data_type")?,
            chart_override,
        },
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        version: row.try_get("version")?,
    })
}

/// Marks a measure changed (its data or phases), inside the caller's transaction.
pub(crate) async fn bump(tx: &mut WriteTx, id: MeasureId) -> Result<(), StoreError> {
    sqlx::query("UPDATE measures SET version = version + 1 WHERE id = $1").bind(id.get()).execute(&mut **tx).await?;
    Ok(())
}

fn subject(id: MeasureId) -> String {
    format!("measure:{id}")
}

/// Adds a measure to an initiative of `organisation`. `None` if the initiative is not there.
pub async fn create(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    draft: &MeasureDraft,
) -> Result<Option<MeasureId>, StoreError> {
    let mut tx = db.write().await?;
    let id = create_in(&mut tx, db, by, initiative, draft).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`create`] inside a caller's transaction (the demo seed).
pub(crate) async fn create_in(
    tx: &mut WriteTx,
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    draft: &MeasureDraft,
) -> Result<Option<MeasureId>, StoreError> {
    let (organisation, now_ms) = (by.organisation, by.now_ms);
    let d = draft;
    let row = sqlx::query(
        "INSERT INTO measures (initiative_id, organisation_id, name, kind, category, numerator, denominator,
             inclusions, exclusions, source, frequency, unit, direction, target, data_type, chart_override,
             chart_reason, created_ms, updated_ms)
         SELECT id, organisation_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18
         FROM initiatives WHERE id = $1 AND organisation_id = $2
         RETURNING id",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .bind(d.name.clone())
    .bind(d.kind.slug())
    .bind(d.category.slug())
    .bind(d.definition.numerator.clone())
    .bind(d.definition.denominator.clone())
    .bind(d.definition.inclusions.clone())
    .bind(d.definition.exclusions.clone())
    .bind(d.definition.source.clone())
    .bind(d.definition.frequency.slug())
    .bind(d.unit.clone())
    .bind(d.direction.slug())
    .bind(d.target)
    .bind(d.data_type.slug())
    .bind(d.chart_override.as_ref().map(|o| o.chart.name()))
    .bind(d.chart_override.as_ref().map(|o| o.reason.clone()))
    .bind(now_ms)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id = MeasureId::new(row.try_get("id")?);
    audit::record(
        tx,
        db.dialect(),
        by,
        "measure.created",
        subject(id),
        format!(
            "{} measure {:?} added to initiative {initiative} ({}, {})",
            d.kind.label(),
            d.name,
            d.data_type.slug(),
            d.chart().name()
        ),
    )
    .await?;
    Ok(Some(id))
}

/// Changes a measure's definition. `false` if it is not in `organisation`.
pub async fn update(db: &Db, by: Actor, id: MeasureId, draft: &MeasureDraft) -> Result<bool, StoreError> {
    let (organisation, now_ms) = (by.organisation, by.now_ms);
    let mut tx = db.write().await?;
    let d = draft;
    let done = sqlx::query(
        "UPDATE measures SET name = $3, kind = $4, category = $5, numerator = $6, denominator = $7,
             inclusions = $8, exclusions = $9, source = $10, frequency = $11, unit = $12, direction = $13,
             target = $14, data_type = $15, chart_override = $16, chart_reason = $17, updated_ms = $18,
             version = version + 1
         WHERE id = $1 AND organisation_id = $2",
    )
    .bind(id.get())
    .bind(organisation.get())
    .bind(d.name.clone())
    .bind(d.kind.slug())
    .bind(d.category.slug())
    .bind(d.definition.numerator.clone())
    .bind(d.definition.denominator.clone())
    .bind(d.definition.inclusions.clone())
    .bind(d.definition.exclusions.clone())
    .bind(d.definition.source.clone())
    .bind(d.definition.frequency.slug())
    .bind(d.unit.clone())
    .bind(d.direction.slug())
    .bind(d.target)
    .bind(d.data_type.slug())
    .bind(d.chart_override.as_ref().map(|o| o.chart.name()))
    .bind(d.chart_override.as_ref().map(|o| o.reason.clone()))
    .bind(now_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !done {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "measure.updated",
        subject(id),
        format!("Definition of {:?} changed", d.name),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// One measure of `organisation`.
pub async fn get(db: &Db, organisation: OrganisationId, id: MeasureId) -> Result<Option<Measure>, StoreError> {
    sqlx::query("SELECT * FROM measures WHERE id = $1 AND organisation_id = $2")
        .bind(id.get())
        .bind(organisation.get())
        .read_optional(db)
        .await?
        .as_ref()
        .map(measure_from)
        .transpose()
}

/// An initiative's measures: outcome first, then process, then balancing, then by name.
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<Measure>, StoreError> {
    let rows = sqlx::query("SELECT * FROM measures WHERE initiative_id = $1 AND organisation_id = $2 ORDER BY id")
        .bind(initiative.get())
        .bind(organisation.get())
        .read_all(db)
        .await?;
    let mut measures = rows.iter().map(measure_from).collect::<Result<Vec<_>, _>>()?;
    measures.sort_by(|a, b| a.draft.kind.cmp(&b.draft.kind).then(a.id.get().cmp(&b.id.get())));
    Ok(measures)
}

/// Every measure of the organisation with its initiative, for the dashboard.
pub async fn for_organisation(db: &Db, organisation: OrganisationId) -> Result<Vec<DashboardMeasure>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.*, i.title AS initiative_title, i.stage AS initiative_stage
         FROM measures m JOIN initiatives i ON i.id = m.initiative_id
         WHERE m.organisation_id = $1
         ORDER BY i.title, m.id",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DashboardMeasure {
                measure: measure_from(row)?,
                initiative_title: row.try_get("initiative_title")?,
                initiative_stage: parse(row, "initiative_stage")?,
            })
        })
        .collect()
}

fn point_from(row: &AnyRow) -> Result<Point, StoreError> {
    Ok(Point {
        period: date(&row.try_get::<String, _>("period")?)?,
        value: row.try_get("value")?,
        denominator: row.try_get("denominator")?,
    })
}

/// A measure's points in period order. The caller has already found the measure in its organisation.
pub async fn points(db: &Db, id: MeasureId) -> Result<Vec<Point>, StoreError> {
    sqlx::query("SELECT period, value, denominator FROM measure_points WHERE measure_id = $1 ORDER BY period")
        .bind(id.get())
        .read_all(db)
        .await?
        .iter()
        .map(point_from)
        .collect()
}

/// The points of every measure of the organisation, by measure, in period order: one query for the
/// whole dashboard.
pub async fn points_for_organisation(
    db: &Db,
    organisation: OrganisationId,
) -> Result<HashMap<MeasureId, Vec<Point>>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.measure_id, p.period, p.value, p.denominator
         FROM measure_points p JOIN measures m ON m.id = p.measure_id
         WHERE m.organisation_id = $1
         ORDER BY p.measure_id, p.period",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?;
    let mut by_measure: HashMap<MeasureId, Vec<Point>> = HashMap::new();
    for row in &rows {
        by_measure.entry(MeasureId::new(row.try_get("measure_id")?)).or_default().push(point_from(row)?);
    }
    Ok(by_measure)
}

/// Adds points to a measure of `organisation` in one transaction, replacing any already stored for
/// the same periods; `how` says where they came from for the audit log ("the form", "a CSV file").
/// Returns `false` (and stores nothing) if the measure is not there.
pub async fn add_points(db: &Db, by: Actor, id: MeasureId, points: &[Point], how: &str) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = add_points_in(&mut tx, db, by, id, points, how).await?;
    if done {
        tx.commit().await?;
    }
    Ok(done)
}

/// [`add_points`] inside a caller's transaction (the demo seed).
pub(crate) async fn add_points_in(
    tx: &mut WriteTx,
    db: &Db,
    by: Actor,
    id: MeasureId,
    points: &[Point],
    how: &str,
) -> Result<bool, StoreError> {
    let (organisation, now_ms) = (by.organisation, by.now_ms);
    let found = sqlx::query(
        "UPDATE measures SET updated_ms = $3, version = version + 1 WHERE id = $1 AND organisation_id = $2",
    )
    .bind(id.get())
    .bind(organisation.get())
    .bind(now_ms)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !found {
        return Ok(false);
    }
    // Several rows per statement keeps a 10,000-row import to a few hundred round trips.
    for chunk in points.chunks(200) {
        let values: Vec<String> =
            (0..chunk.len()).map(|k| format!("($1, ${}, ${}, ${})", 2 + 3 * k, 3 + 3 * k, 4 + 3 * k)).collect();
        let sql = format!(
            "INSERT INTO measure_points (measure_id, period, value, denominator) VALUES {}
             ON CONFLICT (measure_id, period) DO UPDATE SET value = excluded.value, denominator = excluded.denominator",
            values.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(id.get());
        for p in chunk {
            query = query.bind(p.period.iso()).bind(p.value).bind(p.denominator);
        }
        query.execute(&mut **tx).await?;
    }
    let span = match (points.first(), points.last()) {
        (Some(a), Some(b)) if a.period != b.period => format!(" ({} to {})", a.period.iso(), b.period.iso()),
        (Some(a), _) => format!(" ({})", a.period.iso()),
        _ => String::new(),
    };
    let summary = format!("{} point{} from {how}{span}", points.len(), if points.len() == 1 { "" } else { "s" });
    audit::record(tx, db.dialect(), by, "measure.data_added", subject(id), summary).await?;
    Ok(true)
}

/// Removes one period's point. `false` if there was none (or the measure is not in `organisation`).
pub async fn delete_point(db: &Db, by: Actor, id: MeasureId, period: CivilDate) -> Result<bool, StoreError> {
    let organisation = by.organisation;
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "DELETE FROM measure_points WHERE measure_id = $1 AND period = $2
           AND EXISTS (SELECT 1 FROM measures m WHERE m.id = $1 AND m.organisation_id = $3)",
    )
    .bind(id.get())
    .bind(period.iso())
    .bind(organisation.get())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        bump(&mut tx, id).await?;
        audit::record(
            &mut tx,
            db.dialect(),
            by,
            "measure.data_removed",
            subject(id),
            format!("Point for {} removed", period.iso()),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(done)
}

fn phase_from(row: &AnyRow) -> Result<Phase, StoreError> {
    Ok(Phase {
        id: PhaseId::new(row.try_get("id")?),
        measure: MeasureId::new(row.try_get("measure_id")?),
        starts_on: date(&row.try_get::<String, _>("starts_on")?)?,
        reason: row.try_get("reason")?,
        pdsa_cycle: row.try_get::<Option<i64>, _>("pdsa_cycle_id")?.map(PdsaCycleId::new),
        created_ms: row.try_get("created_ms")?,
    })
}

/// A measure's current (not removed) phase breaks, earliest first.
pub async fn phases(db: &Db, id: MeasureId) -> Result<Vec<Phase>, StoreError> {
    sqlx::query("SELECT * FROM measure_phases WHERE measure_id = $1 AND removed_ms IS NULL ORDER BY starts_on, id")
        .bind(id.get())
        .read_all(db)
        .await?
        .iter()
        .map(phase_from)
        .collect()
}

/// Current phase breaks of every measure of the organisation, by measure.
pub async fn phases_for_organisation(
    db: &Db,
    organisation: OrganisationId,
) -> Result<HashMap<MeasureId, Vec<Phase>>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.* FROM measure_phases p JOIN measures m ON m.id = p.measure_id
         WHERE m.organisation_id = $1 AND p.removed_ms IS NULL ORDER BY p.starts_on, p.id",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?;
    let mut by_measure: HashMap<MeasureId, Vec<Phase>> = HashMap::new();
    for row in &rows {
        let phase = phase_from(row)?;
        by_measure.entry(phase.measure).or_default().push(phase);
    }
    Ok(by_measure)
}

/// Inserts a phase inside a caller's transaction (a PDSA cycle adds its phases with the cycle).
pub(crate) async fn insert_phase(
    tx: &mut WriteTx,
    by: Actor,
    id: MeasureId,
    starts_on: CivilDate,
    reason: &str,
    cycle: Option<PdsaCycleId>,
) -> Result<PhaseId, StoreError> {
    let (actor, now_ms) = (by.user, by.now_ms);
    let row = sqlx::query(
        "INSERT INTO measure_phases (measure_id, starts_on, reason, pdsa_cycle_id, created_by, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id.get())
    .bind(starts_on.iso())
    .bind(reason)
    .bind(cycle.map(PdsaCycleId::get))
    .bind(actor.get())
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?;
    bump(tx, id).await?;
    Ok(PhaseId::new(row.try_get("id")?))
}

/// Moves a phase break to another date, with the reason logged. `false` if not found in `organisation`.
pub async fn move_phase(
    db: &Db,
    by: Actor,
    phase: PhaseId,
    starts_on: CivilDate,
    reason: &str,
) -> Result<bool, StoreError> {
    let organisation = by.organisation;
    let mut tx = db.write().await?;
    let row = sqlx::query(
        "SELECT p.measure_id, p.starts_on FROM measure_phases p JOIN measures m ON m.id = p.measure_id
         WHERE p.id = $1 AND m.organisation_id = $2 AND p.removed_ms IS NULL",
    )
    .bind(phase.get())
    .bind(organisation.get())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let (measure, before): (i64, String) = (row.try_get("measure_id")?, row.try_get("starts_on")?);
    sqlx::query("UPDATE measure_phases SET starts_on = $2 WHERE id = $1")
        .bind(phase.get())
        .bind(starts_on.iso())
        .execute(&mut *tx)
        .await?;
    let summary = format!("Phase {phase} moved from {before} to {}: {reason}", starts_on.iso());
    bump(&mut tx, MeasureId::new(measure)).await?;
    audit::record(&mut tx, db.dialect(), by, "measure.phase_moved", subject(MeasureId::new(measure)), summary).await?;
    tx.commit().await?;
    Ok(true)
}

/// Removes a phase break (kept on record with who and why). `false` if not found in `organisation`.
pub async fn remove_phase(db: &Db, by: Actor, phase: PhaseId, reason: &str) -> Result<bool, StoreError> {
    let (organisation, actor, now_ms) = (by.organisation, by.user, by.now_ms);
    let mut tx = db.write().await?;
    let row = sqlx::query(
        "SELECT p.measure_id, p.starts_on FROM measure_phases p JOIN measures m ON m.id = p.measure_id
         WHERE p.id = $1 AND m.organisation_id = $2 AND p.removed_ms IS NULL",
    )
    .bind(phase.get())
    .bind(organisation.get())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let (measure, starts): (i64, String) = (row.try_get("measure_id")?, row.try_get("starts_on")?);
    sqlx::query("UPDATE measure_phases SET removed_ms = $2, removed_by = $3, removed_reason = $4 WHERE id = $1")
        .bind(phase.get())
        .bind(now_ms)
        .bind(actor.get())
        .bind(reason)
        .execute(&mut *tx)
        .await?;
    let summary = format!("Phase {phase} from {starts} removed: {reason}");
    bump(&mut tx, MeasureId::new(measure)).await?;
    audit::record(&mut tx, db.dialect(), by, "measure.phase_removed", subject(MeasureId::new(measure)), summary)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Replaces a measure's data for one breakdown (all of its subgroups) in one transaction: a new file
/// for "age band" is the whole age-band picture. `false` (nothing stored) if the measure is not in
/// the actor's organisation.
pub async fn replace_subgroup_points(
    db: &Db,
    by: Actor,
    id: MeasureId,
    dimension: Dimension,
    rows: &[(String, Point)],
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let found = sqlx::query(
        "UPDATE measures SET updated_ms = $3, version = version + 1 WHERE id = $1 AND organisation_id = $2",
    )
    .bind(id.get())
    .bind(by.organisation.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !found {
        return Ok(false);
    }
    sqlx::query("DELETE FROM measure_subgroup_points WHERE measure_id = $1 AND dimension = $2")
        .bind(id.get())
        .bind(dimension.slug())
        .execute(&mut *tx)
        .await?;
    for chunk in rows.chunks(150) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| format!("($1, $2, ${}, ${}, ${}, ${})", 3 + 4 * k, 4 + 4 * k, 5 + 4 * k, 6 + 4 * k))
            .collect();
        let sql = format!(
            "INSERT INTO measure_subgroup_points (measure_id, dimension, subgroup, period, value, denominator) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(id.get()).bind(dimension.slug());
        for (group, p) in chunk {
            query = query.bind(group.clone()).bind(p.period.iso()).bind(p.value).bind(p.denominator);
        }
        query.execute(&mut *tx).await?;
    }
    let groups: std::collections::BTreeSet<&str> = rows.iter().map(|(g, _)| g.as_str()).collect();
    let summary =
        format!("{} points for {} {} subgroup(s) replaced", rows.len(), groups.len(), dimension.label().to_lowercase());
    audit::record(&mut tx, db.dialect(), by, "measure.subgroups_replaced", subject(id), summary).await?;
    tx.commit().await?;
    Ok(true)
}

/// One breakdown of a measure's data: each subgroup's name and points, in period order.
pub type Breakdown = (Dimension, Vec<(String, Vec<Point>)>);

/// A measure's subgroup data, by breakdown.
pub async fn subgroup_points(db: &Db, id: MeasureId) -> Result<Vec<Breakdown>, StoreError> {
    let rows = sqlx::query(
        "SELECT dimension, subgroup, period, value, denominator FROM measure_subgroup_points
         WHERE measure_id = $1 ORDER BY dimension, subgroup, period",
    )
    .bind(id.get())
    .read_all(db)
    .await?;
    let mut out: Vec<Breakdown> = Vec::new();
    for row in &rows {
        let dimension: Dimension = parse(row, "dimension")?;
        let group: String = row.try_get("subgroup")?;
        let point = point_from(row)?;
        if out.last().is_none_or(|(d, _)| *d != dimension) {
            out.push((dimension, Vec::new()));
        }
        let groups = &mut out.last_mut().expect("pushed").1;
        if groups.last().is_none_or(|(g, _)| *g != group) {
            groups.push((group, Vec::new()));
        }
        groups.last_mut().expect("pushed").1.push(point);
    }
    Ok(out)
}
