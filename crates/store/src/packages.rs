//! Spread packages: versions of the package a team writes for its change, the files it holds, and
//! the adoptions made from it with each core component's answer, fidelity checks and the thread
//! between the adopting and the originating teams.
//!
//! Who may read a package: its own organisation always; every organisation of the hub when its newest
//! version is shared with the hub. Its files follow the package. Files are kept in the database (so that
//! every node serves them) in chunks of [`CHUNK_BYTES`], so that a download streams chunk by chunk and
//! never holds a whole file in memory.

use crate::db::SingleRead;
use std::collections::BTreeSet;

use kindling_domain::ids::{InitiativeId, OrganisationId};
use kindling_domain::initiatives::{InitiativeDraft, Stage};
use kindling_domain::measures::MeasureDraft;
use kindling_domain::notifications::Kind as NotificationKind;
use kindling_domain::packages::{Adaptation, AdoptionPlan, Choice, FidelityCheck, Package, ResourceKind};
use kindling_domain::policy::Fact;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use kindling_domain::follows::Event;

use crate::follows::{self, Reach, Telling};
use crate::notifications::{self, Notice};
use crate::{Actor, Db, StoreError, WriteTx, audit, initiatives, measures};

/// The size of each stored piece of a file: small enough that a download holds little, large enough
/// that a 20 MB file is twenty rows.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// One version of a package with the change it belongs to.
#[derive(Clone, Debug, Serialize)]
pub struct StoredPackage {
    pub initiative: InitiativeId,
    pub organisation: OrganisationId,
    pub organisation_name: String,
    pub initiative_title: String,
    pub stage: Stage,
    pub version: i64,
    pub package: Package,
    pub created_ms: i64,
    pub author: String,
}

const PACKAGES: &str = "SELECT p.*, i.title, i.stage, o.name AS organisation_name, u.name AS author
    FROM spread_packages p JOIN initiatives i ON i.id = p.initiative_id
    JOIN organisations o ON o.id = p.organisation_id JOIN users u ON u.id = p.created_by";

/// Readable by `reader`: its own organisation's, or shared with the hub in its newest version.
const READABLE: &str = "(p.organisation_id = $2 OR p.shared_with_hub = 1)";

/// Only a package's newest version.
const NEWEST: &str =
    "p.version = (SELECT MAX(q.version) FROM spread_packages q WHERE q.initiative_id = p.initiative_id)";

fn package_from(r: &AnyRow) -> Result<StoredPackage, StoreError> {
    let body: String = r.try_get("body")?;
    let stage: String = r.try_get("stage")?;
    Ok(StoredPackage {
        initiative: InitiativeId::new(r.try_get("initiative_id")?),
        organisation: OrganisationId::new(r.try_get("organisation_id")?),
        organisation_name: r.try_get("organisation_name")?,
        initiative_title: r.try_get("title")?,
        stage: stage.parse().map_err(|_| StoreError::Corrupt(format!("stage {stage:?}")))?,
        version: r.try_get("version")?,
        package: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("package: {e}")))?,
        created_ms: r.try_get("created_ms")?,
        author: r.try_get("author")?,
    })
}

