//! Progress along the skills pathways: the steps each person has completed, and with which
//! initiative, for their profile and their appraisal record.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::{Actor, Db, StoreError, audit};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Done {
    pub pathway: String,
    pub step: String,
    pub initiative: Option<InitiativeId>,
    pub completed_ms: i64,
}

/// Every step the person has completed, oldest first.
pub async fn progress(db: &Db, user: UserId) -> Result<Vec<Done>, StoreError> {
    sqlx::query("SELECT pathway, step, initiative_id, completed_ms FROM pathway_progress WHERE user_id = $1 ORDER BY completed_ms, pathway, step")
        .bind(user.get())
        .read_all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(Done {
                pathway: r.try_get("pathway")?,
                step: r.try_get("step")?,
                initiative: r.try_get::<Option<i64>, _>("initiative_id")?.map(InitiativeId::new),
                completed_ms: r.try_get("completed_ms")?,
            })
        })
        .collect()
}

/// Marks a step done (the domain checked the pathway and step exist); doing it again changes nothing.
pub async fn complete(
    db: &Db,
    by: Actor,
    pathway: &str,
    step: &str,
    initiative: Option<InitiativeId>,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let added = sqlx::query(
        "INSERT INTO pathway_progress (user_id, pathway, step, initiative_id, completed_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, pathway, step) DO NOTHING",
    )
    .bind(by.user.get())
    .bind(pathway.to_owned())
    .bind(step.to_owned())
    .bind(initiative.map(InitiativeId::get))
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if added {
        audit::record(
            &mut tx,
            db.dialect(),
            by,
            "pathways.step_completed",
            format!("user:{}", by.user),
            format!("{pathway}: {step}"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(added)
}
