//! Accounts over their lifetime: the first-run setup of an installation, one-time links (setup,
//! invitation, reset, the second step of signing in), passwords set and changed, two-factor enrolment and
//! recovery codes. Every change is audited in its own transaction; a link is used at most once because
//! using it is a conditional update that only one transaction can win.

use crate::db::SingleRead;
use kindling_domain::accounts::{AccountStatus, LinkPurpose};
use kindling_domain::audit::AuditEvent;
use kindling_domain::ids::{OrganisationId, UserId};
use kindling_domain::people::{Email, Profession, Role};
use sqlx::Row;

use crate::secrets::{random_token, token_hash};
use crate::users::{self, NewUser};
use crate::{Db, StoreError, WriteTx, audit, orgs, sessions};

fn event(
    actor: Option<UserId>,
    organisation: Option<OrganisationId>,
    now_ms: i64,
    action: &str,
    subject: UserId,
    summary: String,
) -> AuditEvent {
    AuditEvent {
        at_ms: now_ms,
        actor,
        organisation,
        action: action.into(),
        subject: format!("user:{subject}"),
        summary,
    }
}

/// A one-time link as found from its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub purpose: LinkPurpose,
    pub user: Option<UserId>,
    pub organisation: Option<OrganisationId>,
    pub expires_ms: i64,
}

/// What a token turns out to be, so each case gets its own page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkCheck {
    Valid(Link),
    Expired,
    Used,
    /// Cancelled by an administrator, or replaced by a newer link.
    Revoked,
    /// Never issued, or for another purpose: tampered or mistyped.
    Unknown,
}

