//! Personal API tokens. The bearer token is shown once when issued; only its hash is stored, and a
//! token can be revoked at any time.

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

/// Issues a token for `user`, audited in the same transaction.
pub async fn issue(db: &Db, user: UserId, label: &str, by: Audited) -> Result<IssuedToken, StoreError> {
    let secret = format!("{PREFIX}{}", random_token());
    let mut tx = db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_ms) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user.get())
    .bind(token_hash(&secret))
    .bind(label)
    .bind(by.now_ms)
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

/// The user a bearer token belongs to, unless it is unknown or revoked.
pub async fn authenticate(db: &Db, secret: &str) -> Result<Option<UserId>, StoreError> {
    let row = sqlx::query("SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_ms IS NULL")
        .bind(token_hash(secret))
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|r| r.try_get("user_id").map(UserId::new)).transpose()?)
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
}

pub async fn list(db: &Db, user: UserId) -> Result<Vec<TokenSummary>, StoreError> {
    sqlx::query("SELECT id, label, created_ms, revoked_ms FROM api_tokens WHERE user_id = $1 ORDER BY id DESC")
        .bind(user.get())
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(TokenSummary {
                id: TokenId::new(r.try_get("id")?),
                label: r.try_get("label")?,
                created_ms: r.try_get("created_ms")?,
                revoked_ms: r.try_get("revoked_ms")?,
            })
        })
        .collect()
}
