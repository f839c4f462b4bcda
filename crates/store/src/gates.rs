//! What the team and the specialist reviewers record for an initiative's gates: the facts that
//! trigger them, each gate's record (JSON) with its sign-off, and the clinical safety hazard log.
//! Changing a gate's record clears its sign-off, so a reviewer never appears to have approved what
//! they did not see.

use crate::db::SingleRead;
use std::collections::BTreeSet;

use kindling_domain::gates::{GateRecords, HazardDraft, HazardScore, HazardStatus, MeasurementReadiness};
use kindling_domain::ids::{InitiativeId, OrganisationId};
use kindling_domain::measures::MeasureKind;
use kindling_domain::policy::{Fact, GateKind, PackInfo};
use serde::Serialize;
use sqlx::Row;

use crate::{Actor, Db, StoreError, WriteTx, audit, initiatives, measures};

async fn log(
    tx: &mut WriteTx,
    db: &Db,
    by: Actor,
    action: &str,
    initiative: InitiativeId,
    summary: String,
) -> Result<(), StoreError> {
    audit::record(tx, db.dialect(), by, action, format!("initiative:{initiative}"), summary).await?;
    Ok(())
}

/// Whether the initiative is in `organisation` (every write below checks it first).
async fn owned(tx: &mut WriteTx, organisation: OrganisationId, initiative: InitiativeId) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT id FROM initiatives WHERE id = $1 AND organisation_id = $2")
        .bind(initiative.get())
        .bind(organisation.get())
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

