//! Organisations, their sites and units, and hub-wide settings.

use crate::db::SingleRead;
use kindling_domain::ids::{OrganisationId, SiteId, UnitId};
use kindling_domain::people::CareSetting;
use serde::Serialize;
use sqlx::Row;

use crate::{Db, StoreError, WriteTx};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    /// "NHS trust", "Local authority", "Care provider"…
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Site {
    pub id: SiteId,
    pub organisation: OrganisationId,
    pub name: String,
    /// The kind of care the site gives, once recorded.
    pub setting: Option<CareSetting>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub site: SiteId,
    pub name: String,
}

pub async fn create_organisation(
    tx: &mut WriteTx,
    name: &str,
    kind: &str,
    now_ms: i64,
) -> Result<OrganisationId, StoreError> {
    let id: i64 = sqlx::query("INSERT INTO organisations (name, kind, created_ms) VALUES ($1, $2, $3) RETURNING id")
        .bind(name)
        .bind(kind)
        .bind(now_ms)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    Ok(OrganisationId::new(id))
}

pub async fn create_site(tx: &mut WriteTx, organisation: OrganisationId, name: &str) -> Result<SiteId, StoreError> {
    let id: i64 = sqlx::query("INSERT INTO sites (organisation_id, name) VALUES ($1, $2) RETURNING id")
        .bind(organisation.get())
        .bind(name)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    Ok(SiteId::new(id))
}

pub async fn create_unit(tx: &mut WriteTx, site: SiteId, name: &str) -> Result<UnitId, StoreError> {
    let id: i64 = sqlx::query("INSERT INTO units (site_id, name) VALUES ($1, $2) RETURNING id")
        .bind(site.get())
        .bind(name)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    Ok(UnitId::new(id))
}

pub async fn organisation(db: &Db, id: OrganisationId) -> Result<Option<Organisation>, StoreError> {
    let row =
        sqlx::query("SELECT id, name, kind FROM organisations WHERE id = $1").bind(id.get()).read_optional(db).await?;
    row.map(|row| {
        Ok(Organisation {
            id: OrganisationId::new(row.try_get("id")?),
            name: row.try_get("name")?,
            kind: row.try_get("kind")?,
        })
    })
    .transpose()
}

pub async fn count_organisations(db: &Db) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM organisations").read_one(db).await?.try_get("n")?)
}

/// The sites of one organisation, by name.
pub async fn sites(db: &Db, organisation: OrganisationId) -> Result<Vec<Site>, StoreError> {
    sqlx::query("SELECT id, name, setting FROM sites WHERE organisation_id = $1 AND retired_ms IS NULL ORDER BY name")
        .bind(organisation.get())
        .read_all(db)
        .await?
        .iter()
        .map(|row| {
            let setting: Option<String> = row.try_get("setting")?;
            Ok(Site {
                id: SiteId::new(row.try_get("id")?),
                organisation,
                name: row.try_get("name")?,
                setting: setting
                    .map(|s| s.parse().map_err(|_| StoreError::Corrupt(format!("care setting {s:?}"))))
                    .transpose()?,
            })
        })
        .collect()
}

/// Records the kind of care a site gives.
pub async fn set_site_setting(tx: &mut WriteTx, site: SiteId, setting: CareSetting) -> Result<(), StoreError> {
    sqlx::query("UPDATE sites SET setting = $1 WHERE id = $2")
        .bind(setting.slug())
        .bind(site.get())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every organisation in the hub, by name (for filters that range across the hub).
pub async fn all(db: &Db) -> Result<Vec<Organisation>, StoreError> {
    sqlx::query("SELECT id, name, kind FROM organisations ORDER BY name")
        .read_all(db)
        .await?
        .iter()
        .map(|row| {
            Ok(Organisation {
                id: OrganisationId::new(row.try_get("id")?),
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
            })
        })
        .collect()
}

/// The units of one organisation (across its sites), by site then name.
pub async fn units(db: &Db, organisation: OrganisationId) -> Result<Vec<Unit>, StoreError> {
    sqlx::query(
        "SELECT units.id, units.site_id, units.name FROM units JOIN sites ON sites.id = units.site_id
         WHERE sites.organisation_id = $1 ORDER BY sites.name, units.name",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(|row| {
        Ok(Unit {
            id: UnitId::new(row.try_get("id")?),
            site: SiteId::new(row.try_get("site_id")?),
            name: row.try_get("name")?,
        })
    })
    .collect()
}

pub async fn set_setting(tx: &mut WriteTx, key: &str, value: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn setting(db: &Db, key: &str) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).read_optional(db).await?;
    Ok(row.map(|r| r.try_get("value")).transpose()?)
}