/// The newest version of the package for `initiative`, if `reader` may read it.
pub async fn readable(
    db: &Db,
    reader: OrganisationId,
    initiative: InitiativeId,
) -> Result<Option<StoredPackage>, StoreError> {
    let sql = format!("{PACKAGES} WHERE p.initiative_id = $1 AND {READABLE} AND {NEWEST}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(initiative.get())
        .bind(reader.get())
        .read_optional(db)
        .await?
        .as_ref()
        .map(package_from)
        .transpose()
}

/// Every version of a package, newest first. Taking the newest version as [`readable`] returned it
/// means the reader was already checked.
pub async fn versions(db: &Db, package: &StoredPackage) -> Result<Vec<StoredPackage>, StoreError> {
    let sql = format!("{PACKAGES} WHERE p.initiative_id = $1 ORDER BY p.version DESC");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(package.initiative.get())
        .read_all(db)
        .await?
        .iter()
        .map(package_from)
        .collect()
}

/// The newest version of every package `reader` may read whose change, summary or files match
/// `words` (every word, ignoring case; all packages when there are none), newest first.
pub async fn library(db: &Db, reader: OrganisationId, words: &[String]) -> Result<Vec<StoredPackage>, StoreError> {
    let mut sql = format!("{PACKAGES} WHERE {READABLE} AND {NEWEST} AND $1 = $1");
    for i in 0..words.len() {
        let n = i + 3;
        sql.push_str(&format!(
            " AND (LOWER(i.title) LIKE ${n} OR LOWER(p.body) LIKE ${n} OR EXISTS (SELECT 1 FROM spread_resources r
                 WHERE r.initiative_id = p.initiative_id AND (LOWER(r.title) LIKE ${n} OR LOWER(COALESCE(r.description, '')) LIKE ${n})))"
        ));
    }
    sql.push_str(" ORDER BY p.created_ms DESC, p.id DESC LIMIT 100");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(0_i64).bind(reader.get());
    for word in words {
        let escaped: String = word.to_lowercase().chars().filter(|c| !matches!(c, '%' | '_' | '\\')).collect();
        query = query.bind(format!("%{escaped}%"));
    }
    query.read_all(db).await?.iter().map(package_from).collect()
}

/// Saves a new version of the package of an initiative of `by`'s organisation; `None` if it is not
/// one. Every site that adopted an earlier version is told that the package changed.
pub async fn save(db: &Db, by: Actor, initiative: InitiativeId, package: &Package) -> Result<Option<i64>, StoreError> {
    let mut tx = db.write().await?;
    let Some(row) = sqlx::query("SELECT title FROM initiatives WHERE id = $1 AND organisation_id = $2")
        .bind(initiative.get())
        .bind(by.organisation.get())
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(None);
    };
    let title: String = row.try_get("title")?;
    let version: i64 =
        sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM spread_packages WHERE initiative_id = $1")
            .bind(initiative.get())
            .fetch_one(&mut *tx)
            .await?
            .try_get("v")?;
    let body = serde_json::to_string(package).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO spread_packages (initiative_id, organisation_id, version, body, shared_with_hub, created_by, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(initiative.get())
    .bind(by.organisation.get())
    .bind(version)
    .bind(body)
    .bind(i64::from(package.shared_with_hub))
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "spread.package",
        format!("initiative:{initiative}"),
        format!("Spread package version {version} with {} core components", package.core.len()),
    )
    .await?;
    let href = format!("/packages/{initiative}");
    let summary = if version > 1 {
        let summary = format!("The spread package for {title} has a new version ({version}): see what changed");
        for (organisation, people) in adopting_teams(&mut tx, initiative).await? {
            let notice = Notice { organisation, ..Notice::of(by, NotificationKind::Spread, &summary, &href) };
            notifications::notify(&mut tx, &people, &notice).await?;
        }
        summary
    } else {
        format!("A spread package for {title}: what must be kept and what may be adapted")
    };
    // Followers of the change, its topics or a search that finds it hear of every version.
    let tags = follows::tags_in(&mut tx, initiative).await?;
    let text = format!("{title} {}", package.summary);
    let reach = Reach::sharing(package.shared_with_hub, by.organisation);
    let event = Event { initiative, tags: &tags, text: &text };
    follows::tell(&mut tx, by, &Telling { event, reach, summary: &summary, href: &href }).await?;
    tx.commit().await?;
    Ok(Some(version))
}

