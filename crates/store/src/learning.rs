//! Learning reviews (one per initiative, rewritten as the team learns more) and adoptions: another
//! site or organisation taking an initiative on as its own, with what it keeps and what it adapts.
//! Both are indexed for search in the same transaction.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::initiatives::{InitiativeDraft, Stage};
use kindling_domain::learning::ReviewDraft;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use kindling_domain::notifications::Kind as NotificationKind;

use kindling_domain::follows::Event;
use kindling_domain::learning::Visibility;

use crate::follows::{self, Reach, Telling};
use crate::notifications::{self, Notice};
use crate::search::{self, Doc, Kind};
use crate::{Actor, Db, StoreError, audit, initiatives};

#[derive(Clone, Debug, Serialize)]
pub struct Review {
    pub id: i64,
    pub initiative: InitiativeId,
    pub initiative_title: String,
    pub organisation: OrganisationId,
    pub organisation_name: String,
    pub stage: Stage,
    pub draft: ReviewDraft,
    pub author: String,
    pub author_id: UserId,
    pub updated_ms: i64,
}

fn review_from(row: &AnyRow) -> Result<Review, StoreError> {
    let visibility: String = row.try_get("visibility")?;
    let stage: String = row.try_get("stage")?;
    Ok(Review {
        id: row.try_get("id")?,
        initiative: InitiativeId::new(row.try_get("initiative_id")?),
        initiative_title: row.try_get("title")?,
        organisation: OrganisationId::new(row.try_get("organisation_id")?),
        organisation_name: row.try_get("organisation_name")?,
        stage: stage.parse().map_err(|_| StoreError::Corrupt(format!("stage {stage:?}")))?,
        draft: ReviewDraft {
            expected: row.try_get("expected")?,
            happened: row.try_get("happened")?,
            why_differ: row.try_get("why_differ")?,
            keep: row.try_get("keep_doing")?,
            change: row.try_get("change_next")?,
            went_well: row.try_get("went_well")?,
            visibility: visibility.parse().map_err(|_| StoreError::Corrupt(format!("visibility {visibility:?}")))?,
        },
        author: row.try_get("author")?,
        author_id: UserId::new(row.try_get("author_id")?),
        updated_ms: row.try_get("updated_ms")?,
    })
}

const SELECT: &str = "SELECT r.*, i.title, i.stage, o.name AS organisation_name, u.name AS author
    FROM learning_reviews r JOIN initiatives i ON i.id = r.initiative_id
    JOIN organisations o ON o.id = r.organisation_id JOIN users u ON u.id = r.author_id";

/// Who may read a review (parameters: $1 the reader's organisation, $2 the reader): the same rule as
/// `search::VISIBLE`, over the reviews table.
const READABLE: &str = "(r.visibility = 'hub' OR (r.organisation_id = $1 AND (r.visibility = 'organisation'
    OR EXISTS (SELECT 1 FROM team_members t WHERE t.initiative_id = r.initiative_id AND t.user_id = $2)
    OR i.submitter_id = $2)))";

