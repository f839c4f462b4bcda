//! People: accounts, professions and roles per organisation.

use crate::db::SingleRead;
use kindling_domain::accounts::AccountStatus;
use kindling_domain::ids::{OrganisationId, SiteId, UnitId, UserId};
use kindling_domain::people::{Email, Membership, Profession, Role};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Db, StoreError, WriteTx};

/// A person as the rest of the application sees them (never with their password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub profession: Profession,
    pub unit: Option<UnitId>,
    /// The site the person mostly works at, if recorded.
    pub site: Option<SiteId>,
    /// Roles per organisation, ordered by organisation id; the first is the person's home organisation.
    pub memberships: Vec<Membership>,
    pub status: AccountStatus,
    /// May add organisations to the hub (the installation's first administrator, and whoever they name).
    pub hub_admin: bool,
    /// Has enrolled an authenticator app for two-factor sign-in.
    pub two_factor: bool,
}

impl User {
    /// The organisation the person works in by default.
    pub fn home_organisation(&self) -> Option<OrganisationId> {
        self.memberships.first().map(|m| m.organisation)
    }

    /// Whether the person belongs to `organisation` at all.
    pub fn is_member_of(&self, organisation: OrganisationId) -> bool {
        self.memberships.iter().any(|m| m.organisation == organisation)
    }

    /// Roles held in `organisation` (empty if none: no standing there).
    pub fn roles_in(&self, organisation: OrganisationId) -> Vec<Role> {
        self.memberships.iter().find(|m| m.organisation == organisation).map(|m| m.roles.clone()).unwrap_or_default()
    }
}

/// What is needed to create an account.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub profession: Profession,
    pub unit: Option<UnitId>,
    pub site: Option<SiteId>,
    /// Empty for a person who is invited and has not chosen a password yet: it never verifies.
    pub password_hash: &'a str,
    pub status: AccountStatus,
}

pub async fn create(tx: &mut WriteTx, user: &NewUser<'_>, now_ms: i64) -> Result<UserId, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO users (email, name, profession, unit_id, site_id, password_hash, status, created_ms, status_changed_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(user.email.as_str())
    .bind(user.name)
    .bind(user.profession.slug())
    .bind(user.unit.map(UnitId::get))
    .bind(user.site.map(SiteId::get))
    .bind(user.password_hash)
    .bind(user.status.slug())
    .bind(now_ms)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    Ok(UserId::new(id))
}

pub async fn grant_role(
    tx: &mut WriteTx,
    user: UserId,
    organisation: OrganisationId,
    role: Role,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO memberships (user_id, organisation_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(user.get())
        .bind(organisation.get())
        .bind(role.slug())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn parse<T: std::str::FromStr>(raw: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e: T::Err| StoreError::Corrupt(e.to_string()))
}

/// The columns [`from_row`] reads.
pub(crate) const USER_COLUMNS: &str =
    "id, email, name, profession, unit_id, site_id, status, hub_admin, totp_enrolled_ms";

pub(crate) async fn from_row(db: &Db, row: &AnyRow) -> Result<User, StoreError> {
    let id = UserId::new(row.try_get("id")?);
    let roles =
        sqlx::query("SELECT organisation_id, role FROM memberships WHERE user_id = $1 ORDER BY organisation_id, role")
            .bind(id.get())
            .read_all(db)
            .await?;
    let mut memberships: Vec<Membership> = Vec::new();
    for r in &roles {
        let organisation = OrganisationId::new(r.try_get("organisation_id")?);
        let role: Role = parse(&r.try_get::<String, _>("role")?)?;
        match memberships.last_mut() {
            Some(m) if m.organisation == organisation => m.roles.push(role),
            _ => memberships.push(Membership { organisation, roles: vec![role] }),
        }
    }
    for m in &mut memberships {
        m.roles.sort();
    }
    Ok(User {
        id,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        profession: parse(&row.try_get::<String, _>("profession")?)?,
        unit: row.try_get::<Option<i64>, _>("unit_id")?.map(UnitId::new),
        site: row.try_get::<Option<i64>, _>("site_id")?.map(SiteId::new),
        memberships,
        status: parse(&row.try_get::<String, _>("status")?)?,
        hub_admin: row.try_get::<i64, _>("hub_admin")? != 0,
        two_factor: row.try_get::<Option<i64>, _>("totp_enrolled_ms")?.is_some(),
    })
}

pub async fn get(db: &Db, id: UserId) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
        .bind(id.get())
        .read_optional(db)
        .await?;
    match row {
        Some(row) => Ok(Some(from_row(db, &row).await?)),
        None => Ok(None),
    }
}

/// The account for a sign-in attempt, with its stored password hash. Only active accounts can sign in;
/// an invited or deactivated person gets the same answer as an unknown email.
pub async fn credentials(db: &Db, email: &Email) -> Result<Option<(UserId, String)>, StoreError> {
    let row = sqlx::query("SELECT id, password_hash FROM users WHERE email = $1 AND status = 'active'")
        .bind(email.as_str())
        .read_optional(db)
        .await?;
    row.map(|r| Ok((UserId::new(r.try_get("id")?), r.try_get("password_hash")?))).transpose()
}

pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<User>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1")))
        .bind(email.as_str())
        .read_optional(db)
        .await?;
    match row {
        Some(row) => Ok(Some(from_row(db, &row).await?)),
        None => Ok(None),
    }
}

/// A person's name and profession, as shown beside their contributions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub profession: Profession,
}

/// Members of an organisation, by name, for choosing team members.
pub async fn members(db: &Db, organisation: OrganisationId) -> Result<Vec<Person>, StoreError> {
    sqlx::query(
        "SELECT DISTINCT users.id, users.name, users.profession FROM users
         JOIN memberships ON memberships.user_id = users.id
         WHERE memberships.organisation_id = $1 AND users.status = 'active' ORDER BY users.name",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(Person {
            id: UserId::new(r.try_get("id")?),
            name: r.try_get("name")?,
            profession: parse(&r.try_get::<String, _>("profession")?)?,
        })
    })
    .collect()
}

pub(crate) fn person_from(id: i64, name: String, profession: &str) -> Result<Person, StoreError> {
    Ok(Person { id: UserId::new(id), name, profession: parse(profession)? })
}
