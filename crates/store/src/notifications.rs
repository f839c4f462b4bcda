//! Notifications, written in the same transaction as the change that causes them (a decision, a
//! comment that mentions someone, a review request, feedback, recognition), read in Kindling and
//! gathered into each person's email digest.
//!
//! Nobody is told about their own action.

use crate::db::SingleRead;
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::notifications::{Digest, Item, Kind};
use serde::Serialize;
use sqlx::Row;

use crate::{Actor, Db, StoreError, WriteTx};

/// One notification as its recipient sees it.
#[derive(Clone, Debug, Serialize)]
pub struct Notification {
    pub id: i64,
    pub kind: Kind,
    pub summary: String,
    pub href: String,
    pub created_ms: i64,
    pub read: bool,
}

/// What to tell people, and on whose behalf.
pub(crate) struct Notice<'a> {
    pub organisation: OrganisationId,
    /// Who caused it (not told about their own action); `None` for a member of the public.
    pub by: Option<UserId>,
    pub now_ms: i64,
    pub kind: Kind,
    pub summary: &'a str,
    pub href: &'a str,
}

impl<'a> Notice<'a> {
    pub fn of(by: Actor, kind: Kind, summary: &'a str, href: &'a str) -> Self {
        Self { organisation: by.organisation, by: Some(by.user), now_ms: by.now_ms, kind, summary, href }
    }
}

/// Notifies each of `users` once (never the person who caused it).
pub(crate) async fn notify(tx: &mut WriteTx, users: &[i64], notice: &Notice<'_>) -> Result<(), StoreError> {
    let mut told: Vec<i64> = Vec::with_capacity(users.len());
    for user in users {
        if Some(*user) == notice.by.map(UserId::get) || told.contains(user) {
            continue;
        }
        told.push(*user);
        sqlx::query(
            "INSERT INTO notifications (user_id, organisation_id, kind, summary, href, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(*user)
        .bind(notice.organisation.get())
        .bind(notice.kind.slug())
        .bind(notice.summary.to_owned())
        .bind(notice.href.to_owned())
        .bind(notice.now_ms)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The initiative's own people: its submitter and its team.
pub(crate) async fn initiative_people(tx: &mut WriteTx, initiative: InitiativeId) -> Result<Vec<i64>, StoreError> {
    sqlx::query(
        "SELECT submitter_id AS user_id FROM initiatives WHERE id = $1
         UNION SELECT user_id FROM team_members WHERE initiative_id = $1",
    )
    .bind(initiative.get())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get("user_id").map_err(StoreError::from))
    .collect()
}

/// Members of `organisation` whose email begins with `name@` (how `@name` mentions resolve).
pub(crate) async fn members_named(
    tx: &mut WriteTx,
    organisation: OrganisationId,
    names: &[String],
) -> Result<Vec<i64>, StoreError> {
    let mut found = Vec::new();
    for name in names {
        let rows = sqlx::query(
            "SELECT DISTINCT u.id FROM users u JOIN memberships m ON m.user_id = u.id
             WHERE m.organisation_id = $1 AND lower(u.email) LIKE $2",
        )
        .bind(organisation.get())
        // Names are letters, digits, dots, hyphens and underscores; `_` is a LIKE wildcard, which can
        // only widen a match to another member of the same organisation with a near-identical address.
        .bind(format!("{name}@%"))
        .fetch_all(&mut **tx)
        .await?;
        for r in rows {
            found.push(r.try_get("id")?);
        }
    }
    Ok(found)
}

/// Members of `organisation` holding any of `roles`.
pub(crate) async fn holders_of(
    tx: &mut WriteTx,
    organisation: OrganisationId,
    roles: &[&str],
) -> Result<Vec<i64>, StoreError> {
    let mut found = Vec::new();
    for role in roles {
        let rows = sqlx::query("SELECT user_id FROM memberships WHERE organisation_id = $1 AND role = $2")
            .bind(organisation.get())
            .bind((*role).to_owned())
            .fetch_all(&mut **tx)
            .await?;
        for r in rows {
            found.push(r.try_get("user_id")?);
        }
    }
    Ok(found)
}

/// A person's newest notifications.
pub async fn list(db: &Db, user: UserId, limit: i64) -> Result<Vec<Notification>, StoreError> {
    sqlx::query(
        "SELECT id, kind, summary, href, created_ms, read_ms FROM notifications WHERE user_id = $1
         ORDER BY created_ms DESC, id DESC LIMIT $2",
    )
    .bind(user.get())
    .bind(limit)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let kind: String = r.try_get("kind")?;
        Ok(Notification {
            id: r.try_get("id")?,
            kind: kind.parse().map_err(|_| StoreError::Corrupt(format!("notification kind {kind:?}")))?,
            summary: r.try_get("summary")?,
            href: r.try_get("href")?,
            created_ms: r.try_get("created_ms")?,
            read: r.try_get::<Option<i64>, _>("read_ms")?.is_some(),
        })
    })
    .collect()
}

