//! People as an organisation's administrators manage them: the searchable list, invitations (with their
//! one-time links), the people file applied all at once, roles, deactivation and reactivation.
//!
//! Every function takes the organisation through an [`Actor`] and touches only its members, so an
//! administrator of one organisation can never change a person of another. The last active administrator
//! of an organisation can be neither demoted nor deactivated: the check runs inside the transaction that
//! would make the change.

use crate::db::SingleRead;
use kindling_domain::accounts::{AccountStatus, LinkPurpose};
use kindling_domain::ids::{OrganisationId, SiteId, UserId};
use kindling_domain::paging::Page;
use kindling_domain::people::{Email, Profession, Role};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

use crate::accounts::{create_link, revoke_links};
use crate::users::{self, NewUser};
use crate::{Actor, Db, StoreError, WriteTx, audit, sessions};

/// A person in the administrators' list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub profession: Profession,
    pub roles: Vec<Role>,
    pub site: Option<String>,
    pub status: AccountStatus,
    pub two_factor: bool,
}

/// What the list is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Part of a name or email address.
    pub query: Option<String>,
    pub role: Option<Role>,
    pub site: Option<SiteId>,
    pub status: Option<AccountStatus>,
}

/// The organisation's people matching `filter`, by name, one page at a time, with the total.
pub async fn list(
    db: &Db,
    organisation: OrganisationId,
    filter: &Filter,
    page: Page,
) -> Result<(Vec<Member>, u64), StoreError> {
    // Fixed fragments only; every value is a bind parameter.
    let mut conditions =
        vec!["EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organisation_id = $1)".to_owned()];
    let mut next = 2;
    let mut binds: Vec<String> = Vec::new();
    if let Some(query) = filter.query.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // The backslash escapes LIKE's wildcards in what was typed; both databases take it when told.
        conditions.push(format!("(LOWER(u.name) LIKE ${next} ESCAPE '\\' OR LOWER(u.email) LIKE ${next} ESCAPE '\\')"));
        let escaped = query.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        binds.push(format!("%{escaped}%"));
        next += 1;
    }
    if let Some(role) = filter.role {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM memberships r WHERE r.user_id = u.id AND r.organisation_id = $1 AND r.role = ${next})"
        ));
        binds.push(role.slug().to_owned());
        next += 1;
    }
    if let Some(status) = filter.status {
        conditions.push(format!("u.status = ${next}"));
        binds.push(status.slug().to_owned());
        next += 1;
    }
    if filter.site.is_some() {
        conditions.push(format!("u.site_id = ${next}"));
    }
    let where_clause = conditions.join(" AND ");
    let bind = |sql: String| {
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(organisation.get());
        for value in &binds {
            query = query.bind(value.clone());
        }
        if let Some(site) = filter.site {
            query = query.bind(site.get());
        }
        query
    };
    let total: i64 =
        bind(format!("SELECT COUNT(*) AS n FROM users u WHERE {where_clause}")).read_one(db).await?.try_get("n")?;
    let rows = bind(format!(
        "SELECT u.id, u.name, u.email, u.profession, u.status, u.totp_enrolled_ms, s.name AS site_name
         FROM users u LEFT JOIN sites s ON s.id = u.site_id
         WHERE {where_clause} ORDER BY LOWER(u.name), u.id LIMIT {} OFFSET {}",
        page.per_page(),
        page.offset()
    ))
    .read_all(db)
    .await?;
    let mut members = Vec::with_capacity(rows.len());
    for row in &rows {
        let id = UserId::new(row.try_get("id")?);
        members.push(Member {
            id,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            profession: parse(&row.try_get::<String, _>("profession")?)?,
            roles: roles_in(db, id, organisation).await?,
            site: row.try_get("site_name")?,
            status: parse(&row.try_get::<String, _>("status")?)?,
            two_factor: row.try_get::<Option<i64>, _>("totp_enrolled_ms")?.is_some(),
        });
    }
    Ok((members, u64::try_from(total).unwrap_or(0)))
}

fn parse<T: std::str::FromStr>(raw: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e: T::Err| StoreError::Corrupt(e.to_string()))
}

async fn roles_in(db: &Db, user: UserId, organisation: OrganisationId) -> Result<Vec<Role>, StoreError> {
    let rows = sqlx::query("SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2 ORDER BY role")
        .bind(user.get())
        .bind(organisation.get())
        .read_all(db)
        .await?;
    let mut roles = rows.iter().map(|r| parse(&r.try_get::<String, _>("role")?)).collect::<Result<Vec<Role>, _>>()?;
    roles.sort();
    Ok(roles)
}

