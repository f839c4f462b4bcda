//! Server-side sessions. The cookie carries a random token; the table holds its hash, the person, the
//! organisation they are working in, the session's CSRF token, when it started and was last used, and
//! where from, so a session can be listed and ended from the server and works on every node.
//!
//! A session is live only while its person is active and it is within both timeouts
//! (`domain::accounts::session_live`): deactivating someone ends every session at once.

use crate::db::SingleRead;
use kindling_domain::accounts::{SESSION_ABSOLUTE_MS, SESSION_TOUCH_MS, session_live};
use kindling_domain::audit::AuditEvent;
use kindling_domain::ids::{OrganisationId, UserId};
use serde::Serialize;
use sqlx::Row;

use crate::secrets::{random_token, token_hash};
use crate::{Db, StoreError, WriteTx, audit};

/// A session as found from its cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    /// Sent back in every form; a state-changing request must echo it.
    pub csrf_token: String,
    /// The organisation chosen in the header (checked against membership on every request).
    pub organisation: Option<OrganisationId>,
    /// The stored hash of the token: the session's name in lists and forms.
    pub id: String,
    /// The provider's ID token, kept for signing out there too (single sign-on only).
    pub id_token_hint: Option<String>,
    /// The person's unread notifications (every page shows the count), read with the session.
    pub unread: i64,
    /// The hub's cache revision when the session was read: what a node cached about people and
    /// organisations is valid only at this revision (migration 0027).
    pub cache_revision: i64,
}

/// How long a session lasts at most without signing in again (also the cookie's lifetime).
pub const SESSION_MS: i64 = SESSION_ABSOLUTE_MS;

/// How a session began, and from where.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The browser, from its User-Agent, shortened.
    pub device: String,
    /// The client address.
    pub place: String,
    /// `password`, `password+totp`, `recovery-code`, `sso`.
    pub method: String,
    pub id_token_hint: Option<String>,
}

/// The audit entry for signing in or out, written in the same transaction as the session change.
fn event(user: UserId, organisation: Option<OrganisationId>, now_ms: i64, action: &str, summary: &str) -> AuditEvent {
    AuditEvent {
        at_ms: now_ms,
        actor: Some(user),
        organisation,
        action: action.into(),
        subject: format!("user:{user}"),
        summary: summary.into(),
    }
}

/// Starts a session and returns the token for the cookie (which is not stored anywhere).
pub async fn start(
    db: &Db,
    user: UserId,
    organisation: Option<OrganisationId>,
    origin: &Origin,
    now_ms: i64,
) -> Result<String, StoreError> {
    let token = random_token();
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_ms, expires_ms, organisation_id, last_used_ms,
                               device, place, method, id_token_hint)
         VALUES ($1, $2, $3, $4, $5, $6, $4, $7, $8, $9, $10)",
    )
    .bind(token_hash(&token))
    .bind(user.get())
    .bind(random_token())
    .bind(now_ms)
    .bind(now_ms + SESSION_MS)
    .bind(organisation.map(OrganisationId::get))
    .bind(truncate(&origin.device, 120))
    .bind(truncate(&origin.place, 64))
    .bind(&origin.method)
    .bind(origin.id_token_hint.as_deref())
    .execute(&mut *tx)
    .await?;
    let summary = format!("Signed in ({})", origin.method);
    audit::append(&mut tx, db.dialect(), &event(user, organisation, now_ms, "session.signed_in", &summary)).await?;
    tx.commit().await?;
    Ok(token)
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// The live session for a cookie token, if any: its person active, within the idle and absolute
/// timeouts. Its last use is recorded at most once a minute.
pub async fn find(db: &Db, token: &str, now_ms: i64) -> Result<Option<Session>, StoreError> {
    let hash = token_hash(token);
    let row = sqlx::query(
        "SELECT sessions.user_id, sessions.csrf_token, sessions.organisation_id, sessions.created_ms,
                sessions.last_used_ms, sessions.id_token_hint,
                (SELECT COUNT(*) FROM notifications n WHERE n.user_id = sessions.user_id AND n.read_ms IS NULL)
                    AS unread,
                (SELECT revision FROM cache_revision WHERE id = 1) AS cache_revision
         FROM sessions JOIN users ON users.id = sessions.user_id
         WHERE sessions.token_hash = $1 AND users.status = 'active'",
    )
    .bind(&hash)
    .read_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (created, last_used): (i64, i64) = (row.try_get("created_ms")?, row.try_get("last_used_ms")?);
    if !session_live(created, last_used, now_ms) {
        return Ok(None);
    }
    if now_ms - last_used >= SESSION_TOUCH_MS {
        sqlx::query("UPDATE sessions SET last_used_ms = $1 WHERE token_hash = $2")
            .bind(now_ms)
            .bind(&hash)
            .execute(db.pool())
            .await?;
    }
    Ok(Some(Session {
        user: UserId::new(row.try_get("user_id")?),
        csrf_token: row.try_get("csrf_token")?,
        organisation: row.try_get::<Option<i64>, _>("organisation_id")?.map(OrganisationId::new),
        id: hash,
        id_token_hint: row.try_get("id_token_hint")?,
        unread: row.try_get("unread")?,
        cache_revision: row.try_get("cache_revision")?,
    }))
}