pub async fn unread_count(db: &Db, user: UserId) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_ms IS NULL")
        .bind(user.get())
        .read_one(db)
        .await?
        .try_get("n")?)
}

/// Marks one of the person's notifications read (or all of them with `None`); how many changed.
pub async fn mark_read(db: &Db, user: UserId, id: Option<i64>, now_ms: i64) -> Result<u64, StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query(
        "UPDATE notifications SET read_ms = $1 WHERE user_id = $2 AND read_ms IS NULL AND ($3 IS NULL OR id = $3)",
    )
    .bind(now_ms)
    .bind(user.get())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(done)
}

/// Marks one of the person's notifications read and returns its link; `None` if it is not theirs.
pub async fn open(db: &Db, user: UserId, id: i64, now_ms: i64) -> Result<Option<String>, StoreError> {
    let mut tx = db.write().await?;
    let Some(row) = sqlx::query("SELECT href FROM notifications WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user.get())
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    sqlx::query("UPDATE notifications SET read_ms = $1 WHERE id = $2 AND read_ms IS NULL")
        .bind(now_ms)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(row.try_get("href")?))
}

/// How often the person wants their digest.
pub async fn digest_preference(db: &Db, user: UserId) -> Result<Digest, StoreError> {
    let raw: String =
        sqlx::query("SELECT digest FROM users WHERE id = $1").bind(user.get()).read_one(db).await?.try_get("digest")?;
    raw.parse().map_err(|_| StoreError::Corrupt(format!("digest {raw:?}")))
}

pub async fn set_digest_preference(db: &Db, by: Actor, digest: Digest) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE users SET digest = $1 WHERE id = $2")
        .bind(digest.slug())
        .bind(by.user.get())
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        db.dialect(),
        by,
        "notifications.digest_set",
        format!("user:{}", by.user),
        format!("Email digest: {}", digest.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A digest ready to send.
#[derive(Clone, Debug)]
pub struct DueDigest {
    pub user: UserId,
    /// When the person's last digest was sent: the claim checks nobody sent one since.
    pub last_sent_ms: Option<i64>,
    pub email: String,
    pub name: String,
    pub preference: Digest,
    pub items: Vec<Item>,
    /// Mentoring meetings the person has planned before their next digest, soonest first.
    pub meetings: Vec<MeetingAhead>,
}

/// A planned mentoring meeting a digest reminds someone of; the caller writes the time in UK time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingAhead {
    pub starts_ms: i64,
    /// The other person of the pair.
    pub with: String,
    pub href: String,
}

/// The active pairs' meetings that `user` is in, from `from_ms` to `to_ms`.
async fn meetings_ahead(db: &Db, user: i64, from_ms: i64, to_ms: i64) -> Result<Vec<MeetingAhead>, StoreError> {
    sqlx::query(
        "SELECT x.starts_ms, m.id AS match_id, CASE WHEN e.user_id = $1 THEN r.name ELSE e.name END AS partner
         FROM mentoring_meetings x JOIN mentoring_matches m ON m.id = x.match_id
         JOIN participants e ON e.id = m.mentee_id JOIN participants r ON r.id = m.mentor_id
         WHERE (e.user_id = $1 OR r.user_id = $1) AND m.status = 'active' AND x.starts_ms > $2 AND x.starts_ms <= $3
         ORDER BY x.starts_ms, x.id",
    )
    .bind(user)
    .bind(from_ms)
    .bind(to_ms)
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(MeetingAhead {
            starts_ms: r.try_get("starts_ms")?,
            with: r.try_get("partner")?,
            href: format!("/mentoring/matches/{}#meetings", r.try_get::<i64, _>("match_id")?),
        })
    })
    .collect()
}

