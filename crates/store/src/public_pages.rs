//! Public pages: written by the team, submitted for review, published by someone else; readable by
//! anyone through the initiative's feedback link once published.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::public_page::{PageForm, PageStatus};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use kindling_domain::notifications::Kind;

use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, WriteTx, audit};

/// Who may publish a page or send it back (`domain::public_page::may_publish` has the rule).
const REVIEWER_ROLES: [&str; 3] = ["improvement-lead", "executive", "admin"];

async fn title(tx: &mut WriteTx, initiative: InitiativeId) -> Result<String, StoreError> {
    Ok(sqlx::query("SELECT title FROM initiatives WHERE id = $1")
        .bind(initiative.get())
        .fetch_one(&mut **tx)
        .await?
        .try_get("title")?)
}

#[derive(Clone, Debug, Serialize)]
pub struct PublicPage {
    pub initiative: InitiativeId,
    /// The latest version the team wrote.
    pub text: PageForm,
    /// The version the public reads: the last one a reviewer published, if any. It stays live while
    /// a newer version waits for review.
    pub live: Option<PageForm>,
    pub status: PageStatus,
    /// Why a reviewer sent the latest version back.
    pub comment: Option<String>,
    pub written_by: UserId,
    pub writer: String,
    pub reviewer: Option<String>,
    pub published_ms: Option<i64>,
    pub updated_ms: i64,
}

fn page_from(r: &AnyRow) -> Result<PublicPage, StoreError> {
    let status: String = r.try_get("status")?;
    Ok(PublicPage {
        initiative: InitiativeId::new(r.try_get("initiative_id")?),
        text: PageForm {
            what_changing: r.try_get("what_changing")?,
            why: r.try_get("why")?,
            how_helps: r.try_get("how_helps")?,
            learned: r.try_get("learned")?,
            feedback_how: r.try_get("feedback_how")?,
        },
        live: match r.try_get::<Option<String>, _>("live_what_changing")? {
            None => None,
            Some(what_changing) => Some(PageForm {
                what_changing,
                why: r.try_get::<Option<String>, _>("live_why")?.unwrap_or_default(),
                how_helps: r.try_get::<Option<String>, _>("live_how_helps")?.unwrap_or_default(),
                learned: r.try_get::<Option<String>, _>("live_learned")?.unwrap_or_default(),
                feedback_how: r.try_get::<Option<String>, _>("live_feedback_how")?.unwrap_or_default(),
            }),
        },
        status: status.parse().map_err(|_| StoreError::Corrupt(format!("public page status {status:?}")))?,
        comment: r.try_get("review_comment")?,
        written_by: UserId::new(r.try_get("written_by")?),
        writer: r.try_get("writer")?,
        reviewer: r.try_get("reviewer")?,
        published_ms: r.try_get("published_ms")?,
        updated_ms: r.try_get("updated_ms")?,
    })
}

const SELECT: &str = "SELECT p.*, w.name AS writer, v.name AS reviewer FROM public_pages p
    JOIN users w ON w.id = p.written_by LEFT JOIN users v ON v.id = p.reviewed_by";