/// The recorded facts, or `None` if the team has not answered yet.
pub async fn facts(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Option<BTreeSet<Fact>>, StoreError> {
    let row = sqlx::query(
        "SELECT f.facts FROM initiative_facts f JOIN initiatives i ON i.id = f.initiative_id
         WHERE f.initiative_id = $1 AND i.organisation_id = $2",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .read_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let raw: String = row.try_get("facts")?;
    raw.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Fact>().map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect::<Result<BTreeSet<_>, _>>()
        .map(Some)
}

/// Records the facts; `false` if the initiative is not in the organisation.
pub async fn record_facts(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    facts: &BTreeSet<Fact>,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    if !owned(&mut tx, by.organisation, initiative).await? {
        return Ok(false);
    }
    let list: Vec<&str> = facts.iter().map(|f| f.slug()).collect();
    sqlx::query(
        "INSERT INTO initiative_facts (initiative_id, facts, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (initiative_id) DO UPDATE SET facts = excluded.facts, recorded_by = excluded.recorded_by, recorded_ms = excluded.recorded_ms",
    )
    .bind(initiative.get())
    .bind(list.join(","))
    .bind(by.user.get())
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?;
    let summary = if list.is_empty() {
        "Facts recorded: none applies".to_owned()
    } else {
        format!("Facts recorded: {}", list.join(", "))
    };
    log(&mut tx, db, by, "gates.facts", initiative, summary).await?;
    tx.commit().await?;
    Ok(true)
}

/// A gate's stored record and sign-off.
#[derive(Clone, Debug, Serialize)]
pub struct GateRecord {
    pub gate: GateKind,
    pub data: String,
    pub signed_off_by: Option<String>,
    pub signed_off_ms: Option<i64>,
    pub sign_off_note: Option<String>,
    pub pack_id: String,
    pub pack_version: String,
}

pub async fn records_for(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<GateRecord>, StoreError> {
    sqlx::query(
        "SELECT g.*, u.name AS signer FROM gate_records g JOIN initiatives i ON i.id = g.initiative_id
         LEFT JOIN users u ON u.id = g.signed_off_by WHERE g.initiative_id = $1 AND i.organisation_id = $2",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let gate: String = r.try_get("gate")?;
        Ok(GateRecord {
            gate: gate.parse().map_err(|_| StoreError::Corrupt(format!("unknown gate {gate:?}")))?,
            data: r.try_get("data")?,
            signed_off_by: r.try_get("signer")?,
            signed_off_ms: r.try_get("signed_off_ms")?,
            sign_off_note: r.try_get("sign_off_note")?,
            pack_id: r.try_get("pack_id")?,
            pack_version: r.try_get("pack_version")?,
        })
    })
    .collect()
}

/// Saves a gate's record (JSON from the domain's record types) and clears its sign-off.
pub async fn save(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    gate: GateKind,
    data: &str,
    pack: &PackInfo,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    if !owned(&mut tx, by.organisation, initiative).await? {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO gate_records (initiative_id, gate, data, updated_by, updated_ms, pack_id, pack_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (initiative_id, gate) DO UPDATE SET data = excluded.data, updated_by = excluded.updated_by,
            updated_ms = excluded.updated_ms, pack_id = excluded.pack_id, pack_version = excluded.pack_version,
            signed_off_by = NULL, signed_off_ms = NULL, sign_off_note = NULL",
    )
    .bind(initiative.get())
    .bind(gate.slug())
    .bind(data.to_owned())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(pack.id.clone())
    .bind(pack.version.clone())
    .execute(&mut *tx)
    .await?;
    log(
        &mut tx,
        db,
        by,
        "gates.recorded",
        initiative,
        format!("{} record updated; any sign-off cleared", gate.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Signs a gate off. The caller has checked the reviewer's role and that the gate can pass.
pub async fn sign_off(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    gate: GateKind,
    note: &str,
    pack: &PackInfo,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    if !owned(&mut tx, by.organisation, initiative).await? {
        return Ok(false);
    }
    // Gates with nothing to record (research) get an empty record to carry the sign-off.
    sqlx::query(
        "INSERT INTO gate_records (initiative_id, gate, data, updated_by, updated_ms, pack_id, pack_version, signed_off_by, signed_off_ms, sign_off_note)
         VALUES ($1, $2, '{}', $3, $4, $5, $6, $3, $4, $7)
         ON CONFLICT (initiative_id, gate) DO UPDATE SET signed_off_by = excluded.signed_off_by,
            signed_off_ms = excluded.signed_off_ms, sign_off_note = excluded.sign_off_note",
    )
    .bind(initiative.get())
    .bind(gate.slug())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(pack.id.clone())
    .bind(pack.version.clone())
    .bind(note.to_owned())
    .execute(&mut *tx)
    .await?;
    log(
        &mut tx,
        db,
        by,
        "gates.signed_off",
        initiative,
        format!("{} signed off under {} {}: {note}", gate.label(), pack.id, pack.version),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(Clone, Debug, Serialize)]
pub struct Hazard {
    pub id: i64,
    pub status: HazardStatus,
    pub owner: String,
    pub name: String,
    pub cause: String,
    pub effect: String,
    pub controls: String,
    pub initial: (u8, u8),
    pub residual: (u8, u8),
    pub residual_level: u8,
    pub pack_version: String,
    pub created_ms: i64,
    pub updated_ms: Option<i64>,
    /// The clinical safety officer's review of the hazard as it stands (cleared by any change).
    pub reviewed_by: Option<String>,
    pub reviewed_ms: Option<i64>,
    pub review_note: Option<String>,
    /// Every change after it was logged, oldest first.
    pub history: Vec<HazardChange>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HazardChange {
    pub by: String,
    pub at_ms: i64,
    pub summary: String,
}

/// The initiative's hazard log, every status, in the order logged, with each hazard's history.
pub async fn hazards(
    db: &Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<Hazard>, StoreError> {
    let level = |v: i64| u8::try_from(v).map_err(|_| StoreError::Corrupt(format!("level {v} in hazards")));
    let mut hazards = sqlx::query(
        "SELECT h.*, u.name AS reviewer FROM hazards h JOIN initiatives i ON i.id = h.initiative_id
         LEFT JOIN users u ON u.id = h.reviewed_by
         WHERE h.initiative_id = $1 AND i.organisation_id = $2 ORDER BY h.id",
    )
    .bind(initiative.get())
    .bind(organisation.get())
    .read_all(db)
    .await?
    .iter()
    .map(|r| {
        let status: String = r.try_get("status")?;
        Ok(Hazard {
            id: r.try_get("id")?,
            status: status.parse().map_err(|_| StoreError::Corrupt(format!("hazard status {status:?}")))?,
            owner: r.try_get("owner")?,
            name: r.try_get("name")?,
            cause: r.try_get("cause")?,
            effect: r.try_get("effect")?,
            controls: r.try_get("controls")?,
            initial: (level(r.try_get("initial_severity")?)?, level(r.try_get("initial_likelihood")?)?),
            residual: (level(r.try_get("residual_severity")?)?, level(r.try_get("residual_likelihood")?)?),
            residual_level: level(r.try_get("residual_level")?)?,
            pack_version: r.try_get("pack_version")?,
            created_ms: r.try_get("created_ms")?,
            updated_ms: r.try_get("updated_ms")?,
            reviewed_by: r.try_get("reviewer")?,
            reviewed_ms: r.try_get("reviewed_ms")?,
            review_note: r.try_get("review_note")?,
            history: Vec::new(),
        })
    })
    .collect::<Result<Vec<Hazard>, StoreError>>()?;
    let changes = sqlx::query(
        "SELECT c.hazard_id, c.changed_ms, c.summary, u.name FROM hazard_changes c
         JOIN hazards h ON h.id = c.hazard_id JOIN users u ON u.id = c.changed_by
         WHERE h.initiative_id = $1 ORDER BY c.id",
    )
    .bind(initiative.get())
    .read_all(db)
    .await?;
    for row in changes {
        let hazard: i64 = row.try_get("hazard_id")?;
        if let Some(h) = hazards.iter_mut().find(|h| h.id == hazard) {
            h.history.push(HazardChange {
                by: row.try_get("name")?,
                at_ms: row.try_get("changed_ms")?,
                summary: row.try_get("summary")?,
            });
        }
    }
    Ok(hazards)
}

/// Clears the clinical safety sign-off: the log it was given on has changed.
async fn clear_safety_sign_off(tx: &mut WriteTx, initiative: InitiativeId) -> Result<(), StoreError> {
    sqlx::query("UPDATE gate_records SET signed_off_by = NULL, signed_off_ms = NULL, sign_off_note = NULL WHERE initiative_id = $1 AND gate = $2")
        .bind(initiative.get())
        .bind(GateKind::ClinicalSafety.slug())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Logs a hazard with its residual level under the pack, and clears the clinical safety sign-off.
pub async fn add_hazard(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    hazard: &HazardDraft,
    level: u8,
    pack: &PackInfo,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    if !owned(&mut tx, by.organisation, initiative).await? {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO hazards (initiative_id, name, cause, effect, controls, initial_severity, initial_likelihood,
            residual_severity, residual_likelihood, residual_level, pack_id, pack_version, created_by, created_ms,
            status, owner, closed_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(initiative.get())
    .bind(hazard.name.clone())
    .bind(hazard.cause.clone())
    .bind(hazard.effect.clone())
    .bind(hazard.controls.clone())
    .bind(i64::from(hazard.initial.0))
    .bind(i64::from(hazard.initial.1))
    .bind(i64::from(hazard.residual.0))
    .bind(i64::from(hazard.residual.1))
    .bind(i64::from(level))
    .bind(pack.id.clone())
    .bind(pack.version.clone())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(hazard.status.slug())
    .bind(hazard.owner.clone())
    .bind((!hazard.status.counts()).then_some(by.now_ms))
    .execute(&mut *tx)
    .await?;
    clear_safety_sign_off(&mut tx, initiative).await?;
    log(
        &mut tx,
        db,
        by,
        "gates.hazard_logged",
        initiative,
        format!("Hazard {:?} logged at residual level {level}", hazard.name),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// What changed between the stored hazard and the new draft, in one line for its history.
fn hazard_diff(before: &Hazard, after: &HazardDraft, level: u8) -> String {
    let mut parts = Vec::new();
    if before.status != after.status {
        parts.push(format!("status {} → {}", before.status.label(), after.status.label()));
    }
    if before.residual != after.residual {
        parts.push(format!(
            "residual severity {} × likelihood {} (level {}) → {} × {} (level {level})",
            before.residual.0, before.residual.1, before.residual_level, after.residual.0, after.residual.1
        ));
    }
    if before.initial != after.initial {
        parts.push(format!(
            "initial {} × {} → {} × {}",
            before.initial.0, before.initial.1, after.initial.0, after.initial.1
        ));
    }
    if before.controls != after.controls {
        parts.push(format!("controls now: {}", after.controls));
    }
    if before.owner != after.owner {
        parts.push(format!("owner: {}", if after.owner.is_empty() { "nobody named" } else { &after.owner }));
    }
    if before.name != after.name || before.cause != after.cause || before.effect != after.effect {
        parts.push("description edited".to_owned());
    }
    if parts.is_empty() { "saved without changes".to_owned() } else { parts.join("; ") }
}

/// Changes a hazard: writes the new version, a line of history saying what changed, clears the CSO's
/// review and the gate's sign-off, all in one transaction. `false` when the hazard is not the
/// initiative's in the actor's organisation.
pub async fn update_hazard(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    hazard: i64,
    draft: &HazardDraft,
    level: u8,
) -> Result<bool, StoreError> {
    let Some(before) = hazards(db, by.organisation, initiative).await?.into_iter().find(|h| h.id == hazard) else {
        return Ok(false);
    };
    let summary = hazard_diff(&before, draft, level);
    let mut tx = db.write().await?;
    let changed = sqlx::query(
        "UPDATE hazards SET name = $3, cause = $4, effect = $5, controls = $6, initial_severity = $7,
            initial_likelihood = $8, residual_severity = $9, residual_likelihood = $10, residual_level = $11,
            status = $12, owner = $13, closed_ms = $14, updated_ms = $15,
            reviewed_by = NULL, reviewed_ms = NULL, review_note = NULL
         WHERE id = $1 AND initiative_id = $2",
    )
    .bind(hazard)
    .bind(initiative.get())
    .bind(draft.name.clone())
    .bind(draft.cause.clone())
    .bind(draft.effect.clone())
    .bind(draft.controls.clone())
    .bind(i64::from(draft.initial.0))
    .bind(i64::from(draft.initial.1))
    .bind(i64::from(draft.residual.0))
    .bind(i64::from(draft.residual.1))
    .bind(i64::from(level))
    .bind(draft.status.slug())
    .bind(draft.owner.clone())
    .bind((!draft.status.counts()).then_some(by.now_ms))
    .bind(by.now_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO hazard_changes (hazard_id, changed_by, changed_ms, summary) VALUES ($1, $2, $3, $4)")
        .bind(hazard)
        .bind(by.user.get())
        .bind(by.now_ms)
        .bind(summary.clone())
        .execute(&mut *tx)
        .await?;
    clear_safety_sign_off(&mut tx, initiative).await?;
    log(&mut tx, db, by, "gates.hazard_changed", initiative, format!("Hazard {:?}: {summary}", draft.name)).await?;
    tx.commit().await?;
    Ok(true)
}

/// The clinical safety officer's review of one hazard as it stands, with a note; kept in its history.
pub async fn review_hazard(
    db: &Db,
    by: Actor,
    initiative: InitiativeId,
    hazard: i64,
    note: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.write().await?;
    if !owned(&mut tx, by.organisation, initiative).await? {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE hazards SET reviewed_by = $3, reviewed_ms = $4, review_note = $5 WHERE id = $1 AND initiative_id = $2",
    )
    .bind(hazard)
    .bind(initiative.get())
    .bind(by.user.get())
    .bind(by.now_ms)
    .bind(note.to_owned())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !done {
        return Ok(false);
    }
    sqlx::query("INSERT INTO hazard_changes (hazard_id, changed_by, changed_ms, summary) VALUES ($1, $2, $3, $4)")
        .bind(hazard)
        .bind(by.user.get())
        .bind(by.now_ms)
        .bind(format!("reviewed by the clinical safety officer: {note}"))
        .execute(&mut *tx)
        .await?;
    log(&mut tx, db, by, "gates.hazard_reviewed", initiative, format!("Hazard {hazard} reviewed: {note}")).await?;
    tx.commit().await?;
    Ok(true)
}

/// Everything gate evaluation needs, gathered from the initiative, its measures, facts, records and
/// hazards.
pub async fn gather(
    db: &Db,
    organisation: OrganisationId,
    initiative: &initiatives::Initiative,
) -> Result<GateRecords, StoreError> {
    let id = initiative.id;
    let mut records = GateRecords { facts: facts(db, organisation, id).await?, ..GateRecords::default() };
    let aim = &initiative.draft.aim;
    let kinds: Vec<MeasureKind> =
        measures::for_initiative(db, organisation, id).await?.iter().map(|m| m.draft.kind).collect();
    records.measurement = MeasurementReadiness {
        has_aim: aim.what.is_some() && aim.how_much.is_some() && aim.by_when.is_some(),
        outcome: kinds.contains(&MeasureKind::Outcome),
        process: kinds.contains(&MeasureKind::Process),
        balancing: kinds.contains(&MeasureKind::Balancing),
    };
    // Closed and transferred hazards no longer count towards the gate; their history stays in the log.
    let (counted, out_of_scope): (Vec<Hazard>, Vec<Hazard>) =
        hazards(db, organisation, id).await?.into_iter().partition(|h| h.status.counts());
    records.hazards_out_of_scope = out_of_scope.len();
    records.hazards =
        counted.into_iter().map(|h| HazardScore { name: h.name, initial: h.initial, residual: h.residual }).collect();
    for record in records_for(db, organisation, id).await? {
        if record.signed_off_ms.is_some() {
            records.signed_off.insert(record.gate);
        }
        records.assessed_under.insert(record.gate, format!("{} {}", record.pack_id, record.pack_version));
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("gate record {}: {e}", record.gate.slug()));
        match record.gate {
            GateKind::Dpia => {
                let dpia: kindling_domain::gates::DpiaRecord = serde_json::from_str(&record.data).map_err(corrupt)?;
                records.dpia = Some(dpia.criteria.into_iter().collect());
            }
            GateKind::Fairness => {
                let f: kindling_domain::gates::FairnessRecord = serde_json::from_str(&record.data).map_err(corrupt)?;
                records.fairness_locked = f.locked_ms.is_some();
                records.fairness_subgroups = f.subgroups;
                records.fairness_counts = f.counts;
            }
            GateKind::Consent => {
                let t: kindling_domain::gates::TextRecord = serde_json::from_str(&record.data).map_err(corrupt)?;
                records.consent = (!t.text.is_empty()).then_some(t.text);
            }
            GateKind::DigitalAssurance => {
                let t: kindling_domain::gates::TextRecord = serde_json::from_str(&record.data).map_err(corrupt)?;
                records.digital_passed = t.passed;
            }
            GateKind::Equality => {
                let e: kindling_domain::gates::EqualityRecord = serde_json::from_str(&record.data).map_err(corrupt)?;
                records.equality = Some(e);
            }
            GateKind::MedicalDevice => {
                let d: kindling_domain::gates::DeviceRecord = serde_json::from_str(&record.data).map_err(corrupt)?;
                records.device = Some(d);
            }
            GateKind::Research | GateKind::ClinicalSafety | GateKind::Measurement => {}
        }
    }
    Ok(records)
}