/// How an organisation lets its people sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SignInPolicy {
    /// Who must use two-factor sign-in.
    pub two_factor: kindling_domain::accounts::TwoFactorPolicy,
    /// Local passwords may be used; off when everyone signs in with the organisation's identity provider.
    pub passwords_allowed: bool,
}

pub async fn sign_in_policy(db: &Db, organisation: OrganisationId) -> Result<SignInPolicy, StoreError> {
    let row = sqlx::query("SELECT two_factor, passwords_allowed FROM organisations WHERE id = $1")
        .bind(organisation.get())
        .read_optional(db)
        .await?;
    Ok(match row {
        Some(r) => SignInPolicy {
            two_factor: r
                .try_get::<String, _>("two_factor")?
                .parse()
                .map_err(|e: kindling_domain::people::UnknownValue| StoreError::Corrupt(e.to_string()))?,
            passwords_allowed: r.try_get::<i64, _>("passwords_allowed")? != 0,
        },
        None => SignInPolicy {
            two_factor: kindling_domain::accounts::TwoFactorPolicy::Administrators,
            passwords_allowed: true,
        },
    })
}

pub async fn set_sign_in_policy(db: &Db, by: crate::Actor, policy: SignInPolicy) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    sqlx::query("UPDATE organisations SET two_factor = $1, passwords_allowed = $2 WHERE id = $3")
        .bind(policy.two_factor.slug())
        .bind(i64::from(policy.passwords_allowed))
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?;
    let summary = format!(
        "Sign-in policy: {}; local passwords {}",
        policy.two_factor.label(),
        if policy.passwords_allowed { "allowed" } else { "switched off" }
    );
    crate::audit::record(
        &mut tx,
        db.dialect(),
        by,
        "organisation.sign_in_policy",
        format!("organisation:{}", by.organisation),
        summary,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Renames an organisation or changes its kind. A name another organisation holds is a conflict.
pub async fn update_organisation(db: &Db, by: crate::Actor, name: &str, kind: &str) -> Result<(), StoreError> {
    let mut tx = db.write().await?;
    let taken: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations WHERE name = $1 AND id <> $2")
        .bind(name)
        .bind(by.organisation.get())
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if taken > 0 {
        return Err(StoreError::Conflict(format!("Another organisation on this hub is called {name}")));
    }
    sqlx::query("UPDATE organisations SET name = $1, kind = $2 WHERE id = $3")
        .bind(name)
        .bind(kind)
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        db.dialect(),
        by,
        "organisation.updated",
        format!("organisation:{}", by.organisation),
        format!("Organisation is now {name} ({kind})"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A site as administrators see it, retired or not, with its units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SiteAdmin {
    pub id: SiteId,
    pub name: String,
    pub setting: Option<CareSetting>,
    pub retired_ms: Option<i64>,
    pub units: Vec<String>,
}

/// Every site of the organisation, in use first, then retired, each by name.
pub async fn sites_for_admin(db: &Db, organisation: OrganisationId) -> Result<Vec<SiteAdmin>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, setting, retired_ms FROM sites WHERE organisation_id = $1
         ORDER BY CASE WHEN retired_ms IS NULL THEN 0 ELSE 1 END, name",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?;
    let mut sites = Vec::with_capacity(rows.len());
    for row in &rows {
        let id = SiteId::new(row.try_get("id")?);
        let setting: Option<String> = row.try_get("setting")?;
        let units = sqlx::query("SELECT name FROM units WHERE site_id = $1 ORDER BY name")
            .bind(id.get())
            .read_all(db)
            .await?
            .iter()
            .map(|r| r.try_get("name"))
            .collect::<Result<Vec<String>, _>>()?;
        sites.push(SiteAdmin {
            id,
            name: row.try_get("name")?,
            setting: setting
                .map(|s| s.parse().map_err(|_| StoreError::Corrupt(format!("care setting {s:?}"))))
                .transpose()?,
            retired_ms: row.try_get("retired_ms")?,
            units,
        });
    }
    Ok(sites)
}

/// The names of the sites in use (what forms and the people file offer).
pub async fn site_names_in_use(db: &Db, organisation: OrganisationId) -> Result<Vec<(SiteId, String)>, StoreError> {
    sqlx::query("SELECT id, name FROM sites WHERE organisation_id = $1 AND retired_ms IS NULL ORDER BY name")
        .bind(organisation.get())
        .read_all(db)
        .await?
        .iter()
        .map(|r| Ok((SiteId::new(r.try_get("id")?), r.try_get("name")?)))
        .collect()
}

fn site_subject(site: SiteId) -> String {
    format!("site:{site}")
}

async fn name_taken(
    tx: &mut WriteTx,
    organisation: OrganisationId,
    name: &str,
    except: Option<SiteId>,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM sites WHERE organisation_id = $1 AND LOWER(name) = LOWER($2) AND id <> $3",
    )
    .bind(organisation.get())
    .bind(name)
    .bind(except.map_or(0, SiteId::get))
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// Adds a site with its care setting and units (one name per entry). A name in use is a conflict.
pub async fn add_site(
    db: &Db,
    by: crate::Actor,
    name: &str,
    setting: CareSetting,
    units: &[String],
) -> Result<SiteId, StoreError> {
    let mut tx = db.write().await?;
    if name_taken(&mut tx, by.organisation, name, None).await? {
        return Err(StoreError::Conflict(format!("There is already a site called {name}")));
    }
    let site = create_site(&mut tx, by.organisation, name).await?;
    set_site_setting(&mut tx, site, setting).await?;
    for unit in units {
        create_unit(&mut tx, site, unit).await?;
    }
    crate::audit::record(
        &mut tx,
        db.dialect(),
        by,
        "site.added",
        site_subject(site),
        format!("Site {name} added ({})", setting.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(site)
}

/// Renames a site of the organisation, changes its setting and adds units; `false` if it is not theirs.
pub async fn update_site(
    db: &Db,
    by: crate::Actor,
    site: SiteId,
    name: &str,
    setting: CareSetting,
    new_units: &[String],
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let old = sqlx::query("SELECT name FROM sites WHERE id = $1 AND organisation_id = $2")
        .bind(site.get())
        .bind(by.organisation.get())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(old) = old else { return Ok(false) };
    let old: String = old.try_get("name")?;
    if name_taken(&mut tx, by.organisation, name, Some(site)).await? {
        return Err(StoreError::Conflict(format!("There is already a site called {name}")));
    }
    sqlx::query("UPDATE sites SET name = $1, setting = $2 WHERE id = $3")
        .bind(name)
        .bind(setting.slug())
        .bind(site.get())
        .execute(&mut *tx)
        .await?;
    for unit in new_units {
        sqlx::query("INSERT INTO units (site_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(site.get())
            .bind(unit)
            .execute(&mut *tx)
            .await?;
    }
    let summary = if old == name { format!("Site {name} updated") } else { format!("Site {old} renamed {name}") };
    crate::audit::record(&mut tx, db.dialect(), by, "site.updated", site_subject(site), summary).await?;
    tx.commit().await?;
    Ok(true)
}

/// Retires a site (it keeps its history and drops out of the forms) or brings it back.
pub async fn set_site_retired(db: &Db, by: crate::Actor, site: SiteId, retired: bool) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let done = sqlx::query("UPDATE sites SET retired_ms = $1 WHERE id = $2 AND organisation_id = $3")
        .bind(retired.then_some(by.now_ms))
        .bind(site.get())
        .bind(by.organisation.get())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 1 {
        let (action, summary) =
            if retired { ("site.retired", "Site retired") } else { ("site.restored", "Site back in use") };
        crate::audit::record(&mut tx, db.dialect(), by, action, site_subject(site), summary.into()).await?;
    }
    tx.commit().await?;
    Ok(done == 1)
}

/// A hub administrator adds an organisation; the first administrator named is invited to it (or, if they
/// have an account already, joins it). Returns the organisation and the invitation token if a new
/// account was made.
pub async fn add_to_hub(
    db: &Db,
    by: crate::Actor,
    name: &str,
    kind: &str,
    first_admin: &crate::people::Invitee,
) -> Result<(OrganisationId, Option<String>), StoreError> {
    let mut tx = db.write().await?;
    let taken: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations WHERE LOWER(name) = LOWER($1)")
        .bind(name)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if taken > 0 {
        return Err(StoreError::Conflict(format!("There is already an organisation called {name}")));
    }
    let organisation = create_organisation(&mut tx, name, kind, by.now_ms).await?;
    crate::audit::record(
        &mut tx,
        db.dialect(),
        by,
        "hub.organisation_added",
        format!("organisation:{organisation}"),
        format!("Organisation {name} ({kind}) added to the hub"),
    )
    .await?;
    tx.commit().await?;
    // The invitation is recorded in the new organisation, by the hub administrator.
    let in_new = crate::Actor { organisation, ..by };
    let invited = crate::people::invite(db, in_new, first_admin).await?;
    Ok((
        organisation,
        match invited {
            crate::people::Invited::New { token, .. } => Some(token),
            crate::people::Invited::Joined { .. } => None,
        },
    ))
}