/// The people of every initiative adopted from `source`, by their organisation.
async fn adopting_teams(tx: &mut WriteTx, source: InitiativeId) -> Result<Vec<(OrganisationId, Vec<i64>)>, StoreError> {
    let adopted =
        sqlx::query("SELECT adopted_initiative_id, organisation_id FROM adoptions WHERE source_initiative_id = $1")
            .bind(source.get())
            .fetch_all(&mut **tx)
            .await?;
    let mut out = Vec::new();
    for row in adopted {
        let id = InitiativeId::new(row.try_get("adopted_initiative_id")?);
        out.push((
            OrganisationId::new(row.try_get("organisation_id")?),
            notifications::initiative_people(tx, id).await?,
        ));
    }
    Ok(out)
}

/// A file held by a package.
#[derive(Clone, Debug, Serialize)]
pub struct Resource {
    pub id: i64,
    pub initiative: InitiativeId,
    pub title: String,
    pub description: Option<String>,
    pub file_name: String,
    pub kind: ResourceKind,
    pub size_bytes: i64,
    /// SHA-256 of the whole file, hex.
    pub sha256: String,
    pub chunks: i64,
    pub added_in_version: i64,
    pub created_ms: i64,
}

fn resource_from(r: &AnyRow) -> Result<Resource, StoreError> {
    let kind: String = r.try_get("kind")?;
    Ok(Resource {
        id: r.try_get("id")?,
        initiative: InitiativeId::new(r.try_get("initiative_id")?),
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        file_name: r.try_get("file_name")?,
        kind: ResourceKind::from_slug(&kind).ok_or_else(|| StoreError::Corrupt(format!("resource kind {kind:?}")))?,
        size_bytes: r.try_get("size_bytes")?,
        sha256: r.try_get("sha256")?,
        chunks: r.try_get("chunks")?,
        added_in_version: r.try_get("added_in_version")?,
        created_ms: r.try_get("created_ms")?,
    })
}

/// What a new file is: its checked kind, title and description, and the name it was uploaded with.
pub struct NewResource<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub file_name: &'a str,
    pub kind: ResourceKind,
}

