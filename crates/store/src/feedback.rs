//! Public feedback: the link per initiative, the answers, the monthly rating measure they feed, and
//! the team's public replies.

use crate::db::SingleRead;
use kindling_domain::audit::AuditEvent;
use kindling_domain::feedback::{AgeBand, Audience, FeedbackDraft};
use kindling_domain::ids::{InitiativeId, MeasureId, OrganisationId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::measures::{
    DataType, Direction, Frequency, MeasureCategory, MeasureDraft, MeasureKind, OperationalDefinition,
};
use kindling_domain::notifications::Kind;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{self, Notice};
use crate::secrets::{random_token, token_hash};
use crate::{Actor, Db, StoreError, WriteTx, audit, measures};

/// Where a public link leads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublicInitiative {
    pub initiative: InitiativeId,
    pub organisation: OrganisationId,
    pub organisation_name: String,
    pub title: String,
    pub proposed_change: String,
    pub measure: MeasureId,
}

/// One answer, as the team sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeedbackItem {
    pub id: i64,
    pub audience: Audience,
    pub rating: u8,
    pub comment: Option<String>,
    pub age_band: Option<AgeBand>,
    pub received_ms: i64,
    pub reply: Option<String>,
}

/// How many answers one sender may give through one link in an hour.
pub const PER_SENDER_PER_HOUR: i64 = 5;

fn rating_measure() -> MeasureDraft {
    MeasureDraft {
        name: "Feedback rating".into(),
        kind: MeasureKind::Outcome,
        category: MeasureCategory::PatientExperience,
        definition: OperationalDefinition {
            numerator:
                "Mean rating given on the initiative's feedback form in the month, from 1 (very poor) to 5 (very good)"
                    .into(),
            denominator: None,
            inclusions: Some("Every answer from patients, carers, staff and visitors".into()),
            exclusions: Some("Answers refused as spam or over the sender limit".into()),
            source: "Kindling public feedback form".into(),
            frequency: Frequency::Monthly,
        },
        unit: Some("mean rating (1 to 5)".into()),
        direction: Direction::Increase,
        target: None,
        data_type: DataType::Value,
        chart_override: None,
    }
}

/// The initiative's feedback link, made (with its rating measure) the first time it is asked for.
/// `None` if the initiative is not in the actor's organisation.
pub async fn link_for(db: &Db, by: Actor, initiative: InitiativeId) -> Result<Option<String>, StoreError> {
    let existing = sqlx::query(
        "SELECT l.token FROM feedback_links l JOIN initiatives i ON i.id = l.initiative_id
         WHERE l.initiative_id = $1 AND i.organisation_id = $2",
    )
    .bind(initiative.get())
    .bind(by.organisation.get())
    .read_optional(db)
    .await?;
    if let Some(row) = existing {
        return Ok(Some(row.try_get("token")?));
    }
    let mut tx = db.write().await?;
    let Some(measure) = measures::create_in(&mut tx, db, by, initiative, &rating_measure()).await? else {
        return Ok(None);
    };
    // 16 hex characters (64 bits) keep the link short enough for a QR code and a poster.
    let token: String = random_token().chars().take(16).collect();
    sqlx::query("INSERT INTO feedback_links (initiative_id, token, measure_id, created_ms) VALUES ($1, $2, $3, $4)")
        .bind(initiative.get())
        .bind(token.clone())
        .bind(measure.get())
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "feedback.link_created",
        format!("initiative:{initiative}"),
        format!("Public feedback link made, feeding measure {measure}"),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// The initiative behind a public link, if the link exists.
pub async fn by_token(db: &Db, token: &str) -> Result<Option<PublicInitiative>, StoreError> {
    sqlx::query(
        "SELECT i.id, i.organisation_id, i.title, i.proposed_change, o.name AS organisation_name, l.measure_id
         FROM feedback_links l JOIN initiatives i ON i.id = l.initiative_id JOIN organisations o ON o.id = i.organisation_id
         WHERE l.token = $1",
    )
    .bind(token)
    .read_optional(db)
    .await?
    .map(|row| {
        Ok(PublicInitiative {
            initiative: InitiativeId::new(row.try_get("id")?),
            organisation: OrganisationId::new(row.try_get("organisation_id")?),
            organisation_name: row.try_get("organisation_name")?,
            title: row.try_get("title")?,
            proposed_change: row.try_get("proposed_change")?,
            measure: MeasureId::new(row.try_get("measure_id")?),
        })
    })
    .transpose()
}

/// What happened to an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    Stored,
    /// The sender has reached the hourly limit for this link; nothing was stored.
    TooMany,
}

