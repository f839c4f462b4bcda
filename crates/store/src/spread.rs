//! An initiative's NASSS complexity profile: one rating and note per domain, rewritten whole.

use crate::db::SingleRead;
use kindling_domain::ids::InitiativeId;
use kindling_domain::spread::DomainRating;
use sqlx::Row;

use crate::{Actor, Db, StoreError, audit};

/// The profile of an initiative of `by`'s organisation, in domain order (empty if never rated).
pub async fn profile(
    db: &Db,
    organisation: kindling_domain::ids::OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<DomainRating>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.domain, c.rating, c.note FROM complexity_ratings c JOIN initiatives i ON i.id = c.initiative_id
         WHERE c.initiative_id = $1 AND i.organisation_id = $2",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .read_all(db)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (domain, rating): (String, String) = (r.try_get("domain")?, r.try_get("rating")?);
        out.push(DomainRating {
            domain: domain.parse().map_err(|_| StoreError::Corrupt(format!("NASSS domain {domain:?}")))?,
            rating: rating.parse().map_err(|_| StoreError::Corrupt(format!("rating {rating:?}")))?,
            note: r.try_get("note")?,
        });
    }
    out.sort_by_key(|d| d.domain);
    Ok(out)
}

/// Replaces the profile. `false` if the initiative is not in the actor's organisation.
pub async fn save(db: &Db, by: Actor, initiative: InitiativeId, ratings: &[DomainRating]) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let found = sqlx::query("SELECT 1 AS one FROM initiatives WHERE id = $1 AND organisation_id = $2")
        .bind(initiative.get())
        .bind(by.organisation.get())
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if !found {
        return Ok(false);
    }
    sqlx::query("DELETE FROM complexity_ratings WHERE initiative_id = $1")
        .bind(initiative.get())
        .execute(&mut *tx)
        .await?;
    for r in ratings {
        sqlx::query(
            "INSERT INTO complexity_ratings (initiative_id, domain, rating, note, rated_by, rated_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(initiative.get())
        .bind(r.domain.slug())
        .bind(r.rating.slug())
        .bind(r.note.clone())
        .bind(by.user.get())
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
    }
    let summary: Vec<String> = ratings.iter().map(|r| format!("{} {}", r.domain.slug(), r.rating.slug())).collect();
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "spread.complexity_rated",
        format!("initiative:{initiative}"),
        format!("NASSS profile: {}", summary.join(", ")),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
