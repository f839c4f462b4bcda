//! PDSA cycles. Starting a cycle that changes the process adds a phase break on each measure it
//! names, in the same transaction, so the chart and the cycle can never disagree.

use crate::db::SingleRead;
use kindling_domain::audit::AuditEvent;
use kindling_domain::ids::{InitiativeId, OrganisationId, PdsaCycleId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::pdsa::{ActDecision, PdsaPlan, PdsaProgress, PdsaStage};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Actor, Db, StoreError, WriteTx, audit, measures};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PdsaCycle {
    pub id: PdsaCycleId,
    pub initiative: InitiativeId,
    /// 1, 2, 3… within the initiative, in the order cycles were started.
    pub number: usize,
    pub change: String,
    pub prediction: String,
    pub starts_on: CivilDate,
    pub stage: PdsaStage,
    pub do_notes: Option<String>,
    pub study: Option<String>,
    pub decision: Option<ActDecision>,
    pub decision_notes: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

fn cycle_from(row: &AnyRow, number: usize) -> Result<PdsaCycle, StoreError> {
    let text = |column: &str| -> Result<String, StoreError> { Ok(row.try_get(column)?) };
    let bad = |what: &str, value: &str| StoreError::Corrupt(format!("unknown {what} {value:?} in pdsa_cycles"));
    let stage = text("stage")?;
    let starts = text("starts_on")?;
    let decision = match row.try_get::<Option<String>, _>("decision")? {
        None => None,
        Some(d) => Some(d.parse().map_err(|_| bad("decision", &d))?),
    };
    Ok(PdsaCycle {
        id: PdsaCycleId::new(row.try_get("id")?),
        initiative: InitiativeId::new(row.try_get("initiative_id")?),
        number,
        change: text("change_tested")?,
        prediction: text("prediction")?,
        starts_on: CivilDate::parse_iso(&starts).ok_or_else(|| bad("date", &starts))?,
        stage: stage.parse().map_err(|_| bad("stage", &stage))?,
        do_notes: row.try_get("do_notes")?,
        study: row.try_get("study")?,
        decision,
        decision_notes: row.try_get("decision_notes")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
    })
}

/// An initiative's cycles, numbered in the order they were started.
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<PdsaCycle>, StoreError> {
    sqlx::query(
        "SELECT c.* FROM pdsa_cycles c JOIN initiatives i ON i.id = c.initiative_id
         WHERE c.initiative_id = $1 AND i.organisation_id = $2 ORDER BY c.id",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .enumerate()
    .map(|(k, row)| cycle_from(row, k + 1))
    .collect()
}

/// Starts a cycle on an initiative of `organisation`, with a phase break on each measure the plan
/// names (the plan's measures were checked to belong to the initiative). `None` if the initiative is
/// not there.
pub async fn start(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    plan: &PdsaPlan,
) -> Result<Option<PdsaCycleId>, StoreError> {
    let mut tx = db.write().await?;
    let id = start_in(&mut tx, db, by, initiative, plan).await?;
    if id.is_some() {
        tx.commit().await?;
    }
    Ok(id)
}

/// [`start`] inside a caller's transaction (the demo seed).
pub(crate) async fn start_in(
    tx: &mut WriteTx,
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    plan: &PdsaPlan,
) -> Result<Option<PdsaCycleId>, StoreError> {
    let (organisation, actor, now_ms) = (by.organisation, by.user, by.now_ms);
    let row = sqlx::query(
        "INSERT INTO pdsa_cycles (initiative_id, change_tested, prediction, starts_on, stage, created_by, created_ms, updated_ms)
         SELECT id, $3, $4, $5, 'plan', $6, $7, $7 FROM initiatives WHERE id = $1 AND organisation_id = $2
         RETURNING id",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .bind(plan.change.clone())
    .bind(plan.prediction.clone())
    .bind(plan.starts_on.iso())
    .bind(actor.get())
    .bind(now_ms)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let id = PdsaCycleId::new(row.try_get("id")?);
    crate::search::index_pdsa(tx, id.get()).await?;
    let reason = format!("PDSA cycle: {}", plan.change);
    for &measure in &plan.phase_measures {
        // Only measures of this very initiative take the phase.
        let owned: Option<AnyRow> = sqlx::query("SELECT id FROM measures WHERE id = $1 AND initiative_id = $2")
            .bind(measure.get())
            .bind(initiative.get())
            .fetch_optional(&mut **tx)
            .await?;
        if owned.is_some() {
            measures::insert_phase(tx, by, measure, plan.starts_on, &reason, Some(id)).await?;
        }
    }
    audit::append(
        tx,
        db.dialect(),
        &AuditEvent {
            at_ms: now_ms,
            actor: Some(actor),
            organisation: Some(organisation),
            action: "pdsa.started".into(),
            subject: format!("initiative:{initiative}"),
            summary: format!(
                "PDSA cycle {id} planned from {}: {:?}; new phase on {} measure(s)",
                plan.starts_on.iso(),
                plan.change,
                plan.phase_measures.len()
            ),
        },
    )
    .await?;
    Ok(Some(id))
}

/// Moves a cycle on one stage. `false` if the cycle is not at `from` in `organisation` (someone else
/// moved it first, or it is not there).
pub async fn progress(
    db: &Db,
    by: Actor,
    id: PdsaCycleId,
    stages: (PdsaStage, PdsaStage),
    step: &PdsaProgress,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = progress_in(&mut tx, db, by, id, stages, step).await?;
    if done {
        tx.commit().await?;
    }
    Ok(done)
}

/// [`progress`] inside a caller's transaction (the demo seed).
pub(crate) async fn progress_in(
    tx: &mut WriteTx,
    db: &Db,
    by: Actor,
    id: PdsaCycleId,
    (from, to): (PdsaStage, PdsaStage),
    step: &PdsaProgress,
) -> Result<bool, StoreError> {
    let (organisation, actor, now_ms) = (by.organisation, by.user, by.now_ms);
    let (column, value, second, second_value) = match step {
        PdsaProgress::Started { notes } => ("do_notes", notes.clone(), None, None),
        PdsaProgress::Studied { study } => ("study", Some(study.clone()), None, None),
        PdsaProgress::Decided { decision, notes } => {
            ("decision", Some(decision.slug().to_owned()), Some("decision_notes"), notes.clone())
        }
    };
    // Column names come from the fixed list above, never from input.
    let sql = match second {
        None => format!(
            "UPDATE pdsa_cycles SET stage = $4, {column} = $5, updated_ms = $6
             WHERE id = $1 AND stage = $3 AND initiative_id IN (SELECT id FROM initiatives WHERE organisation_id = $2)"
        ),
        Some(second) => format!(
            "UPDATE pdsa_cycles SET stage = $4, {column} = $5, updated_ms = $6, {second} = $7
             WHERE id = $1 AND stage = $3 AND initiative_id IN (SELECT id FROM initiatives WHERE organisation_id = $2)"
        ),
    };
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.get())
        .bind(organisation.get())
        .bind(from.slug())
        .bind(to.slug())
        .bind(value)
        .bind(now_ms);
    if second.is_some() {
        query = query.bind(second_value);
    }
    let done = query.execute(&mut **tx).await?.rows_affected() == 1;
    if !done {
        return Ok(false);
    }
    crate::search::index_pdsa(tx, id.get()).await?;
    let summary = match step {
        PdsaProgress::Decided { decision, .. } => {
            format!("PDSA cycle {id}: {} → {}; decision {}", from.label(), to.label(), decision.slug())
        }
        _ => format!("PDSA cycle {id}: {} → {}", from.label(), to.label()),
    };
    audit::append(
        tx,
        db.dialect(),
        &AuditEvent {
            at_ms: now_ms,
            actor: Some(actor),
            organisation: Some(organisation),
            action: "pdsa.progressed".into(),
            subject: format!("pdsa:{id}"),
            summary,
        },
    )
    .await?;
    Ok(true)
}