/// Adds a file to the package of an initiative of `by`'s organisation, in chunks, in one transaction;
/// `None` if the initiative is not the organisation's or has no package yet.
pub async fn add_resource(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    file: &NewResource<'_>,
    bytes: &[u8],
) -> Result<Option<i64>, StoreError> {
    let mut tx = db.write().await?;
    let version: Option<i64> = sqlx::query(
        "SELECT MAX(p.version) AS v FROM spread_packages p JOIN initiatives i ON i.id = p.initiative_id
         WHERE p.initiative_id = $1 AND i.organisation_id = $2",
    )
    .bind(initiative.get())
    .bind(by.organisation.get())
    .fetch_one(&mut *tx)
    .await?
    .try_get("v")?;
    let Some(version) = version else { return Ok(None) };
    let sha256 = hex(&Sha256::digest(bytes));
    let chunks = bytes.chunks(CHUNK_BYTES);
    let id: i64 = sqlx::query(
        "INSERT INTO spread_resources (initiative_id, organisation_id, title, description, file_name, kind, size_bytes,
             sha256, chunks, added_in_version, created_by, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(initiative.get())
    .bind(by.organisation.get())
    .bind(file.title.to_owned())
    .bind(file.description.map(str::to_owned))
    .bind(file.file_name.to_owned())
    .bind(file.kind.slug())
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(sha256.clone())
    .bind(i64::try_from(chunks.len()).unwrap_or(i64::MAX))
    .bind(version)
    .bind(by.user.get())
    .bind(by.now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for (seq, chunk) in chunks.enumerate() {
        sqlx::query("INSERT INTO spread_resource_chunks (resource_id, seq, bytes) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .bind(chunk.to_vec())
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "spread.resource",
        format!("initiative:{initiative}"),
        format!("Added {:?} ({} bytes, SHA-256 {sha256}) to the spread package", file.file_name, bytes.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(id))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The files of a package, in the order they were added (the package as [`readable`] returned it,
/// so the reader was already checked).
pub async fn resources(db: &Db, package: &StoredPackage) -> Result<Vec<Resource>, StoreError> {
    sqlx::query("SELECT * FROM spread_resources WHERE initiative_id = $1 ORDER BY id")
        .bind(package.initiative.get())
        .read_all(db)
        .await?
        .iter()
        .map(resource_from)
        .collect()
}

/// One file of a package `reader` may read; `None` for a file of another package or one that is not
/// readable, exactly as if it did not exist.
pub async fn resource(
    db: &Db,
    reader: OrganisationId,
    initiative: InitiativeId,
    id: i64,
) -> Result<Option<Resource>, StoreError> {
    if readable(db, reader, initiative).await?.is_none() {
        return Ok(None);
    }
    sqlx::query("SELECT * FROM spread_resources WHERE id = $1 AND initiative_id = $2")
        .bind(id)
        .bind(initiative.get())
        .read_optional(db)
        .await?
        .as_ref()
        .map(resource_from)
        .transpose()
}

/// The `seq`th chunk of a file (read after [`resource`] has checked that the reader may).
pub async fn chunk(db: &Db, resource: i64, seq: i64) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT bytes FROM spread_resource_chunks WHERE resource_id = $1 AND seq = $2")
        .bind(resource)
        .bind(seq)
        .read_optional(db)
        .await?;
    row.map(|r| r.try_get::<Vec<u8>, _>("bytes")).transpose().map_err(StoreError::from)
}

/// What an adoption from a package starts with: the new initiative, its local facts (re-assessed at
/// the adopting site: gate records and sign-offs are never copied) and the package's measures,
/// rewritten for the adopting site, without data.
pub struct Adopting<'a> {
    pub source: &'a StoredPackage,
    pub plan: &'a AdoptionPlan,
    pub draft: &'a InitiativeDraft,
    pub facts: &'a BTreeSet<Fact>,
    pub measures: &'a [MeasureDraft],
}

/// Adopts a change from its package in `by`'s organisation: a new initiative at shaping, linked to its
/// source with each core component's answer, its facts and its measures, in one transaction. The
/// originating team is told, and told separately of each adapted core component, on which its advice
/// is asked.
pub async fn adopt(db: &Db, by: Actor, adopting: &Adopting<'_>) -> Result<InitiativeId, StoreError> {
    let (source, plan) = (adopting.source, adopting.plan);
    let mut tx = db.write().await?;
    let id = initiatives::create_in(&mut tx, db, by.organisation, by.user, adopting.draft, Stage::Shaping, by.now_ms)
        .await?;
    sqlx::query(
        "INSERT INTO adoptions (source_initiative_id, adopted_initiative_id, organisation_id, core_kept, adaptations,
             created_by, created_ms, package_version, local_context)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(source.initiative.get())
    .bind(id.get())
    .bind(by.organisation.get())
    .bind(plan.kept_text())
    .bind(plan.adaptations_text())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(source.version)
    .bind(plan.local_context.clone())
    .execute(&mut *tx)
    .await?;
    for (position, choice) in plan.choices.iter().enumerate() {
        sqlx::query(
            "INSERT INTO adoption_choices (adopted_initiative_id, position, component, kept, reason) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.get())
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(choice.component.clone())
        .bind(i64::from(choice.kept))
        .bind(choice.reason.clone())
        .execute(&mut *tx)
        .await?;
    }
    let facts: Vec<&str> = adopting.facts.iter().map(|f| f.slug()).collect();
    sqlx::query(
        "INSERT INTO initiative_facts (initiative_id, facts, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.get())
    .bind(facts.join(","))
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    for measure in adopting.measures {
        measures::create_in(&mut tx, db, by, id, measure).await?;
    }
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "spread.adopted",
        format!("initiative:{id}"),
        format!(
            "Adopted from initiative {} (package version {}); kept: {}; adapted: {}",
            source.initiative,
            source.version,
            plan.kept_text(),
            plan.adaptations_text()
        ),
    )
    .await?;
    let adopter: String = sqlx::query("SELECT name FROM organisations WHERE id = $1")
        .bind(by.organisation.get())
        .fetch_one(&mut *tx)
        .await?
        .try_get("name")?;
    let people = notifications::initiative_people(&mut tx, source.initiative).await?;
    let href = format!("/adoptions/{id}");
    let mut told = vec![format!("{adopter} is adopting your change {}", source.initiative_title)];
    told.extend(plan.flagged().map(|c| advice_asked(&adopter, &c.component)));
    for summary in &told {
        let notice =
            Notice { organisation: source.organisation, ..Notice::of(by, NotificationKind::Spread, summary, &href) };
        notifications::notify(&mut tx, &people, &notice).await?;
    }
    // Followers hear where the change is spreading, on its package (which they may read).
    let tags = follows::tags_in(&mut tx, source.initiative).await?;
    let summary = format!("{adopter} adopted {}", source.initiative_title);
    let text = format!("{} {}", source.initiative_title, plan.local_context);
    let reach = Reach::sharing(source.package.shared_with_hub, source.organisation);
    let event = Event { initiative: source.initiative, tags: &tags, text: &text };
    let package_href = format!("/packages/{}", source.initiative);
    follows::tell(&mut tx, by, &Telling { event, reach, summary: &summary, href: &package_href }).await?;
    tx.commit().await?;
    Ok(id)
}

/// What the originating team is told when a site adapts one of its core components, at adoption or
/// later.
fn advice_asked(adopter: &str, component: &str) -> String {
    format!("{adopter} adapted the core component \u{201c}{component}\u{201d}: your advice is asked")
}

/// An adoption made from a package, as both teams see it.
#[derive(Clone, Debug, Serialize)]
pub struct AdoptionRecord {
    pub adoption: crate::learning::Adoption,
    pub package_version: Option<i64>,
    pub local_context: Option<String>,
    pub choices: Vec<Choice>,
    pub checks: Vec<FidelityRecord>,
    /// Further adaptations logged since, oldest first.
    pub logged: Vec<LoggedAdaptation>,
    pub messages: Vec<Message>,
}

/// A further adaptation as logged.
#[derive(Clone, Debug, Serialize)]
pub struct LoggedAdaptation {
    pub adaptation: Adaptation,
    pub logged_by: String,
    pub logged_ms: i64,
}

/// A fidelity check as recorded.
#[derive(Clone, Debug, Serialize)]
pub struct FidelityRecord {
    pub check: FidelityCheck,
    pub percent: i64,
    pub checked_by: String,
    pub checked_ms: i64,
}

/// One message of an adoption's thread.
#[derive(Clone, Debug, Serialize)]
pub struct Message {
    pub author: String,
    pub organisation: String,
    pub body: String,
    pub created_ms: i64,
}

/// The adoption that started `adopted`, if `reader` is the adopting or the originating organisation.
pub async fn adoption(
    db: &Db,
    reader: OrganisationId,
    adopted: InitiativeId,
) -> Result<Option<AdoptionRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT a.package_version, a.local_context, a.organisation_id, s.organisation_id AS source_organisation_id
         FROM adoptions a JOIN initiatives s ON s.id = a.source_initiative_id WHERE a.adopted_initiative_id = $1",
    )
    .bind(adopted.get())
    .read_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (adopter, origin): (i64, i64) = (row.try_get("organisation_id")?, row.try_get("source_organisation_id")?);
    if reader.get() != adopter && reader.get() != origin {
        return Ok(None);
    }
    let Some(adoption) = crate::learning::adopted_from(db, OrganisationId::new(adopter), adopted).await? else {
        return Ok(None);
    };
    Ok(Some(AdoptionRecord {
        adoption,
        package_version: row.try_get("package_version")?,
        local_context: row.try_get("local_context")?,
        choices: choices(db, adopted).await?,
        checks: fidelity(db, adopted).await?,
        logged: logged(db, adopted).await?,
        messages: messages(db, adopted).await?,
    }))
}

/// Each core component's answer, in the package's order.
pub async fn choices(db: &Db, adopted: InitiativeId) -> Result<Vec<Choice>, StoreError> {
    let rows = sqlx::query("SELECT * FROM adoption_choices WHERE adopted_initiative_id = $1 ORDER BY position")
        .bind(adopted.get())
        .read_all(db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Choice {
                component: r.try_get("component")?,
                kept: r.try_get::<i64, _>("kept")? == 1,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}

/// The fidelity checks of an adoption, newest first.
pub async fn fidelity(db: &Db, adopted: InitiativeId) -> Result<Vec<FidelityRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT f.*, u.name FROM fidelity_checks f JOIN users u ON u.id = f.checked_by
         WHERE f.adopted_initiative_id = $1 ORDER BY f.checked_ms DESC, f.id DESC",
    )
    .bind(adopted.get())
    .read_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let body: String = r.try_get("body")?;
            Ok(FidelityRecord {
                check: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("fidelity check: {e}")))?,
                percent: r.try_get("percent")?,
                checked_by: r.try_get("name")?,
                checked_ms: r.try_get("checked_ms")?,
            })
        })
        .collect()
}