/// The review of an initiative of `organisation` (for its own pages).
pub async fn for_initiative(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Option<Review>, StoreError> {
    let sql = format!("{SELECT} WHERE r.initiative_id = $1 AND r.organisation_id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(initiative.get())
        .bind(organisation.get())
        .read_optional(db)
        .await?
        .as_ref()
        .map(review_from)
        .transpose()
}

/// A review by id, if `reader` may read it: hub-wide reviews from any organisation, organisation-wide
/// ones from the reader's own, team ones only for the team and the submitter.
pub async fn readable(db: &Db, reader: (OrganisationId, UserId), id: i64) -> Result<Option<Review>, StoreError> {
    let sql = format!("{SELECT} WHERE r.id = $3 AND {READABLE}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(reader.0.get())
        .bind(reader.1.get())
        .bind(id)
        .read_optional(db)
        .await?
        .as_ref()
        .map(review_from)
        .transpose()
}

/// Writes (or rewrites) the initiative's review and indexes it. The draft was screened for
/// identifiers by the domain before it got here.
pub async fn save(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    review: &ReviewDraft,
) -> Result<Option<i64>, StoreError> {
    let mut tx = db.write().await?;
    let Some(item) = sqlx::query("SELECT title, stage FROM initiatives WHERE id = $1 AND organisation_id = $2")
        .bind(initiative.get())
        .bind(by.organisation.get())
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    // Followers hear of a review once it becomes readable to more people than before.
    let before: Option<String> = sqlx::query("SELECT visibility FROM learning_reviews WHERE initiative_id = $1")
        .bind(initiative.get())
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("visibility"))
        .transpose()?;
    let rank = |v: Option<&str>| match v {
        Some("hub") => 2,
        Some("organisation") => 1,
        _ => 0,
    };
    let widened = rank(Some(review.visibility.slug())) > rank(before.as_deref());
    let row = sqlx::query(
        "INSERT INTO learning_reviews (initiative_id, organisation_id, expected, happened, why_differ, keep_doing, change_next,
            went_well, visibility, author_id, created_ms, updated_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
         ON CONFLICT (initiative_id) DO UPDATE SET expected = excluded.expected, happened = excluded.happened,
            why_differ = excluded.why_differ, keep_doing = excluded.keep_doing, change_next = excluded.change_next,
            went_well = excluded.went_well, visibility = excluded.visibility, updated_ms = excluded.updated_ms
         RETURNING id",
    )
    .bind(initiative.get())
    .bind(by.organisation.get())
    .bind(review.expected.clone())
    .bind(review.happened.clone())
    .bind(review.why_differ.clone())
    .bind(review.keep.clone())
    .bind(review.change.clone())
    .bind(review.went_well.clone())
    .bind(review.visibility.slug())
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let title: String = item.try_get("title")?;
    let stage: String = item.try_get("stage")?;
    let body = [
        review.expected.as_str(),
        &review.happened,
        &review.why_differ,
        &review.keep,
        &review.change,
        review.went_well.as_deref().unwrap_or(""),
    ]
    .join(" ");
    search::upsert(
        &mut tx,
        Doc {
            kind: Kind::Review,
            ref_id: id,
            initiative: initiative.get(),
            organisation: by.organisation.get(),
            visibility: review.visibility.slug(),
            title: &format!("Learning review: {title}"),
            body: &body,
            stage: &stage,
            tags: "",
            updated_ms: by.now_ms,
        },
    )
    .await?;
    // Carry the initiative's tags for filtering.
    search::index_initiative(&mut tx, initiative).await?;
    // Whoever writes the review is one of its authors (a reviewer who edits it stays a reviewer).
    sqlx::query(
        "INSERT INTO review_people (review_id, user_id, role, added_ms) VALUES ($1, $2, 'author', $3)
         ON CONFLICT (review_id, user_id) DO NOTHING",
    )
    .bind(id)
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    if widened {
        let tags = follows::tags_in(&mut tx, initiative).await?;
        let text = format!("{title} {body}");
        let reach = Reach::sharing(review.visibility == Visibility::Hub, by.organisation);
        let summary = format!("A learning review of {title}");
        let href = format!("/learning/reviews/{id}");
        let event = Event { initiative, tags: &tags, text: &text };
        follows::tell(&mut tx, by, &Telling { event, reach, summary: &summary, href: &href }).await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "learning.review_saved",
        format!("initiative:{initiative}"),
        format!("Learning review {id} saved, visible to: {}", review.visibility.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Someone named on a review: an author, or a colleague asked to review it.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewPerson {
    pub user: UserId,
    pub name: String,
    pub profession: String,
    /// `author` or `reviewer`.
    pub role: String,
    pub reviewed_ms: Option<i64>,
    pub comment: Option<String>,
}

/// The review's authors then reviewers, in the order they were added.
pub async fn people(db: &Db, review: i64) -> Result<Vec<ReviewPerson>, StoreError> {
    sqlx::query(
        "SELECT p.user_id, u.name, u.profession, p.role, p.reviewed_ms, p.comment FROM review_people p JOIN users u ON u.id = p.user_id
         WHERE p.review_id = $1 ORDER BY CASE p.role WHEN 'author' THEN 0 ELSE 1 END, p.added_ms, p.user_id",
    )
    .bind(review)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(ReviewPerson {
            user: UserId::new(r.try_get("user_id")?),
            name: r.try_get("name")?,
            profession: r.try_get("profession")?,
            role: r.try_get("role")?,
            reviewed_ms: r.try_get("reviewed_ms")?,
            comment: r.try_get("comment")?,
        })
    })
    .collect()
}

/// Asks a colleague (already checked to be in the organisation) to review; tells them. `false` if
/// they are already named on the review.
pub async fn ask_reviewer(db: &Db, by: Actor, review: &Review, reviewer: UserId) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let added = sqlx::query(
        "INSERT INTO review_people (review_id, user_id, role, added_ms) VALUES ($1, $2, 'reviewer', $3)
         ON CONFLICT (review_id, user_id) DO NOTHING",
    )
    .bind(review.id)
    .bind(reviewer.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !added {
        return Ok(false);
    }
    let summary = format!("Please review the learning review of {}", review.initiative_title);
    let href = format!("/learning/reviews/{}", review.id);
    notifications::notify(
        &mut tx,
        &[reviewer.get()],
        &Notice::of(by, NotificationKind::ReviewRequest, &summary, &href),
    )
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "learning.reviewer_asked",
        format!("initiative:{}", review.initiative),
        format!("User {reviewer} asked to review learning review {}", review.id),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Records that a reviewer has read the review, with their comment; tells the authors. `false` if
/// `by` was not asked to review it.
pub async fn mark_reviewed(db: &Db, by: Actor, review: &Review, comment: &str) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "UPDATE review_people SET reviewed_ms = $1, comment = $2 WHERE review_id = $3 AND user_id = $4 AND role = 'reviewer'",
    )
    .bind(by.now_ms)
    .bind(comment.to_owned())
    .bind(review.id)
    .bind(by.user.get())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !done {
        return Ok(false);
    }
    let authors: Vec<i64> = sqlx::query("SELECT user_id FROM review_people WHERE review_id = $1 AND role = 'author'")
        .bind(review.id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("user_id"))
        .collect::<Result<_, _>>()?;
    let name: String = sqlx::query("SELECT name FROM users WHERE id = $1")
        .bind(by.user.get())
        .fetch_one(&mut *tx)
        .await?
        .try_get("name")?;
    let summary = format!("{name} reviewed the learning review of {}", review.initiative_title);
    let href = format!("/learning/reviews/{}", review.id);
    notifications::notify(&mut tx, &authors, &Notice::of(by, NotificationKind::ReviewRequest, &summary, &href)).await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "learning.reviewed",
        format!("initiative:{}", review.initiative),
        format!("Learning review {} reviewed", review.id),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The reviews `author` wrote (or helped write) that `reader` may read, newest first.
pub async fn written_by(db: &Db, reader: (OrganisationId, UserId), author: UserId) -> Result<Vec<Review>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE {READABLE} AND (r.author_id = $3
            OR EXISTS (SELECT 1 FROM review_people p WHERE p.review_id = r.id AND p.user_id = $3 AND p.role = 'author'))
         ORDER BY r.updated_ms DESC, r.id DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(reader.0.get())
        .bind(reader.1.get())
        .bind(author.get())
        .read_all(db)
        .await?
        .iter()
        .map(review_from)
        .collect()
}

/// The reviews `reader` may read, newest first (the library's front page).
pub async fn library(db: &Db, reader: (OrganisationId, UserId), limit: i64) -> Result<Vec<Review>, StoreError> {
    let sql = format!("{SELECT} WHERE {READABLE} ORDER BY r.updated_ms DESC, r.id DESC LIMIT $3");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(reader.0.get())
        .bind(reader.1.get())
        .bind(limit)
        .read_all(db)
        .await?
        .iter()
        .map(review_from)
        .collect()
}

/// An adoption: the new initiative, where it came from, what it keeps and how it adapts.
#[derive(Clone, Debug, Serialize)]
pub struct Adoption {
    pub source: InitiativeId,
    pub source_organisation_id: OrganisationId,
    pub adopted_organisation_id: OrganisationId,
    pub source_title: String,
    pub source_organisation: String,
    pub adopted: InitiativeId,
    pub adopted_title: String,
    pub adopted_organisation: String,
    pub core_kept: String,
    /// One per line: what changes locally, and why.
    pub adaptations: String,
    pub created_ms: i64,
}

const ADOPTIONS: &str = "SELECT a.*, s.organisation_id AS source_organisation_id, s.title AS source_title, so.name AS source_organisation, n.title AS adopted_title,
        no.name AS adopted_organisation
    FROM adoptions a JOIN initiatives s ON s.id = a.source_initiative_id JOIN organisations so ON so.id = s.organisation_id
    JOIN initiatives n ON n.id = a.adopted_initiative_id JOIN organisations no ON no.id = n.organisation_id";

fn adoption_from(r: &AnyRow) -> Result<Adoption, StoreError> {
    Ok(Adoption {
        source: InitiativeId::new(r.try_get("source_initiative_id")?),
        source_organisation_id: OrganisationId::new(r.try_get("source_organisation_id")?),
        adopted_organisation_id: OrganisationId::new(r.try_get("organisation_id")?),
        source_title: r.try_get("source_title")?,
        source_organisation: r.try_get("source_organisation")?,
        adopted: InitiativeId::new(r.try_get("adopted_initiative_id")?),
        adopted_title: r.try_get("adopted_title")?,
        adopted_organisation: r.try_get("adopted_organisation")?,
        core_kept: r.try_get("core_kept")?,
        adaptations: r.try_get("adaptations")?,
        created_ms: r.try_get("created_ms")?,
    })
}

/// Where an initiative of the reader's organisation was adopted from, if it was.
pub async fn adopted_from(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Option<Adoption>, StoreError> {
    let sql = format!("{ADOPTIONS} WHERE a.adopted_initiative_id = $1 AND a.organisation_id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(initiative.get())
        .bind(organisation.get())
        .read_optional(db)
        .await?
        .as_ref()
        .map(adoption_from)
        .transpose()
}

/// Every adoption of an initiative (each site that took it on), oldest first.
pub async fn adoptions_of(db: &Db, source: InitiativeId) -> Result<Vec<Adoption>, StoreError> {
    let sql = format!("{ADOPTIONS} WHERE a.source_initiative_id = $1 ORDER BY a.id");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(source.get()).read_all(db).await?.iter().map(adoption_from).collect()
}

/// Adopts `source` in `by.organisation`: a new initiative at shaping (so it gets its own risks,
/// checks, approval route and baseline), linked to its source with what is kept and adapted.
pub async fn adopt(
    db: &Db,
    by: Actor,
    source: InitiativeId,
    draft: &InitiativeDraft,
    core_kept: &str,
    adaptations: &str,
) -> Result<InitiativeId, StoreError> {
    let mut tx = db.write().await?;
    let id = initiatives::create_in(&mut tx, db, by.organisation, by.user, draft, Stage::Shaping, by.now_ms).await?;
    sqlx::query(
        "INSERT INTO adoptions (source_initiative_id, adopted_initiative_id, organisation_id, core_kept, adaptations, created_by, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(source.get())
    .bind(id.get())
    .bind(by.organisation.get())
    .bind(core_kept.to_owned())
    .bind(adaptations.to_owned())
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "learning.adopted",
        format!("initiative:{id}"),
        format!("Adopted from initiative {source} with local adaptations: {adaptations}"),
    )
    .await?;
    // The originating team hears that its change is spreading, and where.
    let origin = sqlx::query(
        "SELECT i.title, i.organisation_id, o.name AS adopter FROM initiatives i, organisations o
         WHERE i.id = $1 AND o.id = $2",
    )
    .bind(source.get())
    .bind(by.organisation.get())
    .fetch_one(&mut *tx)
    .await?;
    let (title, origin_org, adopter): (String, i64, String) =
        (origin.try_get("title")?, origin.try_get("organisation_id")?, origin.try_get("adopter")?);
    let people = notifications::initiative_people(&mut tx, source).await?;
    let summary = format!("{adopter} is adopting your change {title}, with local adaptations");
    let href = format!("/initiatives/{source}/sites");
    let notice = Notice {
        organisation: OrganisationId::new(origin_org),
        by: Some(by.user),
        now_ms: by.now_ms,
        kind: NotificationKind::Decision,
        summary: &summary,
        href: &href,
    };
    notifications::notify(&mut tx, &people, &notice).await?;
    // Followers hear where the change is spreading, on its review (shared with the hub, or it could
    // not have been adopted from another organisation).
    let review: Option<(i64, String)> =
        sqlx::query("SELECT id, visibility FROM learning_reviews WHERE initiative_id = $1")
            .bind(source.get())
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| Ok::<_, StoreError>((r.try_get("id")?, r.try_get("visibility")?)))
            .transpose()?;
    if let Some((review, visibility)) = review {
        let reach = Reach::sharing(visibility == "hub", OrganisationId::new(origin_org));
        let tags = follows::tags_in(&mut tx, source).await?;
        let followed = format!("{adopter} adopted {title}");
        let text = format!("{title} {adaptations}");
        let review_href = format!("/learning/reviews/{review}");
        let event = Event { initiative: source, tags: &tags, text: &text };
        follows::tell(&mut tx, by, &Telling { event, reach, summary: &followed, href: &review_href }).await?;
    }
    tx.commit().await?;
    Ok(id)
}
