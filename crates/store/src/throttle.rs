//! Sign-in throttling without lock-outs (OWASP ASVS 4.0, 2.2.1): failed attempts are recorded per account
//! and per client address, and each failure beyond a few free ones makes the next attempt wait longer
//! (one second, then two, four… up to a minute for an account, a quarter of an hour for an address). A
//! success clears an account's count. Browsers that have signed in to an account before (a device cookie)
//! skip both delays, so strangers guessing at an account, or many people behind one address, never keep
//! its owner out. Kept in the database so every node sees the same counts.

use crate::db::SingleRead;
use sqlx::Row;

use crate::secrets::{random_token, token_hash};
use crate::{Db, StoreError};

/// Failures per account allowed before attempts start to wait.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 4;
/// Failures per client address allowed before attempts start to wait (many staff share one NAT).
pub const FREE_FAILURES_PER_CLIENT: i64 = 20;
/// The longest an account's attempts wait.
pub const MAX_ACCOUNT_DELAY_MS: i64 = 60 * 1000;
/// The longest a client's attempts wait.
pub const MAX_CLIENT_DELAY_MS: i64 = 15 * 60 * 1000;
/// The window over which failures count.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// A device cookie stops counting as known after this many failures in a row.
pub const DEVICE_FAILURES: i64 = 5;

pub async fn record(db: &Db, key: &str, client: &str, succeeded: bool, now_ms: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO login_attempts (email, client, at_ms, succeeded) VALUES ($1, $2, $3, $4)")
        .bind(key)
        .bind(client)
        .bind(now_ms)
        .bind(i64::from(succeeded))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The delay after `failures` failures, `free` of them free, doubling from one second up to `max`.
pub fn delay_ms(failures: i64, free: i64, max: i64) -> i64 {
    if failures <= free {
        return 0;
    }
    let doublings = (failures - free - 1).min(20) as u32;
    (1000_i64 << doublings).min(max)
}

/// How long an attempt for `key` from `client` must still wait, in milliseconds (0: try now).
pub async fn wait_ms(db: &Db, key: &str, client: &str, now_ms: i64) -> Result<i64, StoreError> {
    let since = now_ms - WINDOW_MS;
    // An account's failures count from its last success.
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MAX(at_ms) AS last FROM login_attempts
         WHERE email = $1 AND succeeded = 0 AND at_ms > $2
         AND at_ms > COALESCE((SELECT MAX(at_ms) FROM login_attempts WHERE email = $1 AND succeeded = 1), 0)",
    )
    .bind(key)
    .bind(since)
    .read_one(db)
    .await?;
    let (account_failures, account_last): (i64, Option<i64>) = (row.try_get("n")?, row.try_get("last")?);
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MAX(at_ms) AS last FROM login_attempts WHERE client = $1 AND succeeded = 0 AND at_ms > $2",
    )
    .bind(client)
    .bind(since)
    .read_one(db)
    .await?;
    let (client_failures, client_last): (i64, Option<i64>) = (row.try_get("n")?, row.try_get("last")?);
    let account_wait = account_last
        .map_or(0, |last| last + delay_ms(account_failures, FREE_FAILURES_PER_ACCOUNT, MAX_ACCOUNT_DELAY_MS) - now_ms);
    let client_wait = client_last
        .map_or(0, |last| last + delay_ms(client_failures, FREE_FAILURES_PER_CLIENT, MAX_CLIENT_DELAY_MS) - now_ms);
    Ok(account_wait.max(client_wait).max(0))
}

/// Remembers this browser for `key` after a successful sign-in; the token goes in its device cookie.
pub async fn remember_device(db: &Db, key: &str, now_ms: i64) -> Result<String, StoreError> {
    let token = random_token();
    sqlx::query("INSERT INTO known_devices (token_hash, account, failures, created_ms, last_used_ms) VALUES ($1, $2, 0, $3, $3)")
        .bind(token_hash(&token))
        .bind(key)
        .bind(now_ms)
        .execute(db.pool())
        .await?;
    Ok(token)
}

/// Whether the device cookie `token` is a browser known for `key` (and has not failed too often).
pub async fn device_known(db: &Db, token: &str, key: &str) -> Result<bool, StoreError> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM known_devices WHERE token_hash = $1 AND account = $2 AND failures < $3")
            .bind(token_hash(token))
            .bind(key)
            .bind(DEVICE_FAILURES)
            .read_one(db)
            .await?
            .try_get("n")?;
    Ok(n > 0)
}

/// Counts a known browser's attempt: a failure adds one, a success clears the count.
pub async fn device_attempt(db: &Db, token: &str, key: &str, succeeded: bool, now_ms: i64) -> Result<(), StoreError> {
    let sql = if succeeded {
        "UPDATE known_devices SET failures = 0, last_used_ms = $3 WHERE token_hash = $1 AND account = $2"
    } else {
        "UPDATE known_devices SET failures = failures + 1, last_used_ms = $3 WHERE token_hash = $1 AND account = $2"
    };
    sqlx::query(sql).bind(token_hash(token)).bind(key).bind(now_ms).execute(db.pool()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_one_second_to_their_ceiling() {
        let account = |n| delay_ms(n, FREE_FAILURES_PER_ACCOUNT, MAX_ACCOUNT_DELAY_MS);
        assert_eq!(
            [0, 4, 5, 6, 7, 8, 10, 11, 40, 1000].map(account),
            [0, 0, 1000, 2000, 4000, 8000, 32_000, 60_000, 60_000, 60_000]
        );
        let client = |n| delay_ms(n, FREE_FAILURES_PER_CLIENT, MAX_CLIENT_DELAY_MS);
        assert_eq!([20, 21, 30, 31, 40].map(client), [0, 1000, 512_000, 900_000, 900_000]);
    }
}