async fn logged(db: &Db, adopted: InitiativeId) -> Result<Vec<LoggedAdaptation>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.*, u.name FROM adaptation_log a JOIN users u ON u.id = a.logged_by
         WHERE a.adopted_initiative_id = $1 ORDER BY a.logged_ms, a.id",
    )
    .bind(adopted.get())
    .read_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LoggedAdaptation {
                adaptation: Adaptation {
                    component: r.try_get("component")?,
                    what: r.try_get("what")?,
                    why: r.try_get("why")?,
                },
                logged_by: r.try_get("name")?,
                logged_ms: r.try_get("logged_ms")?,
            })
        })
        .collect()
}

/// Logs a further adaptation at a site of `by`'s organisation that adopted from a package; `false` if
/// it is not one. An adapted core component asks the originating team's advice.
pub async fn log_adaptation(
    db: &Db,
    by: Actor,
    adopted: InitiativeId,
    adaptation: &Adaptation,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let row = sqlx::query(
        "SELECT a.source_initiative_id, s.organisation_id AS source_organisation_id, o.name AS adopter
         FROM adoptions a JOIN initiatives s ON s.id = a.source_initiative_id JOIN organisations o ON o.id = a.organisation_id
         WHERE a.adopted_initiative_id = $1 AND a.organisation_id = $2",
    )
    .bind(adopted.get())
    .bind(by.organisation.get())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(false) };
    sqlx::query(
        "INSERT INTO adaptation_log (adopted_initiative_id, component, what, why, logged_by, logged_ms)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(adopted.get())
    .bind(adaptation.component.clone())
    .bind(adaptation.what.clone())
    .bind(adaptation.why.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "spread.adaptation",
        format!("initiative:{adopted}"),
        format!(
            "Adapted {}: {} because {}",
            adaptation.component.as_deref().unwrap_or("the periphery"),
            adaptation.what,
            adaptation.why
        ),
    )
    .await?;
    if let Some(component) = &adaptation.component {
        let source = InitiativeId::new(row.try_get("source_initiative_id")?);
        let adopter: String = row.try_get("adopter")?;
        let people = notifications::initiative_people(&mut tx, source).await?;
        let summary = advice_asked(&adopter, component);
        let href = format!("/adoptions/{adopted}");
        let notice = Notice {
            organisation: OrganisationId::new(row.try_get("source_organisation_id")?),
            ..Notice::of(by, NotificationKind::Spread, &summary, &href)
        };
        notifications::notify(&mut tx, &people, &notice).await?;
    }
    tx.commit().await?;
    Ok(true)
}