/// Issues a link inside the caller's transaction and returns its token (only the hash is stored).
pub(crate) async fn create_link(
    tx: &mut WriteTx,
    purpose: LinkPurpose,
    user: Option<UserId>,
    organisation: Option<OrganisationId>,
    created_by: Option<UserId>,
    now_ms: i64,
) -> Result<String, StoreError> {
    let token = random_token();
    sqlx::query(
        "INSERT INTO one_time_links (token_hash, purpose, user_id, organisation_id, created_by, created_ms, expires_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash(&token))
    .bind(purpose.slug())
    .bind(user.map(UserId::get))
    .bind(organisation.map(OrganisationId::get))
    .bind(created_by.map(UserId::get))
    .bind(now_ms)
    .bind(now_ms + purpose.valid_for_ms())
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Cancels a person's unused links of one purpose (a new invitation or reset replaces the old one).
pub(crate) async fn revoke_links(
    tx: &mut WriteTx,
    user: UserId,
    purpose: LinkPurpose,
    now_ms: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(
        "UPDATE one_time_links SET revoked_ms = $1
         WHERE user_id = $2 AND purpose = $3 AND used_ms IS NULL AND revoked_ms IS NULL",
    )
    .bind(now_ms)
    .bind(user.get())
    .bind(purpose.slug())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// What a token is, for the purposes given (a setup link also serves as an invitation, and vice versa).
pub async fn check_link(db: &Db, token: &str, purposes: &[LinkPurpose], now_ms: i64) -> Result<LinkCheck, StoreError> {
    let row = sqlx::query(
        "SELECT purpose, user_id, organisation_id, expires_ms, used_ms, revoked_ms FROM one_time_links
         WHERE token_hash = $1",
    )
    .bind(token_hash(token))
    .read_optional(db)
    .await?;
    let Some(row) = row else { return Ok(LinkCheck::Unknown) };
    let purpose: LinkPurpose =
        row.try_get::<String, _>("purpose")?.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?;
    if !purposes.contains(&purpose) {
        return Ok(LinkCheck::Unknown);
    }
    let expires_ms: i64 = row.try_get("expires_ms")?;
    if row.try_get::<Option<i64>, _>("used_ms")?.is_some() {
        return Ok(LinkCheck::Used);
    }
    if row.try_get::<Option<i64>, _>("revoked_ms")?.is_some() {
        return Ok(LinkCheck::Revoked);
    }
    if now_ms >= expires_ms {
        return Ok(LinkCheck::Expired);
    }
    Ok(LinkCheck::Valid(Link {
        purpose,
        user: row.try_get::<Option<i64>, _>("user_id")?.map(UserId::new),
        organisation: row.try_get::<Option<i64>, _>("organisation_id")?.map(OrganisationId::new),
        expires_ms,
    }))
}

/// Marks a link used inside `tx` if it still may be; the winner of two racing requests gets its person.
async fn use_link(
    tx: &mut WriteTx,
    token: &str,
    purposes: &[LinkPurpose],
    now_ms: i64,
) -> Result<Option<(UserId, Option<OrganisationId>, LinkPurpose)>, StoreError> {
    let hash = token_hash(token);
    let row = sqlx::query(
        "SELECT purpose, user_id, organisation_id FROM one_time_links
         WHERE token_hash = $1 AND used_ms IS NULL AND revoked_ms IS NULL AND expires_ms > $2",
    )
    .bind(&hash)
    .bind(now_ms)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let purpose: LinkPurpose =
        row.try_get::<String, _>("purpose")?.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?;
    let Some(user) = row.try_get::<Option<i64>, _>("user_id")?.map(UserId::new) else { return Ok(None) };
    if !purposes.contains(&purpose) {
        return Ok(None);
    }
    let won = sqlx::query("UPDATE one_time_links SET used_ms = $1 WHERE token_hash = $2 AND used_ms IS NULL")
        .bind(now_ms)
        .bind(&hash)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok((won == 1).then(|| {
        (user, row.try_get::<Option<i64>, _>("organisation_id").ok().flatten().map(OrganisationId::new), purpose)
    }))
}

/// Whether the installation has been set up (it holds an organisation).
pub async fn is_set_up(db: &Db) -> Result<bool, StoreError> {
    Ok(orgs::count_organisations(db).await? > 0)
}

/// The first organisation and its first administrator, who is also the hub's administrator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetUp {
    pub organisation: OrganisationId,
    pub admin: UserId,
    /// For the one-time link at which the administrator sets a password (valid a day, once).
    pub token: String,
}

/// What the first administrator is.
#[derive(Clone, Debug)]
pub struct FirstRun<'a> {
    pub organisation: &'a str,
    pub kind: &'a str,
    pub admin_email: &'a Email,
    pub admin_name: &'a str,
}

/// Sets up an empty installation; `None` (and nothing changed) if it is set up already.
pub async fn setup(db: &Db, first: &FirstRun<'_>, now_ms: i64) -> Result<Option<SetUp>, StoreError> {
    let mut tx = db.write().await?;
    if db.dialect() == crate::Dialect::Postgres {
        // Two nodes (or a node and the command) setting up at once: one waits for the other, then sees it.
        sqlx::query("SELECT pg_advisory_xact_lock(4201, 2)").execute(&mut *tx).await?;
    }
    let existing: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM organisations").fetch_one(&mut *tx).await?.try_get("n")?;
    if existing > 0 {
        return Ok(None);
    }
    let organisation = orgs::create_organisation(&mut tx, first.organisation, first.kind, now_ms).await?;
    let new = NewUser {
        email: first.admin_email,
        name: first.admin_name,
        profession: Profession::Manager,
        unit: None,
        site: None,
        password_hash: "",
        status: AccountStatus::Invited,
    };
    let admin = users::create(&mut tx, &new, now_ms).await?;
    users::grant_role(&mut tx, admin, organisation, Role::Admin).await?;
    sqlx::query("UPDATE users SET hub_admin = 1 WHERE id = $1").bind(admin.get()).execute(&mut *tx).await?;
    let token = create_link(&mut tx, LinkPurpose::Setup, Some(admin), Some(organisation), None, now_ms).await?;
    let summary =
        format!("Kindling set up: {} ({}), first administrator {}", first.organisation, first.kind, first.admin_email);
    audit::append(&mut tx, db.dialect(), &event(None, Some(organisation), now_ms, "hub.set_up", admin, summary))
        .await?;
    tx.commit().await?;
    Ok(Some(SetUp { organisation, admin, token }))
}

/// Sets a password through a setup, invitation or reset link, once: an invited person becomes active,
/// and every session the person had ends (after a reset, whoever knew the old password is signed out).
/// `None` when the link cannot be used (any more).
pub async fn set_password_with_link(
    db: &Db,
    token: &str,
    password_hash: &str,
    now_ms: i64,
) -> Result<Option<UserId>, StoreError> {
    let mut tx = db.write().await?;
    let purposes = [LinkPurpose::Setup, LinkPurpose::Invitation, LinkPurpose::Reset];
    let Some((user, organisation, purpose)) = use_link(&mut tx, token, &purposes, now_ms).await? else {
        return Ok(None);
    };
    let changed = sqlx::query(
        "UPDATE users SET password_hash = $1,
                          status = CASE WHEN status = 'invited' THEN 'active' ELSE status END,
                          status_changed_ms = CASE WHEN status = 'invited' THEN $2 ELSE status_changed_ms END
         WHERE id = $3 AND status <> 'deactivated'",
    )
    .bind(password_hash)
    .bind(now_ms)
    .bind(user.get())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    let ended = sessions::end_all_in(&mut tx, user, None).await?;
    let summary = match purpose {
        LinkPurpose::Reset => format!("Password reset by email link; {ended} session(s) ended"),
        _ => "Password chosen; account active".to_owned(),
    };
    let action = if purpose == LinkPurpose::Reset { "account.password_reset" } else { "account.activated" };
    audit::append(&mut tx, db.dialect(), &event(Some(user), organisation, now_ms, action, user, summary)).await?;
    tx.commit().await?;
    Ok(Some(user))
}

/// A reset link for an active person, replacing any earlier one; `None` for an unknown, invited or
/// deactivated address (the caller answers the same either way).
pub async fn request_reset(db: &Db, email: &Email, now_ms: i64) -> Result<Option<(users::User, String)>, StoreError> {
    let Some(user) = users::find_by_email(db, email).await? else { return Ok(None) };
    if user.status != AccountStatus::Active {
        return Ok(None);
    }
    let mut tx = db.write().await?;
    revoke_links(&mut tx, user.id, LinkPurpose::Reset, now_ms).await?;
    let token = create_link(&mut tx, LinkPurpose::Reset, Some(user.id), user.home_organisation(), None, now_ms).await?;
    let e = event(
        None,
        user.home_organisation(),
        now_ms,
        "account.reset_requested",
        user.id,
        "Password reset link sent".into(),
    );
    audit::append(&mut tx, db.dialect(), &e).await?;
    tx.commit().await?;
    Ok(Some((user, token)))
}

/// The stored password hash of a person (for checking the current password before a change).
pub async fn password_hash(db: &Db, user: UserId) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1").bind(user.get()).read_optional(db).await?;
    Ok(row.map(|r| r.try_get("password_hash")).transpose()?)
}