/// Stores an answer through a public link and updates the month's mean rating on the measure, in one
/// transaction. `sender` is the sender's network address; only a hash of it with the link is kept.
pub async fn receive(
    db: &Db,
    target: &PublicInitiative,
    token: &str,
    sender: &str,
    draft: &FeedbackDraft,
    now_ms: i64,
) -> Result<Received, StoreError> {
    let sender_hash = token_hash(&format!("{sender}|{token}"));
    let mut tx = db.write().await?;
    let recent: i64 = sqlx::query("SELECT COUNT(*) AS n FROM feedback WHERE sender_hash = $1 AND received_ms > $2")
        .bind(sender_hash.clone())
        .bind(now_ms - 60 * 60 * 1000)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if recent >= PER_SENDER_PER_HOUR {
        return Ok(Received::TooMany);
    }
    let today = CivilDate::from_unix_ms(now_ms).ok_or_else(|| StoreError::Corrupt("clock out of range".into()))?;
    let period = CivilDate::new(today.year, today.month, 1).expect("first of the month").iso();
    sqlx::query(
        "INSERT INTO feedback (initiative_id, audience, rating, comment, age_band, period, sender_hash, received_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(target.initiative.get())
    .bind(draft.audience.slug())
    .bind(i64::from(draft.rating))
    .bind(draft.comment.clone())
    .bind(draft.age_band.map(AgeBand::slug))
    .bind(period.clone())
    .bind(sender_hash)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    update_rating_point(&mut tx, target, &period).await?;
    let summary = format!("New feedback from {}: rated {} of 5", draft.audience.label().to_lowercase(), draft.rating);
    let people = notifications::initiative_people(&mut tx, target.initiative).await?;
    let href = format!("/initiatives/{}/feedback", target.initiative);
    let notice = Notice {
        organisation: target.organisation,
        by: None,
        now_ms,
        kind: Kind::Feedback,
        summary: &summary,
        href: &href,
    };
    notifications::notify(&mut tx, &people, &notice).await?;
    audit::append(
        &mut tx,
        db.dialect(),
        &AuditEvent {
            at_ms: now_ms,
            actor: None,
            organisation: Some(target.organisation),
            action: "feedback.received".into(),
            subject: format!("initiative:{}", target.initiative),
            summary: format!("Public feedback from {} rated {}", draft.audience.slug(), draft.rating),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Received::Stored)
}

/// Recomputes the month's mean rating on the feedback measure.
async fn update_rating_point(tx: &mut WriteTx, target: &PublicInitiative, period: &str) -> Result<(), StoreError> {
    let row: AnyRow = sqlx::query(
        "SELECT CAST(SUM(rating) AS BIGINT) AS total, COUNT(*) AS n FROM feedback WHERE initiative_id = $1 AND period = $2",
    )
    .bind(target.initiative.get())
    .bind(period)
    .fetch_one(&mut **tx)
    .await?;
    let (total, n): (i64, i64) = (row.try_get("total")?, row.try_get("n")?);
    let mean = total as f64 / n.max(1) as f64;
    sqlx::query(
        "INSERT INTO measure_points (measure_id, period, value, denominator) VALUES ($1, $2, $3, NULL)
         ON CONFLICT (measure_id, period) DO UPDATE SET value = excluded.value",
    )
    .bind(target.measure.get())
    .bind(period)
    .bind(mean)
    .execute(&mut **tx)
    .await?;
    measures::bump(tx, target.measure).await?;
    Ok(())
}

fn item_from(row: &AnyRow) -> Result<FeedbackItem, StoreError> {
    let audience: String = row.try_get("audience")?;
    let band: Option<String> = row.try_get("age_band")?;
    Ok(FeedbackItem {
        id: row.try_get("id")?,
        audience: audience.parse().map_err(|_| StoreError::Corrupt(format!("audience {audience:?}")))?,
        rating: u8::try_from(row.try_get::<i64, _>("rating")?).unwrap_or(0),
        comment: row.try_get("comment")?,
        age_band: band.map(|b| b.parse().map_err(|_| StoreError::Corrupt(format!("age band {b:?}")))).transpose()?,
        received_ms: row.try_get("received_ms")?,
        reply: row.try_get("reply")?,
    })
}

/// An initiative's feedback, newest first (for its team).
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<FeedbackItem>, StoreError> {
    sqlx::query(
        "SELECT f.* FROM feedback f JOIN initiatives i ON i.id = f.initiative_id
         WHERE f.initiative_id = $1 AND i.organisation_id = $2 ORDER BY f.received_ms DESC, f.id DESC LIMIT 200",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(item_from)
    .collect()
}

/// Comments the team has answered, newest first, for the public page ("you said, we did").
pub async fn answered(db: &Db, initiative: InitiativeId) -> Result<Vec<FeedbackItem>, StoreError> {
    sqlx::query(
        "SELECT * FROM feedback WHERE initiative_id = $1 AND reply IS NOT NULL AND comment IS NOT NULL
         ORDER BY replied_ms DESC LIMIT 20",
    )
    .bind(initiative.get())
    .read_all(db)
    .await?
    .iter()
    .map(item_from)
    .collect()
}

/// Records the team's public reply to one answer. `false` if the answer is not in the actor's
/// organisation.
pub async fn reply(db: &Db, by: Actor, feedback: i64, text: &str) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "UPDATE feedback SET reply = $1, replied_by = $2, replied_ms = $3
         WHERE id = $4 AND initiative_id IN (SELECT id FROM initiatives WHERE organisation_id = $5)",
    )
    .bind(text)
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(feedback)
    .bind(by.organisation.get())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        audit::record(
            &mut tx,
            db.dialect(),
            by,
            "feedback.replied",
            format!("feedback:{feedback}"),
            format!("Public reply of {} characters", text.chars().count()),
        )
        .await?;
        let row = sqlx::query("SELECT f.initiative_id, u.name FROM feedback f, users u WHERE f.id = $1 AND u.id = $2")
            .bind(feedback)
            .bind(by.user.get())
            .fetch_one(&mut *tx)
            .await?;
        let initiative = InitiativeId::new(row.try_get("initiative_id")?);
        let summary = format!("{} replied to feedback", row.try_get::<String, _>("name")?);
        let people = notifications::initiative_people(&mut tx, initiative).await?;
        let href = format!("/initiatives/{initiative}/feedback");
        notifications::notify(&mut tx, &people, &Notice::of(by, Kind::Feedback, &summary, &href)).await?;
        tx.commit().await?;
    }
    Ok(done)
}