async fn messages(db: &Db, adopted: InitiativeId) -> Result<Vec<Message>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.body, m.created_ms, u.name AS author, o.name AS organisation FROM adoption_messages m
         JOIN users u ON u.id = m.author_id JOIN organisations o ON o.id = m.organisation_id
         WHERE m.adopted_initiative_id = $1 ORDER BY m.created_ms, m.id",
    )
    .bind(adopted.get())
    .read_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Message {
                author: r.try_get("author")?,
                organisation: r.try_get("organisation")?,
                body: r.try_get("body")?,
                created_ms: r.try_get("created_ms")?,
            })
        })
        .collect()
}

/// Records a fidelity check on an initiative of `by`'s organisation adopted from a package; `false`
/// if it is not one. Both teams read it on the adoption page.
pub async fn record_fidelity(
    db: &Db,
    by: Actor,
    adopted: InitiativeId,
    check: &FidelityCheck,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let found = sqlx::query("SELECT 1 AS one FROM adoptions WHERE adopted_initiative_id = $1 AND organisation_id = $2")
        .bind(adopted.get())
        .bind(by.organisation.get())
        .fetch_optional(&mut *tx)
        .await?;
    if found.is_none() {
        return Ok(false);
    }
    let body = serde_json::to_string(check).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO fidelity_checks (adopted_initiative_id, body, percent, checked_by, checked_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(adopted.get())
    .bind(body)
    .bind(i64::from(check.percent()))
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "spread.fidelity",
        format!("initiative:{adopted}"),
        format!("Fidelity check: {} % of core components in place", check.percent()),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Adds a message to an adoption's thread from the adopting or the originating organisation; `false`
/// if `by` is neither. The other team is told.
pub async fn post_message(db: &Db, by: Actor, adopted: InitiativeId, body: &str) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    let row = sqlx::query(
        "SELECT a.organisation_id, a.source_initiative_id, s.organisation_id AS source_organisation_id, n.title
         FROM adoptions a JOIN initiatives s ON s.id = a.source_initiative_id JOIN initiatives n ON n.id = a.adopted_initiative_id
         WHERE a.adopted_initiative_id = $1",
    )
    .bind(adopted.get())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(false) };
    let (adopter, origin) = (
        OrganisationId::new(row.try_get("organisation_id")?),
        OrganisationId::new(row.try_get("source_organisation_id")?),
    );
    if by.organisation != adopter && by.organisation != origin {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO adoption_messages (adopted_initiative_id, organisation_id, author_id, body, created_ms) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(adopted.get())
    .bind(by.organisation.get())
    .bind(by.user.get())
    .bind(body.to_owned())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        db.dialect(),
        by,
        "spread.message",
        format!("initiative:{adopted}"),
        "Message on an adoption".into(),
    )
    .await?;
    let title: String = row.try_get("title")?;
    let source = InitiativeId::new(row.try_get("source_initiative_id")?);
    // The other team is told, in its own organisation. Across organisations the writer's side is their
    // organisation; within one, it is whether they work on the adopting initiative.
    let adopting_people = notifications::initiative_people(&mut tx, adopted).await?;
    let writer_adopts =
        if adopter == origin { adopting_people.contains(&by.user.get()) } else { by.organisation == adopter };
    let (other, other_people) = if writer_adopts {
        (origin, notifications::initiative_people(&mut tx, source).await?)
    } else {
        (adopter, adopting_people)
    };
    let summary = format!("A new message about the adoption {title}");
    let href = format!("/adoptions/{adopted}");
    let notice = Notice { organisation: other, ..Notice::of(by, NotificationKind::Spread, &summary, &href) };
    notifications::notify(&mut tx, &other_people, &notice).await?;
    tx.commit().await?;
    Ok(true)
}
