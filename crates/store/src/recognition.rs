//! Thanks, awards and learning-from-excellence reports: stored, shown on profiles and on the
//! organisation's page, and told to the people recognised.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::notifications::Kind as NotificationKind;
use kindling_domain::recognition::{Kind, RecognitionDraft};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, audit};

/// One recognition as pages show it.
#[derive(Clone, Debug, Serialize)]
pub struct Recognition {
    pub id: i64,
    pub kind: Kind,
    pub from: String,
    pub from_id: UserId,
    pub to_person: Option<String>,
    pub to_person_id: Option<UserId>,
    pub initiative: Option<InitiativeId>,
    pub initiative_title: Option<String>,
    pub title: String,
    pub message: String,
    pub created_ms: i64,
}

const SELECT: &str = "SELECT r.*, f.name AS from_name, t.name AS to_name, i.title AS initiative_title
    FROM recognitions r JOIN users f ON f.id = r.from_user LEFT JOIN users t ON t.id = r.to_user
    LEFT JOIN initiatives i ON i.id = r.initiative_id";

fn from_row(r: &AnyRow) -> Result<Recognition, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(Recognition {
        id: r.try_get("id")?,
        kind: kind.parse().map_err(|_| StoreError::Corrupt(format!("recognition kind {kind:?}")))?,
        from: r.try_get("from_name")?,
        from_id: UserId::new(r.try_get("from_user")?),
        to_person: r.try_get("to_name")?,
        to_person_id: r.try_get::<Option<i64>, _>("to_user")?.map(UserId::new),
        initiative: r.try_get::<Option<i64>, _>("initiative_id")?.map(InitiativeId::new),
        initiative_title: r.try_get("initiative_title")?,
        title: r.try_get("title")?,
        message: r.try_get("message")?,
        created_ms: r.try_get("created_ms")?,
    })
}

/// Records a recognition (checked by the domain, ids confirmed to be in the giver's organisation)
/// and tells the person recognised, or the initiative's team.
pub async fn give(db: &Db, by: Actor, draft: &RecognitionDraft) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO recognitions (organisation_id, kind, from_user, to_user, initiative_id, title, message, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(by.organisation.get())
    .bind(draft.kind.slug())
    .bind(by.user.get())
    .bind(draft.to_person.map(UserId::get))
    .bind(draft.initiative.map(InitiativeId::get))
    .bind(draft.title.clone())
    .bind(draft.message.clone())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let mut told: Vec<i64> = draft.to_person.map(UserId::get).into_iter().collect();
    if let Some(initiative) = draft.initiative {
        told.extend(notifications::initiative_people(&mut tx, initiative).await?);
    }
    let giver: String = sqlx::query("SELECT name FROM users WHERE id = $1")
        .bind(by.user.get())
        .fetch_one(&mut *tx)
        .await?
        .try_get("name")?;
    let summary = format!("{giver}: {} — {}", draft.kind.label(), draft.title);
    notifications::notify(&mut tx, &told, &Notice::of(by, NotificationKind::Recognition, &summary, "/recognition"))
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "recognition.given",
        format!("recognition:{id}"),
        format!("{}: {}", draft.kind.label(), draft.title),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The organisation's recognitions, newest first.
pub async fn for_organisation(
    db: &Db,
    organisation: OrganisationId,
    limit: i64,
) -> Result<Vec<Recognition>, StoreError> {
    let sql = format!("{SELECT} WHERE r.organisation_id = $1 ORDER BY r.created_ms DESC, r.id DESC LIMIT $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(limit)
        .read_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// What a person has been recognised for in the organisation: to them by name, or to a team they
/// are on or an initiative they submitted.
pub async fn for_person(db: &Db, organisation: OrganisationId, person: UserId) -> Result<Vec<Recognition>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE r.organisation_id = $1 AND (r.to_user = $2
            OR r.initiative_id IN (SELECT initiative_id FROM team_members WHERE user_id = $2)
            OR r.initiative_id IN (SELECT id FROM initiatives WHERE submitter_id = $2))
         ORDER BY r.created_ms DESC, r.id DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(person.get())
        .read_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Recognitions of one initiative (shown on its page).
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<Recognition>, StoreError> {
    let sql =
        format!("{SELECT} WHERE r.organisation_id = $1 AND r.initiative_id = $2 ORDER BY r.created_ms DESC, r.id DESC");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(initiative.get())
        .read_all(db)
        .await?
        .iter()
        .map(from_row)
        .collect()
}
