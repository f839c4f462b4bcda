//! Personal API tokens. The bearer token is shown once when issued; only its hash is stored, and a
//! token can be revoked at any time.

use crate::db::SingleRead;
use kindling_domain::accounts::TokenScope;
use kindling_domain::audit::AuditEvent;
use kindling_domain::ids::{OrganisationId, TokenId, UserId};
use sqlx::Row;

use crate::secrets::{random_token, token_hash};
use crate::{Db, StoreError, audit};

/// Prefix that makes a leaked token recognisable to secret scanners and to people.
pub const PREFIX: &str = "kdl_";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedToken {
    pub id: TokenId,
    /// The only time the secret exists outside the client: print it, never store it.
    pub secret: String,
}

/// Who caused a token change, for its audit entry: a person (from the web) or nobody (the command line,
/// run by whoever operates the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Audited {
    pub actor: Option<UserId>,
    pub organisation: Option<OrganisationId>,
    pub now_ms: i64,
}

impl Audited {
    fn event(self, action: &str, id: i64, summary: String) -> AuditEvent {
        AuditEvent {
            at_ms: self.now_ms,
            actor: self.actor,
            organisation: self.organisation,
            action: action.into(),
            subject: format!("token:{id}"),
            summary,
        }
    }
}

/// What a new token may do and until when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub scope: TokenScope,
    /// When it stops working; `None` never (only from the command line, for a service account).
    pub expires_ms: Option<i64>,
}

/// Issues a token for `user`, audited in the same transaction.
pub async fn issue(db: &Db, user: UserId, label: &str, grant: Grant, by: Audited) -> Result<IssuedToken, StoreError> {
    let secret = format!("{PREFIX}{}", random_token());
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_ms, scope, expires_ms) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id",
    )
    .bind(user.get())
    .bind(token_hash(&secret))
    .bind(label)
    .bind(by.now_ms)
    .bind(grant.scope.slug())
    .bind(grant.expires_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::append(
        &mut tx,
        db.dialect(),
        &by.event("token.issued", id, format!("API token \"{label}\" issued for user {user}")),
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedToken { id: TokenId::new(id), secret })
}

/// The person a bearer token belongs to and what it may do, unless it is unknown, revoked, expired, or
/// its person is no longer active. Its last use is recorded at most once a minute.
pub async fn authenticate(db: &Db, secret: &str, now_ms: i64) -> Result<Option<(UserId, TokenScope)>, StoreError> {
    let hash = token_hash(secret);
    let row = sqlx::query(
        "SELECT t.user_id, t.scope, t.last_used_ms FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_ms IS NULL AND (t.expires_ms IS NULL OR t.expires_ms > $2)
         AND u.status = 'active'",
    )
    .bind(&hash)
    .bind(now_ms)
    .read_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let last: Option<i64> = row.try_get("last_used_ms")?;
    if last.is_none_or(|last| now_ms - last >= kindling_domain::accounts::SESSION_TOUCH_MS) {
        sqlx::query("UPDATE api_tokens SET last_used_ms = $1 WHERE token_hash = $2")
            .bind(now_ms)
            .bind(&hash)
            .execute(db.pool())
            .await?;
    }
    let scope = row.try_get::<String, _>("scope")?.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?;
    Ok(Some((UserId::new(row.try_get("user_id")?), scope)))
}

/// Revokes a token of `user`; false if there was no such live token.
pub async fn revoke(db: &Db, user: UserId, id: TokenId, by: Audited) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND user_id = $3 AND revoked_ms IS NULL")
            .bind(by.now_ms)
            .bind(id.get())
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
    let revoked = done.rows_affected() == 1;
    if revoked {
        audit::append(&mut tx, db.dialect(), &by.event("token.revoked", id.get(), "API token revoked".into())).await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

/// A token as listed to its owner (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TokenSummary {
    pub id: TokenId,
    pub label: String,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
    pub scope: TokenScope,
    pub expires_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
}

pub async fn list(db: &Db, user: UserId) -> Result<Vec<TokenSummary>, StoreError> {
    sqlx::query(
        "SELECT id, label, created_ms, revoked_ms, scope, expires_ms, last_used_ms FROM api_tokens WHERE user_id = $1
         ORDER BY id DESC",
    )
    .bind(user.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(TokenSummary {
            id: TokenId::new(r.try_get("id")?),
            label: r.try_get("label")?,
            created_ms: r.try_get("created_ms")?,
            revoked_ms: r.try_get("revoked_ms")?,
            scope: r.try_get::<String, _>("scope")?.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?,
            expires_ms: r.try_get("expires_ms")?,
            last_used_ms: r.try_get("last_used_ms")?,
        })
    })
    .collect()
}