/// A person changes their own password: every other session of theirs ends.
pub async fn change_password(
    db: &Db,
    user: UserId,
    organisation: Option<OrganisationId>,
    password_hash: &str,
    keep_session: &str,
    now_ms: i64,
) -> Result<u64, StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user.get())
        .execute(&mut *tx)
        .await?;
    let ended = sessions::end_all_in(&mut tx, user, Some(keep_session)).await?;
    let summary = format!("Password changed; {ended} other session(s) ended");
    audit::append(
        &mut tx,
        db.dialect(),
        &event(Some(user), organisation, now_ms, "account.password_changed", user, summary),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Starts the second step of signing in for a person whose password was right: a short-lived token for
/// the code form.
pub async fn start_second_factor(db: &Db, user: UserId, now_ms: i64) -> Result<String, StoreError> {
    let mut tx = db.write().await?;
    let token = create_link(&mut tx, LinkPurpose::SecondFactor, Some(user), None, None, now_ms).await?;
    tx.commit().await?;
    Ok(token)
}

/// The person waiting at the second step, if the token is still good.
pub async fn second_factor_user(db: &Db, token: &str, now_ms: i64) -> Result<Option<UserId>, StoreError> {
    Ok(match check_link(db, token, &[LinkPurpose::SecondFactor], now_ms).await? {
        LinkCheck::Valid(link) => link.user,
        _ => None,
    })
}

/// Ends the second step (the code was right): the token cannot be used again.
pub async fn finish_second_factor(db: &Db, token: &str, now_ms: i64) -> Result<Option<UserId>, StoreError> {
    let mut tx = db.write().await?;
    let user = use_link(&mut tx, token, &[LinkPurpose::SecondFactor], now_ms).await?.map(|(user, _, _)| user);
    tx.commit().await?;
    Ok(user)
}

/// A person's authenticator secret and the last step a code was accepted for.
pub async fn totp_secret(db: &Db, user: UserId) -> Result<Option<(String, Option<i64>)>, StoreError> {
    let row =
        sqlx::query("SELECT totp_secret, totp_last_step FROM users WHERE id = $1 AND totp_enrolled_ms IS NOT NULL")
            .bind(user.get())
            .read_optional(db)
            .await?;
    row.map(|r| Ok((r.try_get("totp_secret")?, r.try_get("totp_last_step")?))).transpose()
}

/// Records that a code for `step` was used, if no later step was: false when the code was replayed by a
/// concurrent request.
pub async fn accept_totp_step(db: &Db, user: UserId, step: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(user.get())
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Enrols an authenticator (the person typed a right code for `secret`) and replaces the recovery codes
/// with the hashes given.
pub async fn enrol_totp(
    db: &Db,
    user: UserId,
    organisation: Option<OrganisationId>,
    secret_base32: &str,
    step: i64,
    recovery_hashes: &[String],
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE users SET totp_secret = $1, totp_enrolled_ms = $2, totp_last_step = $3 WHERE id = $4")
        .bind(secret_base32)
        .bind(now_ms)
        .bind(step)
        .bind(user.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.get()).execute(&mut *tx).await?;
    for hash in recovery_hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.get())
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    let summary = format!("Two-factor sign-in set up with {} recovery codes", recovery_hashes.len());
    audit::append(
        &mut tx,
        db.dialect(),
        &event(Some(user), organisation, now_ms, "account.two_factor_enrolled", user, summary),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a person's authenticator and recovery codes (they set it up again at next sign-in if their
/// organisation requires it). `by` is the person or an administrator.
pub async fn remove_totp(
    db: &Db,
    user: UserId,
    by: UserId,
    organisation: Option<OrganisationId>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE users SET totp_secret = NULL, totp_enrolled_ms = NULL, totp_last_step = NULL WHERE id = $1")
        .bind(user.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.get()).execute(&mut *tx).await?;
    let e =
        event(Some(by), organisation, now_ms, "account.two_factor_removed", user, "Two-factor sign-in removed".into());
    audit::append(&mut tx, db.dialect(), &e).await?;
    tx.commit().await?;
    Ok(())
}

/// Uses one recovery code (by its hash); false if it is not one of the person's unused codes.
pub async fn use_recovery_code(db: &Db, user: UserId, code_hash: &str, now_ms: i64) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done =
        sqlx::query("UPDATE recovery_codes SET used_ms = $1 WHERE user_id = $2 AND code_hash = $3 AND used_ms IS NULL")
            .bind(now_ms)
            .bind(user.get())
            .bind(code_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if done == 1 {
        let e = event(
            Some(user),
            None,
            now_ms,
            "account.recovery_code_used",
            user,
            "Signed in with a recovery code".into(),
        );
        audit::append(&mut tx, db.dialect(), &e).await?;
    }
    tx.commit().await?;
    Ok(done == 1)
}

/// How many unused recovery codes a person has left.
pub async fn recovery_codes_left(db: &Db, user: UserId) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_ms IS NULL")
        .bind(user.get())
        .read_one(db)
        .await?
        .try_get("n")?)
}

/// Stores a new random token's hash: what recovery codes are kept as.
pub fn code_hash(normalised: &str) -> String {
    token_hash(normalised)
}

/// A fresh random token, for callers that need one without storing it (a PKCE verifier, a nonce).
pub fn fresh_token() -> String {
    random_token()
}
