//! Server-side sessions. The cookie carries a random token; the table holds its hash, the user, the
//! session's CSRF token and its expiry, so a session can be ended from the server and works on every node.

use kindling_domain::audit::AuditEvent;
use kindling_domain::ids::{OrganisationId, UserId};
use sqlx::Row;

use crate::secrets::{random_token, token_hash};
use crate::{Db, StoreError, audit};

/// A session as found from its cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user: UserId,
    /// Sent back in every form; a state-changing request must echo it.
    pub csrf_token: String,
}

/// How long a session lasts without signing in again.
pub const SESSION_MS: i64 = 12 * 60 * 60 * 1000;

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
    now_ms: i64,
) -> Result<String, StoreError> {
    let token = random_token();
    let mut tx = db.write().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(user.get())
    .bind(random_token())
    .bind(now_ms)
    .bind(now_ms + SESSION_MS)
    .execute(&mut *tx)
    .await?;
    audit::append(&mut tx, db.dialect(), &event(user, organisation, now_ms, "session.signed_in", "Signed in")).await?;
    tx.commit().await?;
    Ok(token)
}

/// The live session for a cookie token, if any.
pub async fn find(db: &Db, token: &str, now_ms: i64) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query("SELECT user_id, csrf_token FROM sessions WHERE token_hash = $1 AND expires_ms > $2")
        .bind(token_hash(token))
        .bind(now_ms)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| Ok(Session { user: UserId::new(r.try_get("user_id")?), csrf_token: r.try_get("csrf_token")? }))
        .transpose()
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

/// Removes expired sessions; returns how many.
pub async fn purge_expired(db: &Db, now_ms: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1")
        .bind(now_ms)
        .execute(db.pool())
        .await?
        .rows_affected())
}
