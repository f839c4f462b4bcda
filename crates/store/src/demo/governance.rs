//! The demo's governance story: facts and risks for every Northfield initiative that has been
//! submitted, approval requests whose times are those of its stage changes (so the time-to-decision
//! chart has real points), and one request still open and overdue, so the queue shows escalation.
//! Routes are computed by the same rules as the app, from the built-in pack.

use std::collections::BTreeSet;

use kindling_domain::approvals::{RoutingFacts, route};
use kindling_domain::ids::{InitiativeId, OrganisationId, UserId};
use kindling_domain::policy::{Fact, PolicyPack};
use kindling_domain::risk::Score;
use sqlx::Row;

use crate::{Db, StoreError, WriteTx};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A demo risk: (domain, cause, event, consequence, consequence score, likelihood score).
pub(super) type DemoRisk = (&'static str, &'static str, &'static str, &'static str, u8, u8);

/// One initiative's governance facts for the demo.
pub(super) struct Assessed<'a> {
    pub id: InitiativeId,
    pub facts: &'a [Fact],
    pub risks: &'a [DemoRisk],
}

use Fact::{HealthIt, TouchesPatients, UsesPersonalData};

/// The facts and risks recorded for each submitted Northfield initiative, by title prefix.
pub(super) const STORIES: &[(&str, &[Fact], &[DemoRisk])] = &[
    (
        "Discharge letters",
        &[TouchesPatients],
        &[
            (
                "quality-experience",
                "Letters drafted in a hurry at the board round",
                "A letter has an error in the medicines list",
                "The GP continues a stopped medicine",
                2,
                3,
            ),
            (
                "workforce",
                "Junior doctors' time at the board round",
                "The board round overruns",
                "Ward jobs start later",
                1,
                3,
            ),
        ],
    ),
    (
        "Falls prevention",
        &[TouchesPatients],
        &[
            (
                "patient-safety",
                "A tagged member of staff is called away",
                "A high-risk patient falls in an untagged bay",
                "Injury from a fall",
                3,
                2,
            ),
            ("workforce", "Staff stay in bays longer", "Overtime rises on Ward 7", "Tired staff and extra cost", 2, 3),
        ],
    ),
    (
        "Sepsis screening",
        &[TouchesPatients, HealthIt],
        &[(
            "patient-safety",
            "The triage form changes",
            "A septic patient is not flagged",
            "Antibiotics given late",
            3,
            3,
        )],
    ),
    (
        "Ward-round checklist",
        &[TouchesPatients],
        &[(
            "patient-safety",
            "The checklist adds a step to the ward round",
            "A patient off the ward misses a flagged dose anyway",
            "High blood sugar",
            2,
            2,
        )],
    ),
    (
        "Virtual ward",
        &[TouchesPatients, UsesPersonalData],
        &[
            (
                "patient-safety",
                "Monitoring at home instead of on a ward",
                "A frail patient deteriorates between calls",
                "Delayed admission",
                3,
                2,
            ),
            (
                "data-privacy",
                "Readings sent from home devices",
                "Readings reach the wrong record",
                "A disclosure of health data",
                2,
                1,
            ),
        ],
    ),
    (
        "Protected mealtimes",
        &[TouchesPatients],
        &[(
            "quality-experience",
            "Volunteers help at mealtimes",
            "A volunteer gives the wrong diet",
            "A patient is upset or unwell",
            2,
            2,
        )],
    ),
    (
        "Paperless handover",
        &[UsesPersonalData, HealthIt],
        &[("patient-safety", "Detail lost from the handover", "A task is missed at handover", "Delayed care", 3, 2)],
    ),
    (
        "SSKIN bundle",
        &[TouchesPatients],
        &[("workforce", "Two-hourly skin checks", "Checks crowd out other care", "Other tasks delayed", 2, 2)],
    ),
    (
        "Well-being huddles",
        &[],
        &[("workforce", "Huddles at the end of a shift", "Staff leave late", "Overtime and fatigue", 1, 3)],
    ),
];

