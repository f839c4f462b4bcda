//! The demo's help for innovators: Northfield's support offers with a few answered requests (so the
//! response-time chart has points), and a driver diagram for protected mealtimes.

use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};

use crate::{StoreError, WriteTx};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub struct Contacts {
    pub lead: UserId,
    pub research: UserId,
    pub admin: UserId,
    pub dpo: UserId,
    pub clinician: UserId,
}

/// (kind, title, covers, who can ask, response days).
const OFFERS: [(&str, &str, &str, &str, i64); 4] = [
    (
        "qi-coaching",
        "QI coaching",
        "An improvement coach helps you write the aim, choose measures, plan PDSA cycles and read your run charts.",
        "Anyone in Northfield with an idea or an initiative",
        5,
    ),
    (
        "research",
        "Research and development advice",
        "Whether your project is research, service evaluation or audit, and the approvals research needs.",
        "Anyone planning to collect data beyond routine care",
        10,
    ),
    (
        "digital",
        "Digital team",
        "Advice on changes to the electronic patient record, devices, apps and the DTAC assessment.",
        "Teams whose change involves software or data",
        10,
    ),
    (
        "information-governance",
        "Information governance",
        "DPIA screening, data sharing agreements and what you may collect about patients.",
        "Anyone whose change uses personal data",
        7,
    ),
];

async fn node(
    tx: &mut WriteTx,
    initiative: InitiativeId,
    parent: Option<i64>,
    kind: &str,
    label: &str,
    at: i64,
) -> Result<i64, StoreError> {
    use sqlx::Row;
    Ok(sqlx::query(
        "INSERT INTO driver_nodes (initiative_id, parent_id, kind, label, created_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(initiative.get())
    .bind(parent)
    .bind(kind)
    .bind(label)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?)
}

pub async fn seed(
    tx: &mut WriteTx,
    organisation: OrganisationId,
    people: Contacts,
    asking: &[InitiativeId],
    mealtimes: InitiativeId,
    now_ms: i64,
) -> Result<(), StoreError> {
    use sqlx::Row;
    let contacts = [people.lead, people.research, people.admin, people.dpo];
    let mut qi = 0;
    for ((kind, title, covers, who, days), contact) in OFFERS.iter().zip(contacts) {
        let id: i64 = sqlx::query(
            "INSERT INTO support_offers (organisation_id, kind, title, covers, who_can_ask, response_days, contact_id, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(organisation.get())
        .bind(*kind)
        .bind(*title)
        .bind(*covers)
        .bind(*who)
        .bind(*days)
        .bind(contact.get())
        .bind(now_ms - 120 * DAY_MS)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        if *kind == "qi-coaching" {
            qi = id;
        }
    }
    // Coaching asked for by earlier initiatives, answered after these many days.
    let answered_after = [2, 4, 1, 6, 3, 2, 5];
    for (n, (initiative, days)) in asking.iter().cycle().zip(answered_after).enumerate() {
        let asked = now_ms - (100 - 12 * i64::try_from(n).unwrap_or(0)) * DAY_MS;
        sqlx::query(
            "INSERT INTO support_requests (offer_id, initiative_id, organisation_id, requested_by, message, status, note, answered_by,
                requested_ms, responded_ms, completed_ms)
             VALUES ($1, $2, $3, $4, $5, 'completed', $6, $7, $8, $9, $10)",
        )
        .bind(qi)
        .bind(initiative.get())
        .bind(organisation.get())
        .bind(people.clinician.get())
        .bind("Help choosing measures and reading the first run chart.")
        .bind("Two coaching sessions held; measures agreed.")
        .bind(people.lead.get())
        .bind(asked)
        .bind(asked + days * DAY_MS)
        .bind(asked + (days + 14) * DAY_MS)
        .execute(&mut **tx)
        .await?;
    }
    // Protected mealtimes: why patients who need help to eat go without, and what was tried.
    let at = now_ms - 60 * DAY_MS;
    let helped = node(tx, mealtimes, None, "primary", "Patients who need help are known at every meal", at).await?;
    node(tx, mealtimes, Some(helped), "change", "A red tray for every patient who needs help to eat", at).await?;
    let time = node(tx, mealtimes, None, "primary", "Someone is free to help while the food is hot", at).await?;
    let volunteers = node(tx, mealtimes, Some(time), "secondary", "Trained volunteers at lunch and tea", at).await?;
    node(tx, mealtimes, Some(volunteers), "change", "Volunteers recruited and trained centrally", at).await?;
    node(tx, mealtimes, Some(time), "change", "No ward rounds or tests during mealtimes", at).await?;
    Ok(())
}
