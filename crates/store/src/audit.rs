//! The audit log table: appending chained entries inside the caller's transaction, reading them back,
//! and verifying the whole chain.

use crate::db::SingleRead;
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
        .read_all(db)
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
        .read_all(db)
        .await?
        .iter()
        .map(entry_from_row)
        .collect()
}

/// The entries about one subject (`initiative:42`), oldest first.
pub async fn for_subject(db: &Db, subject: &str) -> Result<Vec<AuditEntry>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE subject = $1 ORDER BY seq");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(subject).read_all(db).await?.iter().map(entry_from_row).collect()
}

/// What the administrators' audit page is narrowed to. Text filters match exactly, except `action`,
/// which also matches a family (`people` finds `people.invited`).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<UserId>,
    pub action: Option<String>,
    pub subject: Option<String>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

/// An entry with the names of who did it, for people to read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: Option<UserId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject: String,
    pub summary: String,
}

/// One organisation's entries matching `filter`, newest first, a page at a time, with the total.
pub async fn list(
    db: &Db,
    organisation: OrganisationId,
    filter: &Filter,
    limit: u32,
    offset: u64,
) -> Result<(Vec<Listed>, u64), StoreError> {
    let mut conditions = vec!["a.organisation_id = $1".to_owned()];
    let mut n = 2;
    let mut push = |fragment: &str| {
        conditions.push(fragment.replace('#', &format!("${n}")));
        n += 1;
    };
    if filter.actor.is_some() {
        push("a.actor_id = #");
    }
    if filter.action.is_some() {
        push("(a.action = # OR a.action LIKE # || '.%')");
    }
    if filter.subject.is_some() {
        push("a.subject = #");
    }
    if filter.from_ms.is_some() {
        push("a.at_ms >= #");
    }
    if filter.until_ms.is_some() {
        push("a.at_ms < #");
    }
    let where_clause = conditions.join(" AND ");
    let bind = |sql: String| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(organisation.get());
        if let Some(actor) = filter.actor {
            q = q.bind(actor.get());
        }
        if let Some(action) = &filter.action {
            q = q.bind(action.clone());
        }
        if let Some(subject) = &filter.subject {
            q = q.bind(subject.clone());
        }
        if let Some(from) = filter.from_ms {
            q = q.bind(from);
        }
        if let Some(until) = filter.until_ms {
            q = q.bind(until);
        }
        q
    };
    let total: i64 =
        bind(format!("SELECT COUNT(*) AS n FROM audit_log a WHERE {where_clause}")).read_one(db).await?.try_get("n")?;
    // Anonymised leavers are shown by their pseudonym wherever the log is read (the stored log is untouched).
    let redactions = crate::data_protection::redactions(db).await?;
    let rows = bind(format!(
        "SELECT a.seq, a.at_ms, a.actor_id, u.name AS actor_name, a.action, a.subject, a.summary
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
         WHERE {where_clause} ORDER BY a.seq DESC LIMIT {limit} OFFSET {offset}"
    ))
    .read_all(db)
    .await?;
    let listed = rows
        .iter()
        .map(|r| {
            Ok(Listed {
                seq: r.try_get("seq")?,
                at_ms: r.try_get("at_ms")?,
                actor: r.try_get::<Option<i64>, _>("actor_id")?.map(UserId::new),
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                summary: crate::data_protection::redact(&r.try_get::<String, _>("summary")?, &redactions),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((listed, u64::try_from(total).unwrap_or(0)))
}

/// Entries with `seq` above `after` and at or after `since_ms`, oldest first, at most `limit`: the export
/// reads the whole log in pages.
pub async fn page_since(db: &Db, after: i64, since_ms: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 AND at_ms >= $2 ORDER BY seq LIMIT $3");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(since_ms)
        .bind(limit)
        .read_all(db)
        .await?
        .iter()
        .map(entry_from_row)
        .collect()
}

/// The newest entry's number and hash, if the log has any.
pub async fn head(db: &Db) -> Result<Option<(i64, String)>, StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").read_optional(db).await?;
    row.map(|r| Ok((r.try_get("seq")?, r.try_get("hash")?))).transpose()
}

/// The stored hash of entry `seq`, if it exists.
pub async fn hash_of(db: &Db, seq: i64) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1").bind(seq).read_optional(db).await?;
    Ok(row.map(|r| r.try_get("hash")).transpose()?)
}

/// Appends an event on its own (a read of sensitive records, a failed sign-in): nothing else changes.
pub async fn append_alone(db: &Db, event: &AuditEvent) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    append(&mut tx, db.dialect(), event).await?;
    tx.commit().await?;
    Ok(())
}
