//! Organisations, their sites and units, and hub-wide settings.

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
    let row = sqlx::query("SELECT id, name, kind FROM organisations WHERE id = $1")
        .bind(id.get())
        .fetch_optional(db.pool())
        .await?;
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
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM organisations").fetch_one(db.pool()).await?.try_get("n")?)
}

/// The sites of one organisation, by name.
pub async fn sites(db: &Db, organisation: OrganisationId) -> Result<Vec<Site>, StoreError> {
    sqlx::query("SELECT id, name, setting FROM sites WHERE organisation_id = $1 ORDER BY name")
        .bind(organisation.get())
        .fetch_all(db.pool())
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
        .fetch_all(db.pool())
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
    .fetch_all(db.pool())
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
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(db.pool()).await?;
    Ok(row.map(|r| r.try_get("value")).transpose()?)
}
