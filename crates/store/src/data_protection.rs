//! Data protection (UK GDPR): everything held about a person, for a subject access request; anonymising a
//! leaver; and the retention schedule applied by a job that runs once an hour across all nodes.
//!
//! Anonymising replaces the person's name and email everywhere they are stored as the person's own data
//! (their account, their mentoring enrolments) with a pseudonym, ends everything they could sign in with,
//! and deletes their notifications. The audit log is not rewritten, so its chain (and its anchors) still
//! verify: instead the name and email are recorded as redactions, and every view of the log (the page,
//! the CSV) shows the pseudonym in their place. The stored entries keep them for as long as the audit
//! trail itself is kept, which the law allows for records needed to defend decisions (Article 17(3)).

use crate::db::SingleRead;
use kindling_domain::audit::AuditEvent;
use kindling_domain::ids::{OrganisationId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

use crate::{Actor, Db, StoreError, audit};

/// One kind of record held about the person, as rows of (field, value).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Section {
    pub name: &'static str,
    pub rows: Vec<Vec<(String, String)>>,
}

/// Every kind of record, with the query that finds the person's rows: `$1` is the person, `$2` the
/// organisation asking.
const SECTIONS: &[(&str, &str)] = &[
    (
        "account",
        "SELECT id, email, name, profession, status, site_id, created_ms, status_changed_ms, totp_enrolled_ms, digest FROM users WHERE id = $1 AND $2 = $2",
    ),
    ("roles", "SELECT organisation_id, role FROM memberships WHERE user_id = $1 AND organisation_id = $2"),
    ("sessions", "SELECT device, place, method, created_ms, last_used_ms FROM sessions WHERE user_id = $1 AND $2 = $2"),
    (
        "api_tokens",
        "SELECT label, scope, created_ms, expires_ms, last_used_ms, revoked_ms FROM api_tokens WHERE user_id = $1 AND $2 = $2",
    ),
    ("single_sign_on", "SELECT issuer, subject, linked_ms FROM sso_identities WHERE user_id = $1 AND $2 = $2"),
    (
        "initiatives_submitted",
        "SELECT id, title, stage, created_ms FROM initiatives WHERE submitter_id = $1 AND organisation_id = $2",
    ),
    (
        "initiative_teams",
        "SELECT t.initiative_id, t.team_role FROM team_members t JOIN initiatives i ON i.id = t.initiative_id WHERE t.user_id = $1 AND i.organisation_id = $2",
    ),
    (
        "comments",
        "SELECT c.initiative_id, c.body, c.at_ms FROM comments c JOIN initiatives i ON i.id = c.initiative_id WHERE c.author_id = $1 AND i.organisation_id = $2",
    ),
    (
        "stage_changes",
        "SELECT s.initiative_id, s.from_stage, s.to_stage, s.reason, s.at_ms FROM stage_changes s JOIN initiatives i ON i.id = s.initiative_id WHERE s.actor_id = $1 AND i.organisation_id = $2",
    ),
    (
        "notifications",
        "SELECT kind, summary, created_ms, read_ms FROM notifications WHERE user_id = $1 AND organisation_id = $2",
    ),
    (
        "mentoring_enrolments",
        "SELECT p.programme_id, p.side, p.reference, p.name, p.email, p.profession, p.grade, p.site, p.unit, p.enrolled_ms FROM participants p JOIN programmes g ON g.id = p.programme_id WHERE p.user_id = $1 AND g.organisation_id = $2",
    ),
    // Spaces are the hub's, not one organisation's: the person's own part in them is theirs wherever it is.
    (
        "space_memberships",
        "SELECT m.space_id, s.title, m.joined_ms FROM space_members m JOIN spaces s ON s.id = m.space_id WHERE m.user_id = $1 AND $2 = $2",
    ),
    (
        "space_outputs",
        "SELECT o.space_id, o.stage, o.body, o.created_ms FROM space_outputs o WHERE o.author_id = $1 AND $2 = $2",
    ),
    ("space_teams", "SELECT t.space_id, t.team FROM space_teams t WHERE t.user_id = $1 AND $2 = $2"),
    (
        "space_partnerships",
        "SELECT p.space_id, s.title, p.name, p.joined_ms FROM space_partners p JOIN spaces s ON s.id = p.space_id WHERE p.user_id = $1 AND $2 = $2",
    ),
    (
        "audit_entries",
        "SELECT seq, at_ms, action, subject, summary FROM audit_log WHERE (actor_id = $1 OR subject = 'user:' || $1) AND (organisation_id = $2 OR organisation_id IS NULL) ORDER BY seq",
    ),
];