/// One member of the organisation, or `None` for anyone else (another organisation's person is not found).
pub async fn member(db: &Db, organisation: OrganisationId, user: UserId) -> Result<Option<Member>, StoreError> {
    let Some(person) = users::get(db, user).await? else { return Ok(None) };
    if !person.is_member_of(organisation) {
        return Ok(None);
    }
    let site = match person.site {
        Some(site) => sqlx::query("SELECT name FROM sites WHERE id = $1 AND organisation_id = $2")
            .bind(site.get())
            .bind(organisation.get())
            .read_optional(db)
            .await?
            .map(|r| r.try_get("name"))
            .transpose()?,
        None => None,
    };
    Ok(Some(Member {
        id: person.id,
        name: person.name.clone(),
        email: person.email.clone(),
        profession: person.profession,
        roles: person.roles_in(organisation),
        site,
        status: person.status,
        two_factor: person.two_factor,
    }))
}

/// Someone to invite or update.
#[derive(Clone, Debug)]
pub struct Invitee {
    pub email: Email,
    pub name: String,
    pub profession: Profession,
    pub roles: Vec<Role>,
    pub site: Option<SiteId>,
}

/// What inviting someone did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invited {
    /// A new account: the token of its one-time link, to send by email.
    New { user: UserId, token: String },
    /// A person with an account elsewhere in the hub joined this organisation; they sign in as before.
    Joined { user: UserId },
}

/// Invites a person to the organisation. Refused with a conflict if they are already a member.
pub async fn invite(db: &Db, by: Actor, invitee: &Invitee) -> Result<Invited, StoreError> {
    let mut tx = db.write().await?;
    let outcome = invite_in(&mut tx, db, by, invitee).await?;
    tx.commit().await?;
    Ok(outcome)
}

pub(crate) async fn invite_in(tx: &mut WriteTx, db: &Db, by: Actor, invitee: &Invitee) -> Result<Invited, StoreError> {
    let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(invitee.email.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get::<i64, _>("id"))
        .transpose()?
        .map(UserId::new);
    let outcome = match existing {
        Some(user) => {
            let member: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE user_id = $1 AND organisation_id = $2")
                    .bind(user.get())
                    .bind(by.organisation.get())
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("n")?;
            if member > 0 {
                return Err(StoreError::Conflict(format!(
                    "{} is already a member of this organisation",
                    invitee.email
                )));
            }
            Invited::Joined { user }
        }
        None => {
            let new = NewUser {
                email: &invitee.email,
                name: &invitee.name,
                profession: invitee.profession,
                unit: None,
                site: invitee.site,
                password_hash: "",
                status: AccountStatus::Invited,
            };
            let user = users::create(tx, &new, by.now_ms).await?;
            let token =
                create_link(tx, LinkPurpose::Invitation, Some(user), Some(by.organisation), Some(by.user), by.now_ms)
                    .await?;
            Invited::New { user, token }
        }
    };
    let user = match &outcome {
        Invited::New { user, .. } | Invited::Joined { user } => *user,
    };
    for role in &invitee.roles {
        users::grant_role(tx, user, by.organisation, *role).await?;
    }
    let roles: Vec<&str> = invitee.roles.iter().map(|r| r.slug()).collect();
    let summary = format!("Invited {} ({}) as {}", invitee.name, invitee.email, roles.join(", "));
    audit::record(tx, db.dialect(), by, "people.invited", format!("user:{user}"), summary).await?;
    Ok(outcome)
}

/// A new invitation link for someone still invited (the old one stops working).
pub async fn resend_invitation(db: &Db, by: Actor, user: UserId) -> Result<Option<String>, StoreError> {
    let mut tx = db.write().await?;
    if !is_member_in(&mut tx, by.organisation, user).await?
        || status_in(&mut tx, user).await? != Some(AccountStatus::Invited)
    {
        return Ok(None);
    }
    revoke_links(&mut tx, user, LinkPurpose::Invitation, by.now_ms).await?;
    revoke_links(&mut tx, user, LinkPurpose::Setup, by.now_ms).await?;
    let token =
        create_link(&mut tx, LinkPurpose::Invitation, Some(user), Some(by.organisation), Some(by.user), by.now_ms)
            .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "people.invitation_resent",
        format!("user:{user}"),
        "Invitation sent again".into(),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Withdraws an invitation: the link stops working and the person leaves the organisation's list.
pub async fn revoke_invitation(db: &Db, by: Actor, user: UserId) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    if !is_member_in(&mut tx, by.organisation, user).await?
        || status_in(&mut tx, user).await? != Some(AccountStatus::Invited)
    {
        return Ok(false);
    }
    revoke_links(&mut tx, user, LinkPurpose::Invitation, by.now_ms).await?;
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2")
        .bind(user.get())
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "people.invitation_revoked",
        format!("user:{user}"),
        "Invitation withdrawn".into(),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

async fn is_member_in(tx: &mut WriteTx, organisation: OrganisationId, user: UserId) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE user_id = $1 AND organisation_id = $2")
        .bind(user.get())
        .bind(organisation.get())
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
    Ok(n > 0)
}

