//! Sign-in throttling: failed attempts are recorded per email and per client address, and a burst of
//! failures locks further attempts for a while. Kept in the database so every node sees the same count.

use sqlx::Row;

use crate::{Db, StoreError};

/// Failures allowed per email within [`WINDOW_MS`] before sign-in is refused.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures allowed per client address within [`WINDOW_MS`] (higher: many staff share one NAT).
pub const MAX_FAILURES_PER_CLIENT: i64 = 30;
/// The window over which failures count.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;

pub async fn record(db: &Db, email: &str, client: &str, succeeded: bool, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO login_attempts (email, client, at_ms, succeeded) VALUES ($1, $2, $3, $4)")
        .bind(email)
        .bind(client)
        .bind(now_ms)
        .bind(i64::from(succeeded))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Whether another attempt for this email from this client must be refused now.
pub async fn is_locked(db: &Db, email: &str, client: &str, now_ms: i64) -> Result<bool, StoreError> {
    let since = now_ms - WINDOW_MS;
    let by_email: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE email = $1 AND at_ms > $2 AND succeeded = 0")
            .bind(email)
            .bind(since)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?;
    let by_client: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE client = $1 AND at_ms > $2 AND succeeded = 0")
            .bind(client)
            .bind(since)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?;
    Ok(by_email >= MAX_FAILURES_PER_EMAIL || by_client >= MAX_FAILURES_PER_CLIENT)
}
