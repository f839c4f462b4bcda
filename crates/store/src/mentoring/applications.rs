//! Applications to join a programme: made by a member of staff, decided by its lead. The form is kept
//! as typed; approving enrols the applicant (one participant per side) in the same transaction that
//! marks the application approved, so an application is never approved without its enrolments.

use crate::db::SingleRead;
use kindling_domain::ids::{OrganisationId, UserId};
use kindling_domain::mentoring::ParticipantDraft;
use kindling_domain::mentoring::applications::{ApplicationForm, Status};
use kindling_domain::notifications::Kind as NotificationKind;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::insert_participant;
use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, audit};

/// An application with who made it and, once decided, who decided and why.
#[derive(Clone, Debug, Serialize)]
pub struct ApplicationRecord {
    pub id: i64,
    pub programme: i64,
    pub user: UserId,
    pub name: String,
    pub email: String,
    pub form: ApplicationForm,
    pub status: Status,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
    /// Why it was declined.
    pub reason: Option<String>,
    pub created_ms: i64,
}

const APPLICATIONS: &str = "SELECT a.*, u.name AS applicant_name, u.email AS applicant_email, d.name AS decider_name
    FROM mentoring_applications a
    JOIN programmes g ON g.id = a.programme_id
    JOIN users u ON u.id = a.user_id
    LEFT JOIN users d ON d.id = a.decided_by";

fn application_from(r: &AnyRow) -> Result<ApplicationRecord, StoreError> {
    let form: String = r.try_get("form")?;
    let status: String = r.try_get("status")?;
    Ok(ApplicationRecord {
        id: r.try_get("id")?,
        programme: r.try_get("programme_id")?,
        user: UserId::new(r.try_get("user_id")?),
        name: r.try_get("applicant_name")?,
        email: r.try_get("applicant_email")?,
        form: serde_json::from_str(&form).map_err(|e| StoreError::Corrupt(format!("application form: {e}")))?,
        status: Status::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("application status {status:?}")))?,
        decided_by: r.try_get("decider_name")?,
        decided_ms: r.try_get("decided_ms")?,
        reason: r.try_get("reason")?,
        created_ms: r.try_get("created_ms")?,
    })
}

/// A programme's applications, waiting ones first, then newest first.
pub async fn applications(
    db: &Db,
    organisation: OrganisationId,
    programme: i64,
) -> Result<Vec<ApplicationRecord>, StoreError> {
    let sql = format!(
        "{APPLICATIONS} WHERE g.organisation_id = $1 AND a.programme_id = $2
         ORDER BY CASE WHEN a.status = 'pending' THEN 0 ELSE 1 END, a.created_ms DESC, a.id DESC"
    );
    super::all_of(db, sql, organisation.get(), programme, application_from).await
}

/// One person's applications to a programme, newest first.
pub async fn applications_of(
    db: &Db,
    organisation: OrganisationId,
    programme: i64,
    user: UserId,
) -> Result<Vec<ApplicationRecord>, StoreError> {
    let sql = format!(
        "{APPLICATIONS} WHERE g.organisation_id = $1 AND a.programme_id = $2 AND a.user_id = $3
         ORDER BY a.created_ms DESC, a.id DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(programme)
        .bind(user.get())
        .read_all(db)
        .await?
        .iter()
        .map(application_from)
        .collect()
}

pub async fn application(
    db: &Db,
    organisation: OrganisationId,
    id: i64,
) -> Result<Option<ApplicationRecord>, StoreError> {
    let sql = format!("{APPLICATIONS} WHERE g.organisation_id = $1 AND a.id = $2");
    super::one_of(db, sql, organisation.get(), id, application_from).await
}

fn form_json(form: &ApplicationForm) -> Result<String, StoreError> {
    serde_json::to_string(form).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Records the actor's application (already checked) and tells the lead. One waiting application per
/// person and programme: a second is a conflict.
pub async fn apply(
    db: &Db,
    by: Actor,
    programme: i64,
    lead: UserId,
    form: &ApplicationForm,
) -> Result<i64, StoreError> {
    let mut tx = db.write().await?;
    let waiting = sqlx::query(
        "SELECT 1 AS x FROM mentoring_applications WHERE programme_id = $1 AND user_id = $2 AND status = 'pending'",
    )
    .bind(programme)
    .bind(by.user.get())
    .fetch_optional(&mut *tx)
    .await?;
    if waiting.is_some() {
        return Err(StoreError::Conflict(
            "You already have an application waiting for the lead's decision: withdraw it to apply again".into(),
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO mentoring_applications (programme_id, user_id, form, status, created_ms)
         VALUES ($1, $2, $3, 'pending', $4) RETURNING id",
    )
    .bind(programme)
    .bind(by.user.get())
    .bind(form_json(form)?)
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    let href = format!("/mentoring/applications/{id}");
    let summary = format!("A new application to join a mentoring programme, as {}", form.role.trim());
    notifications::notify(&mut tx, &[lead.get()], &Notice::of(by, NotificationKind::Mentoring, &summary, &href))
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.application_made",
        format!("application:{id}"),
        format!("as {} in programme {programme}", form.role.trim()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves a waiting application to `to`; anything else has been decided already (a conflict).
async fn decide(
    tx: &mut crate::WriteTx,
    by: Actor,
    application: &ApplicationRecord,
    to: Status,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE mentoring_applications SET status = $1, decided_by = $2, decided_ms = $3, reason = $4
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(to.slug())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(reason.map(str::to_owned))
    .bind(application.id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(StoreError::Conflict("This application has already been decided or withdrawn".into()));
    }
    Ok(())
}

/// Approves a waiting application and enrols the applicant as `enrolments` (checked again by the
/// caller against the roster as it is now), all in one transaction.
pub async fn approve(
    db: &Db,
    by: Actor,
    application: &ApplicationRecord,
    enrolments: &[ParticipantDraft],
) -> Result<Vec<i64>, StoreError> {
    let mut tx = db.write().await?;
    decide(&mut tx, by, application, Status::Approved, None).await?;
    let mut enrolled = Vec::with_capacity(enrolments.len());
    for draft in enrolments {
        enrolled.push(insert_participant(&mut tx, by, application.programme, draft).await?);
    }
    let href = format!("/mentoring/programmes/{}", application.programme);
    let summary = "Your application to join a mentoring programme was approved";
    notifications::notify(
        &mut tx,
        &[application.user.get()],
        &Notice::of(by, NotificationKind::Mentoring, summary, &href),
    )
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.application_approved",
        format!("application:{}", application.id),
        format!("enrolled as participant {enrolled:?}"),
    )
    .await?;
    tx.commit().await?;
    Ok(enrolled)
}

/// Declines a waiting application with the reason the applicant reads.
pub async fn decline(db: &Db, by: Actor, application: &ApplicationRecord, reason: &str) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    decide(&mut tx, by, application, Status::Declined, Some(reason)).await?;
    let href = format!("/mentoring/programmes/{}", application.programme);
    let summary = "Your application to join a mentoring programme was declined, with the lead's reason";
    notifications::notify(
        &mut tx,
        &[application.user.get()],
        &Notice::of(by, NotificationKind::Mentoring, summary, &href),
    )
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.application_declined",
        format!("application:{}", application.id),
        reason.to_owned(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The applicant takes back a waiting application.
pub async fn withdraw(db: &Db, by: Actor, application: &ApplicationRecord) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    decide(&mut tx, by, application, Status::Withdrawn, None).await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "mentoring.application_withdrawn",
        format!("application:{}", application.id),
        String::new(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