pub(super) async fn seed(
    tx: &mut WriteTx,
    _db: &Db,
    organisation: OrganisationId,
    (lead, approver): (UserId, UserId),
    assessed: &[Assessed<'_>],
) -> Result<(), StoreError> {
    let pack = PolicyPack::uk_default();
    for item in assessed {
        let changes = sqlx::query(
            "SELECT from_stage, to_stage, reason, at_ms FROM stage_changes WHERE initiative_id = $1 ORDER BY id",
        )
        .bind(item.id.get())
        .fetch_all(&mut **tx)
        .await?;
        let at = |to: &str| -> Option<(i64, String)> {
            changes
                .iter()
                .find(|r| r.try_get::<String, _>("to_stage").is_ok_and(|s| s == to))
                .map(|r| (r.try_get("at_ms").unwrap_or_default(), r.try_get("reason").unwrap_or_default()))
        };
        let Some((submitted, _)) = at("assessment") else { continue };
        let facts: BTreeSet<Fact> = item.facts.iter().copied().collect();
        let list: Vec<&str> = facts.iter().map(|f| f.slug()).collect();
        sqlx::query(
            "INSERT INTO initiative_facts (initiative_id, facts, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(item.id.get())
        .bind(list.join(","))
        .bind(lead.get())
        .bind(submitted - DAY_MS)
        .execute(&mut **tx)
        .await?;
        let review = kindling_domain::initiatives::CivilDate::from_unix_ms(submitted + 90 * DAY_MS)
            .ok_or_else(|| StoreError::Corrupt("demo date out of range".into()))?;
        let mut scored = Vec::new();
        for (domain, cause, event, consequence, c, l) in item.risks {
            let score = Score::new(*c, *l).ok_or_else(|| StoreError::Corrupt("demo risk score".into()))?;
            scored.push((*domain, score));
            // The pack's escalation rule: a risk on the corporate register has an executive owner.
            let executive = if score.value() >= pack.corporate_register_from() { "Chief Medical Officer" } else { "" };
            let risk_id: i64 = sqlx::query(
                "INSERT INTO risk_items (initiative_id, organisation_id, domain, cause, event, consequence,
                    now_consequence, now_likelihood, controls, owner, review_on, pack_id, pack_version, created_by, created_ms, updated_ms,
                    executive_owner)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', 'Ward manager', $9, $10, $11, $12, $13, $13, $14) RETURNING id",
            )
            .bind(item.id.get())
            .bind(organisation.get())
            .bind(*domain)
            .bind(*cause)
            .bind(*event)
            .bind(*consequence)
            .bind(i64::from(*c))
            .bind(i64::from(*l))
            .bind(review.iso())
            .bind(pack.pack.id.clone())
            .bind(pack.pack.version.clone())
            .bind(lead.get())
            .bind(submitted - DAY_MS)
            .bind(executive)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
            sqlx::query(
                "INSERT INTO risk_scores (risk_id, consequence, likelihood, scored_by, scored_ms) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(risk_id)
            .bind(i64::from(*c))
            .bind(i64::from(*l))
            .bind(lead.get())
            .bind(submitted - DAY_MS)
            .execute(&mut **tx)
            .await?;
        }
        let gates: Vec<_> = pack.gates_for(&facts).iter().map(|g| g.kind).collect();
        let choice = route(&pack, &RoutingFacts { risks: scored, gates, research: false });
        let decided =
            changes.iter().find(|r| r.try_get::<String, _>("from_stage").is_ok_and(|s| s == "assessment")).map(|r| {
                (
                    r.try_get::<i64, _>("at_ms").unwrap_or_default(),
                    r.try_get::<String, _>("reason").unwrap_or_default(),
                    r.try_get::<String, _>("to_stage").unwrap_or_default(),
                )
            });
        let (outcome, decided_ms, reason) = match &decided {
            Some((at, reason, to)) => {
                (Some(if to == "stopped" { "decline" } else { "approve" }), Some(*at), Some(reason.clone()))
            }
            None => (None, None, None),
        };
        sqlx::query(
            "INSERT INTO approval_requests (initiative_id, organisation_id, route, route_label, route_rank, reason, pack_id,
                pack_version, submitted_by, submitted_ms, due_ms, outcome, decided_by, decided_ms, decision_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(item.id.get())
        .bind(organisation.get())
        .bind(choice.route.clone())
        .bind(choice.label.clone())
        .bind(i64::from(choice.rank))
        .bind(choice.reason.clone())
        .bind(choice.pack_id.clone())
        .bind(choice.pack_version.clone())
        .bind(lead.get())
        .bind(submitted)
        .bind(submitted + i64::from(choice.target_days) * DAY_MS)
        .bind(outcome)
        .bind(decided.as_ref().map(|_| approver.get()))
        .bind(decided_ms)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
