//! What people follow, and telling them: `tell` runs in the transaction of the change it reports
//! (a new adoption, package version or learning review), like every notification, and tells only
//! followers who may read what it links to.

use crate::db::SingleRead;
use kindling_domain::follows::{Event, Followed};
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::initiatives::Tag;
use kindling_domain::notifications::Kind as NotificationKind;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, WriteTx, audit};

/// Who may read what an event links to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Every organisation of the hub.
    Hub,
    /// Only this organisation.
    Organisation(OrganisationId),
}

impl Reach {
    /// The hub when shared with it, otherwise the owning organisation alone.
    pub fn sharing(with_hub: bool, owner: OrganisationId) -> Self {
        if with_hub { Reach::Hub } else { Reach::Organisation(owner) }
    }

    fn includes(self, organisation: OrganisationId) -> bool {
        match self {
            Reach::Hub => true,
            Reach::Organisation(o) => o == organisation,
        }
    }
}

/// One of a person's follows, with the change's title where it names one.
#[derive(Clone, Debug, Serialize)]
pub struct Follow {
    pub id: i64,
    pub followed: Followed,
    pub described: String,
    pub created_ms: i64,
}

fn followed_from(r: &AnyRow) -> Result<Followed, StoreError> {
    let kind: String = r.try_get("kind")?;
    let value: Option<String> = r.try_get("value")?;
    let initiative: Option<i64> = r.try_get("initiative_id")?;
    let corrupt = || StoreError::Corrupt(format!("follow of kind {kind:?}"));
    Ok(match kind.as_str() {
        "change" => Followed::Change(InitiativeId::new(initiative.ok_or_else(corrupt)?)),
        "topic" => Followed::Topic(Tag::parse(value.as_deref().ok_or_else(corrupt)?).map_err(|_| corrupt())?),
        "search" => Followed::Search(value.ok_or_else(corrupt)?),
        _ => return Err(corrupt()),
    })
}

fn columns(followed: &Followed) -> (&'static str, Option<i64>, Option<String>) {
    match followed {
        Followed::Change(id) => ("change", Some(id.get()), None),
        Followed::Topic(tag) => ("topic", None, Some(tag.as_str().to_owned())),
        Followed::Search(words) => ("search", None, Some(words.clone())),
    }
}

/// Follows something; `false` if `by` already follows it.
pub async fn follow(db: &Db, by: Actor, followed: &Followed) -> Result<bool, StoreError> {
    let (kind, initiative, value) = columns(followed);
    let mut tx = db.write().await?;
    let existing = sqlx::query(
        "SELECT id FROM follows WHERE user_id = $1 AND kind = $2 AND COALESCE(initiative_id, 0) = $3 AND COALESCE(value, '') = $4",
    )
    .bind(by.user.get())
    .bind(kind)
    .bind(initiative.unwrap_or(0))
    .bind(value.clone().unwrap_or_default())
    .fetch_optional(&mut *tx)
    .await?;
    if existing.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO follows (user_id, organisation_id, kind, initiative_id, value, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(by.user.get())
    .bind(by.organisation.get())
    .bind(kind)
    .bind(initiative)
    .bind(value)
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, db.dialect(), by, "follows.added", format!("user:{}", by.user), followed.describe(None))
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Stops following; `false` if the follow is not `by`'s.
pub async fn unfollow(db: &Db, by: Actor, id: i64) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let removed = sqlx::query("DELETE FROM follows WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(by.user.get())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "follows.removed",
        format!("user:{}", by.user),
        format!("Follow {id} removed"),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Everything `user` follows, newest first.
pub async fn list(db: &Db, user: UserId) -> Result<Vec<Follow>, StoreError> {
    let rows = sqlx::query(
        "SELECT f.*, i.title FROM follows f LEFT JOIN initiatives i ON i.id = f.initiative_id
         WHERE f.user_id = $1 ORDER BY f.created_ms DESC, f.id DESC",
    )
    .bind(user.get())
    .read_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let followed = followed_from(r)?;
            let title: Option<String> = r.try_get("title")?;
            Ok(Follow {
                id: r.try_get("id")?,
                described: followed.describe(title.as_deref()),
                followed,
                created_ms: r.try_get("created_ms")?,
            })
        })
        .collect()
}

/// The tags of an initiative, as stored.
pub(crate) async fn tags_in(tx: &mut WriteTx, initiative: InitiativeId) -> Result<Vec<String>, StoreError> {
    sqlx::query("SELECT tag FROM initiative_tags WHERE initiative_id = $1 ORDER BY tag")
        .bind(initiative.get())
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("tag").map_err(StoreError::from))
        .collect()
}

/// The tags of an initiative, for offering its topics to follow.
pub async fn tags(db: &Db, initiative: InitiativeId) -> Result<Vec<String>, StoreError> {
    sqlx::query("SELECT tag FROM initiative_tags WHERE initiative_id = $1 ORDER BY tag")
        .bind(initiative.get())
        .read_all(db)
        .await?
        .iter()
        .map(|r| r.try_get("tag").map_err(StoreError::from))
        .collect()
}

/// What to tell followers of an event and where it leads.
pub(crate) struct Telling<'a> {
    pub event: Event<'a>,
    pub reach: Reach,
    pub summary: &'a str,
    pub href: &'a str,
}

/// Tells everyone who follows the event's change, one of its topics or a search that finds it, and who
/// may read what it links to (never the person who caused it), each in the organisation they followed
/// from.
pub(crate) async fn tell(tx: &mut WriteTx, by: Actor, telling: &Telling<'_>) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "SELECT user_id, organisation_id, kind, initiative_id, value FROM follows
         WHERE (kind = 'change' AND initiative_id = $1) OR kind = 'topic' OR kind = 'search'",
    )
    .bind(telling.event.initiative.get())
    .fetch_all(&mut **tx)
    .await?;
    let mut told: Vec<(OrganisationId, Vec<i64>)> = Vec::new();
    for row in &rows {
        let organisation = OrganisationId::new(row.try_get("organisation_id")?);
        if !telling.reach.includes(organisation) || !followed_from(row)?.wants(&telling.event) {
            continue;
        }
        let user: i64 = row.try_get("user_id")?;
        match told.iter_mut().find(|(o, _)| *o == organisation) {
            Some((_, users)) => users.push(user),
            None => told.push((organisation, vec![user])),
        }
    }
    for (organisation, users) in told {
        let notice = Notice { organisation, ..Notice::of(by, NotificationKind::Spread, telling.summary, telling.href) };
        notifications::notify(tx, &users, &notice).await?;
    }
    Ok(())
}