/// Ends one session of `user` (sign-out).
pub async fn end(
    db: &Db,
    token: &str,
    user: UserId,
    organisation: Option<OrganisationId>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(&mut *tx).await?;
    audit::append(&mut tx, db.dialect(), &event(user, organisation, now_ms, "session.signed_out", "Signed out"))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A session as listed to its person (or an administrator).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionSummary {
    pub id: String,
    pub device: String,
    pub place: String,
    pub method: String,
    pub created_ms: i64,
    pub last_used_ms: i64,
}

/// The person's live sessions, most recently used first.
pub async fn list(db: &Db, user: UserId, now_ms: i64) -> Result<Vec<SessionSummary>, StoreError> {
    let rows = sqlx::query(
        "SELECT token_hash, device, place, method, created_ms, last_used_ms FROM sessions
         WHERE user_id = $1 ORDER BY last_used_ms DESC",
    )
    .bind(user.get())
    .read_all(db)
    .await?;
    let mut live = Vec::new();
    for r in &rows {
        let (created_ms, last_used_ms) = (r.try_get("created_ms")?, r.try_get("last_used_ms")?);
        if session_live(created_ms, last_used_ms, now_ms) {
            live.push(SessionSummary {
                id: r.try_get("token_hash")?,
                device: r.try_get("device")?,
                place: r.try_get("place")?,
                method: r.try_get("method")?,
                created_ms,
                last_used_ms,
            });
        }
    }
    Ok(live)
}

/// Ends one of the person's sessions by its id (from their account page); false if there was none.
pub async fn end_by_id(
    db: &Db,
    user: UserId,
    id: &str,
    organisation: Option<OrganisationId>,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2")
        .bind(id)
        .bind(user.get())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 1 {
        let e = event(user, organisation, now_ms, "session.ended", "Ended a session from the account page");
        audit::append(&mut tx, db.dialect(), &e).await?;
    }
    tx.commit().await?;
    Ok(done == 1)
}

/// Ends every session of a person inside the caller's transaction, except `keep` (the session that asked,
/// when someone changes their own password); returns how many ended.
pub(crate) async fn end_all_in(tx: &mut WriteTx, user: UserId, keep: Option<&str>) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.get())
        .bind(keep.unwrap_or(""))
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// Makes `organisation` the one this session works in. The caller has checked membership; every request
/// checks it again.
pub async fn switch_organisation(
    db: &Db,
    session_id: &str,
    user: UserId,
    organisation: OrganisationId,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE sessions SET organisation_id = $1 WHERE token_hash = $2 AND user_id = $3")
        .bind(organisation.get())
        .bind(session_id)
        .bind(user.get())
        .execute(&mut *tx)
        .await?;
    let e = event(user, Some(organisation), now_ms, "session.switched_organisation", "Switched organisation");
    audit::append(&mut tx, db.dialect(), &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes sessions past their absolute timeout; returns how many.
pub async fn purge_expired(db: &Db, now_ms: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1")
        .bind(now_ms)
        .execute(db.pool())
        .await?
        .rows_affected())
}