async fn status_in(tx: &mut WriteTx, user: UserId) -> Result<Option<AccountStatus>, StoreError> {
    sqlx::query("SELECT status FROM users WHERE id = $1")
        .bind(user.get())
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| parse(&r.try_get::<String, _>("status")?))
        .transpose()
}

/// How many active administrators the organisation has besides `except`.
async fn other_active_admins(
    tx: &mut WriteTx,
    organisation: OrganisationId,
    except: UserId,
) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.organisation_id = $1 AND m.role = 'admin' AND u.status = 'active' AND u.id <> $2",
    )
    .bind(organisation.get())
    .bind(except.get())
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?)
}

const LAST_ADMIN: &str =
    "This is the organisation's last active administrator. Make someone else an administrator first.";

/// Replaces a member's roles in the organisation. Refused (a conflict) if it would leave no active
/// administrator; `false` if the person is not a member.
pub async fn set_roles(db: &Db, by: Actor, user: UserId, roles: &[Role]) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    lock_organisation(&mut tx, db, by.organisation).await?;
    if !is_member_in(&mut tx, by.organisation, user).await? {
        return Ok(false);
    }
    if !roles.contains(&Role::Admin) && other_active_admins(&mut tx, by.organisation, user).await? == 0 {
        let was_admin: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.user_id = $1 AND m.organisation_id = $2 AND m.role = 'admin' AND u.status = 'active'",
        )
        .bind(user.get())
        .bind(by.organisation.get())
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if was_admin > 0 {
            return Err(StoreError::Conflict(LAST_ADMIN.into()));
        }
    }
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2")
        .bind(user.get())
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?;
    for role in roles {
        users::grant_role(&mut tx, user, by.organisation, *role).await?;
    }
    let names: Vec<&str> = roles.iter().map(|r| r.slug()).collect();
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "people.roles_changed",
        format!("user:{user}"),
        format!("Roles set to {}", names.join(", ")),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Serialises the last-administrator checks of one organisation on PostgreSQL (SQLite's single writer
/// already does): two administrators demoting each other at once cannot both succeed.
async fn lock_organisation(tx: &mut WriteTx, db: &Db, organisation: OrganisationId) -> Result<(), StoreError> {
    if db.dialect() == crate::Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(4202, $1::int)").bind(organisation.get()).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Deactivates a member: every session and API token of theirs ends at once; their name stays on what
/// they did. Refused for the last active administrator; `false` if not a member.
pub async fn deactivate(db: &Db, by: Actor, user: UserId) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    lock_organisation(&mut tx, db, by.organisation).await?;
    if !is_member_in(&mut tx, by.organisation, user).await? {
        return Ok(false);
    }
    let is_admin = users_roles_in(&mut tx, user, by.organisation).await?.contains(&Role::Admin);
    if is_admin && other_active_admins(&mut tx, by.organisation, user).await? == 0 {
        return Err(StoreError::Conflict(LAST_ADMIN.into()));
    }
    sqlx::query("UPDATE users SET status = 'deactivated', status_changed_ms = $1 WHERE id = $2")
        .bind(by.now_ms)
        .bind(user.get())
        .execute(&mut *tx)
        .await?;
    let sessions = sessions::end_all_in(&mut tx, user, None).await?;
    let tokens = sqlx::query("UPDATE api_tokens SET revoked_ms = $1 WHERE user_id = $2 AND revoked_ms IS NULL")
        .bind(by.now_ms)
        .bind(user.get())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    for purpose in [LinkPurpose::Invitation, LinkPurpose::Reset, LinkPurpose::Setup] {
        revoke_links(&mut tx, user, purpose, by.now_ms).await?;
    }
    let summary = format!("Deactivated; {sessions} session(s) and {tokens} API token(s) ended");
    audit::record(&mut tx, db.dialect(), by, "people.deactivated", format!("user:{user}"), summary).await?;
    tx.commit().await?;
    Ok(true)
}

async fn users_roles_in(tx: &mut WriteTx, user: UserId, organisation: OrganisationId) -> Result<Vec<Role>, StoreError> {
    sqlx::query("SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2")
        .bind(user.get())
        .bind(organisation.get())
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| parse(&r.try_get::<String, _>("role")?))
        .collect()
}

