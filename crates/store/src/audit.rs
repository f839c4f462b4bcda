//! The audit log table: appending chained entries inside the caller's transaction, reading them back,
//! and verifying the whole chain.

use kindling_domain::audit::{AuditEntry, AuditEvent, ChainBreak, ChainVerifier, GENESIS};
use kindling_domain::ids::{OrganisationId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Actor, Db, Dialect, StoreError, WriteTx};

/// Appends what `by` did to `subject` inside `tx`: [`append`] for the writes scoped by an [`Actor`].
pub async fn record(
    tx: &mut WriteTx,
    dialect: Dialect,
    by: Actor,
    action: &str,
    subject: String,
    summary: String,
) -> Result<AuditEntry, StoreError> {
    let event = AuditEvent {
        at_ms: by.now_ms,
        actor: Some(by.user),
        organisation: Some(by.organisation),
        action: action.to_owned(),
        subject,
        summary,
    };
    append(tx, dialect, &event).await
}

/// Appends `event` to the chain inside `tx`, after every entry committed before it.
///
/// On SQLite the write transaction already holds the database's single write lock. On PostgreSQL a
/// transaction-scoped advisory lock serialises appends, so two nodes can never chain onto the same
/// predecessor.
pub async fn append(tx: &mut WriteTx, dialect: Dialect, event: &AuditEvent) -> Result<AuditEntry, StoreError> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(4201, 1)").execute(&mut **tx).await?;
    }
    let head =
        sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(&mut **tx).await?;
    let (seq, prev_hash) = match head {
        Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get::<String, _>("hash")?),
        None => (1, GENESIS.to_owned()),
    };
    let entry = AuditEntry::chain(seq, event.clone(), &prev_hash);
    sqlx::query(
        "INSERT INTO audit_log (seq, at_ms, actor_id, organisation_id, action, subject, summary, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(entry.seq)
    .bind(event.at_ms)
    .bind(event.actor.map(UserId::get))
    .bind(event.organisation.map(OrganisationId::get))
    .bind(&event.action)
    .bind(&event.subject)
    .bind(&event.summary)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut **tx)
    .await?;
    Ok(entry)
}

fn entry_from_row(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        event: AuditEvent {
            at_ms: row.try_get("at_ms")?,
            actor: row.try_get::<Option<i64>, _>("actor_id")?.map(UserId::new),
            organisation: row.try_get::<Option<i64>, _>("organisation_id")?.map(OrganisationId::new),
            action: row.try_get("action")?,
            subject: row.try_get("subject")?,
            summary: row.try_get("summary")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const COLUMNS: &str = "seq, at_ms, actor_id, organisation_id, action, subject, summary, prev_hash, hash";

/// The outcome of checking the stored chain.
#[derive(Debug)]
pub enum Verification {
    Intact { entries: u64 },
    Broken(ChainBreak),
}

/// Reads the whole log in pages of 1,000 and checks every link.
pub async fn verify(db: &Db) -> Result<Verification, StoreError> {
    let mut verifier = ChainVerifier::default();
    let mut after = 0_i64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at_ms, actor_id, organisation_id, action, subject, summary, prev_hash, hash
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000",
        )
        .bind(after)
        .fetch_all(db.pool())
        .await?;
        if rows.is_empty() {
            return Ok(Verification::Intact { entries: verifier.count() });
        }
        for row in &rows {
            let entry = entry_from_row(row)?;
            if let Err(broken) = verifier.push(&entry) {
                return Ok(Verification::Broken(broken));
            }
            after = entry.seq;
        }
    }
}

/// The newest entries about one organisation, newest first.
pub async fn recent_for_organisation(
    db: &Db,
    organisation: OrganisationId,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE organisation_id = $1 ORDER BY seq DESC LIMIT $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(organisation.get())
        .bind(limit)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(entry_from_row)
        .collect()
}

/// The entries about one subject (`initiative:42`), oldest first.
pub async fn for_subject(db: &Db, subject: &str) -> Result<Vec<AuditEntry>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE subject = $1 ORDER BY seq");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(subject).fetch_all(db.pool()).await?.iter().map(entry_from_row).collect()
}