/// Everyone whose digest is due at `now_ms` and who has unread notifications newer than their last
/// digest (oldest first) or a mentoring meeting before their next one. Nobody gets an empty digest.
pub async fn due_digests(db: &Db, now_ms: i64) -> Result<Vec<DueDigest>, StoreError> {
    // The furthest any digest looks ahead (a weekly one), to find who has a meeting coming up at all.
    let horizon = now_ms + Digest::Weekly.looks_ahead_ms();
    let people = sqlx::query(
        "SELECT u.id, u.email, u.name, u.digest, u.digest_sent_ms FROM users u
         WHERE u.digest <> 'off' AND (
            EXISTS (SELECT 1 FROM notifications n
                    WHERE n.user_id = u.id AND n.read_ms IS NULL AND n.created_ms > COALESCE(u.digest_sent_ms, 0))
            OR EXISTS (SELECT 1 FROM mentoring_meetings x JOIN mentoring_matches m ON m.id = x.match_id
                    JOIN participants p ON p.id = m.mentee_id OR p.id = m.mentor_id
                    WHERE p.user_id = u.id AND m.status = 'active' AND x.starts_ms > $1 AND x.starts_ms <= $2))
         ORDER BY u.id",
    )
    .bind(now_ms)
    .bind(horizon)
    .read_all(db)
    .await?;
    let mut due = Vec::new();
    for p in people {
        let raw: String = p.try_get("digest")?;
        let preference: Digest = raw.parse().map_err(|_| StoreError::Corrupt(format!("digest {raw:?}")))?;
        let last: Option<i64> = p.try_get("digest_sent_ms")?;
        if !kindling_domain::notifications::digest_due(preference, last, now_ms) {
            continue;
        }
        let user: i64 = p.try_get("id")?;
        let items = sqlx::query(
            "SELECT kind, summary, href FROM notifications
             WHERE user_id = $1 AND read_ms IS NULL AND created_ms > $2 AND created_ms <= $3 ORDER BY created_ms, id",
        )
        .bind(user)
        .bind(last.unwrap_or(0))
        .bind(now_ms)
        .read_all(db)
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(Item {
                kind: kind.parse().map_err(|_| StoreError::Corrupt(format!("notification kind {kind:?}")))?,
                summary: r.try_get("summary")?,
                href: r.try_get("href")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let meetings = meetings_ahead(db, user, now_ms, now_ms + preference.looks_ahead_ms()).await?;
        if items.is_empty() && meetings.is_empty() {
            continue;
        }
        due.push(DueDigest {
            user: UserId::new(user),
            last_sent_ms: last,
            email: p.try_get("email")?,
            name: p.try_get("name")?,
            preference,
            items,
            meetings,
        });
    }
    Ok(due)
}

/// Records that the person's digest went out at `now_ms` (after it was handed to the mail transport).
/// How long a claim on a digest holds if its process dies before sending (a later pass then retries).
pub const DIGEST_CLAIM_MS: i64 = 10 * 60 * 1000;

/// Claims `due`'s digest for this process: true for exactly one of several processes (nodes, timers,
/// `kindling digest send`) looking at the same person at once, and false if another has claimed it or
/// sent one since it was found due.
pub async fn claim_digest(db: &Db, due: &DueDigest, now_ms: i64) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let won = sqlx::query(
        "UPDATE users SET digest_claim_ms = $1
         WHERE id = $2 AND COALESCE(digest_sent_ms, 0) = $3 AND (digest_claim_ms IS NULL OR digest_claim_ms < $4)",
    )
    .bind(now_ms)
    .bind(due.user.get())
    .bind(due.last_sent_ms.unwrap_or(0))
    .bind(now_ms - DIGEST_CLAIM_MS)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(won == 1)
}

/// Gives a claim back when the transport did not take the digest, so the next pass tries again.
pub async fn release_digest(db: &Db, user: UserId) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET digest_claim_ms = NULL WHERE id = $1").bind(user.get()).execute(db.pool()).await?;
    Ok(())
}

pub async fn mark_digest_sent(db: &Db, user: UserId, now_ms: i64) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE users SET digest_sent_ms = $1, digest_claim_ms = NULL WHERE id = $2")
        .bind(now_ms)
        .bind(user.get())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