/// Reactivates a deactivated member: they sign in again with their password (their tokens stay revoked).
pub async fn reactivate(db: &Db, by: Actor, user: UserId) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    if !is_member_in(&mut tx, by.organisation, user).await?
        || status_in(&mut tx, user).await? != Some(AccountStatus::Deactivated)
    {
        return Ok(false);
    }
    // Someone deactivated before choosing a password goes back to being invited.
    sqlx::query(
        "UPDATE users SET status = CASE WHEN password_hash = '' THEN 'invited' ELSE 'active' END, status_changed_ms = $1
         WHERE id = $2",
    )
    .bind(by.now_ms)
    .bind(user.get())
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, db.dialect(), by, "people.reactivated", format!("user:{user}"), "Reactivated".into())
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Ends every session of a member (an administrator's action); returns how many.
pub async fn end_sessions(db: &Db, by: Actor, user: UserId) -> Result<Option<u64>, StoreError> {
    let mut tx = db.write().await?;
    if !is_member_in(&mut tx, by.organisation, user).await? {
        return Ok(None);
    }
    let ended = sessions::end_all_in(&mut tx, user, None).await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "people.sessions_ended",
        format!("user:{user}"),
        format!("{ended} session(s) ended by an administrator"),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(ended))
}

/// What applying a people file did: the new accounts (to email) and how many members were updated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub invited: Vec<(Email, String, String)>,
    pub joined: usize,
    pub updated: usize,
}

/// Applies a checked people file in one transaction: members already in the organisation get the file's
/// name, profession, roles and site; everyone else is invited. All or nothing; a row that would leave no
/// active administrator fails the whole file.
pub async fn apply_file(db: &Db, by: Actor, rows: &[Invitee]) -> Result<Applied, StoreError> {
    let mut tx = db.write().await?;
    lock_organisation(&mut tx, db, by.organisation).await?;
    let mut applied = Applied::default();
    for row in rows {
        let existing = sqlx::query(
            "SELECT u.id FROM users u WHERE u.email = $1
             AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organisation_id = $2)",
        )
        .bind(row.email.as_str())
        .bind(by.organisation.get())
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get::<i64, _>("id"))
        .transpose()?
        .map(UserId::new);
        match existing {
            Some(user) => {
                sqlx::query("UPDATE users SET name = $1, profession = $2, site_id = $3 WHERE id = $4")
                    .bind(&row.name)
                    .bind(row.profession.slug())
                    .bind(row.site.map(SiteId::get))
                    .bind(user.get())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2")
                    .bind(user.get())
                    .bind(by.organisation.get())
                    .execute(&mut *tx)
                    .await?;
                for role in &row.roles {
                    users::grant_role(&mut tx, user, by.organisation, *role).await?;
                }
                let names: Vec<&str> = row.roles.iter().map(|r| r.slug()).collect();
                audit::record(
                    &mut tx,
                    db.dialect(),
                    by,
                    "people.updated",
                    format!("user:{user}"),
                    format!("Updated from a people file: {}", names.join(", ")),
                )
                .await?;
                applied.updated += 1;
            }
            None => match invite_in(&mut tx, db, by, row).await? {
                Invited::New { token, .. } => applied.invited.push((row.email.clone(), row.name.clone(), token)),
                Invited::Joined { .. } => applied.joined += 1,
            },
        }
    }
    let admins: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.organisation_id = $1 AND m.role = 'admin' AND u.status = 'active'",
    )
    .bind(by.organisation.get())
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if admins == 0 {
        return Err(StoreError::Conflict(format!(
            "{LAST_ADMIN} The file removes the administrator role from everyone."
        )));
    }
    tx.commit().await?;
    Ok(applied)
}

/// Emails already in the organisation (for the preview: who will be updated, who invited).
pub async fn member_emails(db: &Db, organisation: OrganisationId) -> Result<Vec<String>, StoreError> {
    sqlx::query(
        "SELECT u.email FROM users u WHERE EXISTS
         (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organisation_id = $1) ORDER BY u.email",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| Ok(r.try_get("email")?))
    .collect()
}
