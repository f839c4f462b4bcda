//! The demo's spread package: protected mealtimes written up to spread from Eastbrook, with a one-page
//! guide as a PDF, shared with the hub and adopted by Riverside House, which adapted one core
//! component (its advice answered on the thread) and has checked its fidelity once. Written through
//! the store's own functions, each in its own transaction, as a team would.

use std::collections::BTreeSet;

use kindling_domain::ids::InitiativeId;
use kindling_domain::initiatives::{Aim, InitiativeDraft, Tag};
use kindling_domain::packages::{
    AdaptablePart, AdoptionPlan, Choice, CoreComponent, FidelityCheck, Package, ResourceKind,
};

use crate::packages::{self, Adopting, NewResource};
use crate::{Actor, Db, StoreError};

fn package() -> Package {
    Package {
        summary:
            "Meals are protected from interruptions, and trained volunteers help the people who need help to eat, \
                  flagged by a red tray. More people finish their meal while it is hot."
                .into(),
        core: vec![
            CoreComponent {
                name: "A red tray for everyone who needs help to eat".into(),
                why: "Helpers can see at a glance who to go to first".into(),
                check: "Every person assessed as needing help has a red tray at each meal".into(),
            },
            CoreComponent {
                name: "No routine tasks during meals".into(),
                why: "Ward rounds and tests interrupt meals and food goes cold".into(),
                check: "No planned rounds, tests or cleaning during the meal hour".into(),
            },
        ],
        adaptable: vec![
            AdaptablePart {
                name: "Who helps".into(),
                examples: "Volunteers, housekeepers, family members who want to".into(),
            },
            AdaptablePart { name: "Which meals".into(), examples: "Lunch first; evening meals once it works".into() },
        ],
        setting: Some("A 26-bed community rehabilitation ward".into()),
        population: Some("Older adults recovering after a hospital stay, many with frailty".into()),
        staffing: Some("Four trained volunteers for each lunchtime, with a nurse in charge".into()),
        guide: vec![
            "Agree the protected hour with the ward team and the kitchen".into(),
            "Assess who needs help to eat and give them a red tray".into(),
            "Train volunteers in a one-hour session".into(),
            "Count meals finished for a month before you start".into(),
        ],
        contacts: Some("The nutrition nurse specialist team, through the hospital switchboard".into()),
        shared_with_hub: true,
    }
}

/// A one-page PDF saying what the guide says, written object by object with a correct cross-reference
/// table so that any reader opens it.
fn guide_pdf() -> Vec<u8> {
    let text = "BT /F1 18 Tf 72 760 Td (Protected mealtimes: a one-page guide) Tj 0 -28 Td /F1 12 Tf \
                (1. Agree the protected hour. 2. Red trays for people who need help. 3. Train the volunteers.) Tj ET";
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", n + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

pub async fn seed(
    db: &Db,
    northfield: Actor,
    riverside: Actor,
    mealtimes: InitiativeId,
    riverside_site: kindling_domain::ids::SiteId,
) -> Result<(), StoreError> {
    let written = package();
    packages::save(db, northfield, mealtimes, &written).await?;
    let guide = NewResource {
        title: "One-page guide to protected mealtimes",
        description: Some("The four steps, for the staff room wall"),
        file_name: "protected-mealtimes-guide.pdf",
        kind: ResourceKind::Pdf,
    };
    packages::add_resource(db, northfield, mealtimes, &guide, &guide_pdf()).await?;
    let source = packages::readable(db, riverside.organisation, mealtimes)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the demo package is not shared".into()))?;
    let plan = AdoptionPlan {
        title: "Protected mealtimes at Riverside House".into(),
        local_context: "A 40-bed care home where people eat together in two dining rooms.".into(),
        choices: vec![
            Choice { component: written.core[0].name.clone(), kept: true, reason: None },
            Choice {
                component: written.core[1].name.clone(),
                kept: false,
                reason: Some("Medicines rounds cannot move, so they pause for the first half hour only".into()),
            },
        ],
        adaptations: Some("Care assistants help, not volunteers, because the home has none yet".into()),
    };
    let draft = InitiativeDraft {
        title: plan.title.clone(),
        problem: plan.local_context.clone(),
        proposed_change: plan.proposed_change(&written),
        aim: Aim::default(),
        site: Some(riverside_site),
        tags: Tag::parse("adopted").ok().into_iter().collect(),
    };
    let facts = BTreeSet::from([kindling_domain::policy::Fact::TouchesPatients]);
    let adopting = Adopting { source: &source, plan: &plan, draft: &draft, facts: &facts, measures: &[] };
    let adopted = packages::adopt(db, riverside, &adopting).await?;
    packages::post_message(
        db,
        northfield,
        adopted,
        "Pausing the medicines round for half an hour worked for us too: keep the red trays exactly as they are.",
    )
    .await?;
    let check = FidelityCheck {
        in_place: vec![(written.core[0].name.clone(), true), (written.core[1].name.clone(), false)],
        note: Some("The medicines round still overlaps the second half of lunch, as planned".into()),
    };
    packages::record_fidelity(db, riverside, adopted, &check).await?;
    Ok(())
}
