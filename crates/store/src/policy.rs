//! The policy pack each organisation works under. Loading a pack adds a row; the newest row is in
//! force, so every earlier pack stays on record beside the outcomes computed with it. With no row,
//! the built-in NHS England pack applies.

use crate::db::SingleRead;
use kindling_domain::ids::OrganisationId;
use kindling_domain::policy::{PackError, PolicyPack};
use serde::Serialize;
use sqlx::Row;

use crate::{Actor, Db, StoreError, audit};

/// The pack in force.
#[derive(Clone, Debug)]
pub struct ActivePack {
    /// The `policy_packs` row, or 0 for the built-in pack.
    pub row: i64,
    pub pack: PolicyPack,
    pub body: String,
}

/// A pack an organisation has loaded, for the history list.
#[derive(Clone, Debug, Serialize)]
pub struct LoadedPack {
    pub row: i64,
    pub pack_id: String,
    pub version: String,
    pub name: String,
    pub loaded_by: String,
    pub loaded_ms: i64,
}

/// The pack in force in `organisation`.
pub async fn active(db: &Db, organisation: OrganisationId) -> Result<ActivePack, StoreError> {
    let row = sqlx::query("SELECT id, body FROM policy_packs WHERE organisation_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(organisation.get())
        .read_optional(db)
        .await?;
    let Some(row) = row else {
        return Ok(ActivePack {
            row: 0,
            pack: PolicyPack::uk_default(),
            body: kindling_domain::policy::UK_DEFAULT.to_owned(),
        });
    };
    let body: String = row.try_get("body")?;
    // Packs are validated before they are stored, so a failure here means the table was edited.
    let pack = PolicyPack::parse(&body)
        .map_err(|e| StoreError::Corrupt(format!("stored policy pack no longer validates: {}", e[0])))?;
    Ok(ActivePack { row: row.try_get("id")?, pack, body })
}

/// Every pack the organisation has loaded, newest first.
pub async fn history(db: &Db, organisation: OrganisationId) -> Result<Vec<LoadedPack>, StoreError> {
    sqlx::query(
        "SELECT p.id, p.pack_id, p.version, p.name, p.loaded_ms, u.name AS loaded_by
         FROM policy_packs p JOIN users u ON u.id = p.loaded_by WHERE p.organisation_id = $1 ORDER BY p.id DESC",
    )
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        Ok(LoadedPack {
            row: r.try_get("id")?,
            pack_id: r.try_get("pack_id")?,
            version: r.try_get("version")?,
            name: r.try_get("name")?,
            loaded_by: r.try_get("loaded_by")?,
            loaded_ms: r.try_get("loaded_ms")?,
        })
    })
    .collect()
}

/// Validates `body` and, if it passes, puts it in force. A pack that fails changes nothing and
/// comes back as its problems, each naming its key.
pub async fn load(db: &Db, by: Actor, body: &str) -> Result<Result<i64, Vec<PackError>>, StoreError> {
    let pack = match PolicyPack::parse(body) {
        Ok(pack) => pack,
        Err(problems) => return Ok(Err(problems)),
    };
    let mut tx = db.write().await?;
    let row = sqlx::query(
        "INSERT INTO policy_packs (organisation_id, pack_id, version, name, body, loaded_by, loaded_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(by.organisation.get())
    .bind(pack.pack.id.clone())
    .bind(pack.pack.version.clone())
    .bind(pack.pack.name.clone())
    .bind(body.to_owned())
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "policy.loaded",
        format!("organisation:{}", by.organisation),
        format!("Policy pack {} version {} put in force", pack.pack.id, pack.pack.version),
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(id))
}