/// The page of an initiative of `organisation`, whatever its status (for the team).
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Option<PublicPage>, StoreError> {
    let sql = format!("{SELECT} WHERE p.initiative_id = $1 AND p.organisation_id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(initiative.get())
        .bind(organisation.get())
        .read_optional(db)
        .await?
        .as_ref()
        .map(page_from)
        .transpose()
}

/// The page of an initiative that has a published version, for anyone (the feedback link has
/// already found it): read its `live` text, never the draft.
pub async fn published(db: &Db, initiative: InitiativeId) -> Result<Option<PublicPage>, StoreError> {
    let sql = format!("{SELECT} WHERE p.initiative_id = $1 AND p.live_what_changing IS NOT NULL");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(initiative.get())
        .read_optional(db)
        .await?
        .as_ref()
        .map(page_from)
        .transpose()
}

/// Saves the text (checked and screened by the domain) and puts it up for review, telling those who
/// may publish it. A published version stays live, unchanged, until the new one is published, so
/// the public never reads unreviewed text and the QR code never goes dark.
pub async fn save_for_review(db: &Db, by: Actor, initiative: InitiativeId, text: &PageForm) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO public_pages (initiative_id, organisation_id, what_changing, why, how_helps, learned, feedback_how, status,
            written_by, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'in-review', $8, $9)
         ON CONFLICT (initiative_id) DO UPDATE SET what_changing = excluded.what_changing, why = excluded.why,
            how_helps = excluded.how_helps, learned = excluded.learned, feedback_how = excluded.feedback_how,
            status = 'in-review', written_by = excluded.written_by, review_comment = NULL,
            updated_ms = excluded.updated_ms",
    )
    .bind(initiative.get())
    .bind(by.organisation.get())
    .bind(text.what_changing.clone())
    .bind(text.why.clone())
    .bind(text.how_helps.clone())
    .bind(text.learned.clone())
    .bind(text.feedback_how.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "public_page.submitted",
        format!("initiative:{initiative}"),
        "Public page submitted for review".into(),
    )
    .await?;
    let reviewers = notifications::holders_of(&mut tx, by.organisation, &REVIEWER_ROLES).await?;
    let summary = format!("A public page waits for your review: {}", title(&mut tx, initiative).await?);
    let href = format!("/initiatives/{initiative}/public-page");
    notifications::notify(&mut tx, &reviewers, &Notice::of(by, Kind::ReviewRequest, &summary, &href)).await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes a page in review (the domain checked who may). A conflict if it changed meanwhile.
pub async fn publish(db: &Db, by: Actor, page: &PublicPage) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "UPDATE public_pages SET status = 'published', reviewed_by = $1, published_ms = $2, review_comment = NULL,
            live_what_changing = what_changing, live_why = why, live_how_helps = how_helps, live_learned = learned,
            live_feedback_how = feedback_how
         WHERE initiative_id = $3 AND organisation_id = $4 AND status = 'in-review' AND updated_ms = $5",
    )
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(page.initiative.get())
    .bind(by.organisation.get())
    .bind(page.updated_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    record_review(&mut tx, db, by, page, done, "public_page.published", "Public page published").await?;
    tx.commit().await?;
    Ok(())
}

/// Ends a review: a conflict if the page changed while it was read (the conditional update matched
/// no row), else its audit entry.
async fn record_review(
    tx: &mut WriteTx,
    db: &Db,
    by: Actor,
    page: &PublicPage,
    updated_rows: u64,
    action: &str,
    what: &str,
) -> Result<(), StoreError> {
    if updated_rows != 1 {
        return Err(StoreError::Conflict("The page changed while you were reviewing it: read it again.".into()));
    }
    audit::record(tx, db.dialect(), by, action, format!("initiative:{}", page.initiative), what.into()).await?;
    Ok(())
}

/// Sends a version in review back to its writer with the reviewer's comment (the domain checked who
/// may); the published version, if any, stays live. A conflict if the page changed meanwhile.
pub async fn send_back(db: &Db, by: Actor, page: &PublicPage, comment: &str) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "UPDATE public_pages SET status = 'returned', review_comment = $1
         WHERE initiative_id = $2 AND organisation_id = $3 AND status = 'in-review' AND updated_ms = $4",
    )
    .bind(comment.to_owned())
    .bind(page.initiative.get())
    .bind(by.organisation.get())
    .bind(page.updated_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    record_review(&mut tx, db, by, page, done, "public_page.sent_back", "Public page sent back with a comment").await?;
    let summary = format!("Your public page was sent back with a comment: {}", title(&mut tx, page.initiative).await?);
    let href = format!("/initiatives/{}/public-page", page.initiative);
    notifications::notify(&mut tx, &[page.written_by.get()], &Notice::of(by, Kind::ReviewRequest, &summary, &href))
        .await?;
    tx.commit().await?;
    Ok(())
}