/// A column's value as text, whatever its type.
fn text(row: &AnyRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map(|v| v.to_string()).unwrap_or_default();
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map(|v| v.to_string()).unwrap_or_default();
    }
    row.try_get::<Option<String>, _>(i).ok().flatten().unwrap_or_default()
}

/// Everything held about a member of `organisation`, section by section; `None` for anyone else.
pub async fn subject_access(
    db: &Db,
    organisation: OrganisationId,
    user: UserId,
) -> Result<Option<Vec<Section>>, StoreError> {
    let member: i64 = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE user_id = $1 AND organisation_id = $2")
        .bind(user.get())
        .bind(organisation.get())
        .read_one(db)
        .await?
        .try_get("n")?;
    if member == 0 {
        return Ok(None);
    }
    let mut sections = Vec::new();
    for (name, sql) in SECTIONS {
        let rows =
            sqlx::query(sqlx::AssertSqlSafe(*sql)).bind(user.get()).bind(organisation.get()).read_all(db).await?;
        let rows = rows
            .iter()
            .map(|row| row.columns().iter().enumerate().map(|(i, c)| (c.name().to_owned(), text(row, i))).collect())
            .collect();
        sections.push(Section { name, rows });
    }
    Ok(Some(sections))
}

/// The pseudonym an anonymised person is shown as.
pub fn pseudonym(user: UserId) -> String {
    format!("Former member {user}")
}

/// Anonymises a deactivated member: `false` if they are not a deactivated member of the organisation.
pub async fn anonymise(db: &Db, by: Actor, user: UserId) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let row = sqlx::query(
        "SELECT u.name, u.email FROM users u WHERE u.id = $1 AND u.status = 'deactivated'
         AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organisation_id = $2)",
    )
    .bind(user.get())
    .bind(by.organisation.get())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(false) };
    let (name, email): (String, String) = (row.try_get("name")?, row.try_get("email")?);
    let pseudonym = pseudonym(user);
    let new_email = format!("former-member-{user}@anonymised.invalid");
    for (original, replacement) in [(&name, &pseudonym), (&email, &new_email)] {
        sqlx::query(
            "INSERT INTO redactions (original, replacement, created_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(original)
        .bind(replacement)
        .bind(by.now_ms)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE users SET name = $1, email = $2, password_hash = '', site_id = NULL, unit_id = NULL, totp_secret = NULL,
         totp_enrolled_ms = NULL, totp_last_step = NULL, digest = 'off' WHERE id = $3",
    )
    .bind(&pseudonym)
    .bind(&new_email)
    .bind(user.get())
    .execute(&mut *tx)
    .await?;
    for sql in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM recovery_codes WHERE user_id = $1",
        "DELETE FROM sso_identities WHERE user_id = $1",
        "DELETE FROM one_time_links WHERE user_id = $1",
        "DELETE FROM notifications WHERE user_id = $1",
        "UPDATE api_tokens SET label = 'anonymised' WHERE user_id = $1",
    ] {
        sqlx::query(sql).bind(user.get()).execute(&mut *tx).await?;
    }
    for sql in [
        "UPDATE participants SET name = $1, email = NULL WHERE user_id = $2",
        // A patient partner's chosen name in the spaces where they had an account.
        "UPDATE space_partners SET name = $1 WHERE user_id = $2",
    ] {
        sqlx::query(sql).bind(&pseudonym).bind(user.get()).execute(&mut *tx).await?;
    }
    sqlx::query("DELETE FROM known_devices WHERE account = $1").bind(&email).execute(&mut *tx).await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "people.anonymised",
        format!("user:{user}"),
        format!("Anonymised as {pseudonym}"),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Every redaction, longest original first (so a full name is replaced before a part of it could be).
pub async fn redactions(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    let mut all: Vec<(String, String)> = sqlx::query("SELECT original, replacement FROM redactions")
        .read_all(db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("original")?, r.try_get("replacement")?)))
        .collect::<Result<_, StoreError>>()?;
    all.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
    Ok(all)
}

/// `text` with every redacted name and email replaced.
pub fn redact(text: &str, redactions: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (original, replacement) in redactions {
        if !original.is_empty() && out.contains(original.as_str()) {
            out = out.replace(original.as_str(), replacement);
        }
    }
    out
}

/// How long things are kept, in days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Read notifications (unread ones are kept until read, then this long).
    pub notifications_days: i64,
    /// The free text of public feedback (the rating stays: it feeds the measure).
    pub feedback_text_days: i64,
    /// Sign-in attempts and expired one-time links, sessions and sign-ins in flight.
    pub sign_in_records_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Self { notifications_days: 365, feedback_text_days: 730, sign_in_records_days: 30 }
    }
}

/// What one run of the schedule removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Applied {
    pub notifications: u64,
    pub feedback_texts: u64,
    pub sessions: u64,
    pub sign_in_records: u64,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// How often the schedule runs, at most, across every node.
pub const RETENTION_EVERY_MS: i64 = 60 * 60 * 1000;

/// Applies the schedule if no node has in the last hour: a lease in the settings table, taken with a
/// conditional update, lets exactly one of several nodes run it. `None` if another node has the lease.
pub async fn apply_retention(db: &Db, retention: Retention, now_ms: i64) -> Result<Option<Applied>, StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO settings (key, value) VALUES ('retention.last_run_ms', '0') ON CONFLICT (key) DO NOTHING")
        .execute(&mut *tx)
        .await?;
    let last: String = sqlx::query("SELECT value FROM settings WHERE key = 'retention.last_run_ms'")
        .fetch_one(&mut *tx)
        .await?
        .try_get("value")?;
    let won = sqlx::query("UPDATE settings SET value = $1 WHERE key = 'retention.last_run_ms' AND value = $2")
        .bind(now_ms.to_string())
        .bind(&last)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if won != 1 || last.parse::<i64>().is_ok_and(|l| now_ms - l < RETENTION_EVERY_MS) {
        return Ok(None);
    }
    let notifications = sqlx::query("DELETE FROM notifications WHERE read_ms IS NOT NULL AND read_ms < $1")
        .bind(now_ms - retention.notifications_days * DAY_MS)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let feedback_texts =
        sqlx::query("UPDATE feedback SET comment = NULL WHERE comment IS NOT NULL AND received_ms < $1")
            .bind(now_ms - retention.feedback_text_days * DAY_MS)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1")
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let mut applied = Applied { notifications, feedback_texts, sessions, sign_in_records: 0 };
    let records = now_ms - retention.sign_in_records_days * DAY_MS;
    for sql in [
        "DELETE FROM login_attempts WHERE at_ms < $1",
        "DELETE FROM one_time_links WHERE expires_ms < $1",
        "DELETE FROM sso_pending WHERE expires_ms < $1",
    ] {
        applied.sign_in_records += sqlx::query(sql).bind(records).execute(&mut *tx).await?.rows_affected();
    }
    let event = AuditEvent {
        at_ms: now_ms,
        actor: None,
        organisation: None,
        action: "retention.applied".into(),
        subject: "hub".into(),
        summary: format!(
            "Retention schedule: {} read notifications, {} feedback texts, {} sessions and {} sign-in records removed",
            applied.notifications, applied.feedback_texts, applied.sessions, applied.sign_in_records
        ),
    };
    audit::append(&mut tx, db.dialect(), &event).await?;
    tx.commit().await?;
    Ok(Some(applied))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_replaces_every_occurrence_longest_first() {
        let r = vec![
            ("Priya Shah".to_owned(), "Former member 7".to_owned()),
            ("priya@x.nhs.uk".to_owned(), "former-member-7@anonymised.invalid".to_owned()),
        ];
        assert_eq!(
            redact("Invited Priya Shah (priya@x.nhs.uk); Priya Shah accepted", &r),
            "Invited Former member 7 (former-member-7@anonymised.invalid); Former member 7 accepted"
        );
        assert_eq!(redact("nothing here", &r), "nothing here");
    }
}
