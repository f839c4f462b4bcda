//! Collaborative spaces: who already works together is found among the space's members only.

use kindling_domain::ids::OrganisationId;
use kindling_domain::people::Role;
use kindling_domain::spaces::SpaceDraft;
use kindling_store::users::Person;
use kindling_store::{Actor, initiatives, spaces};
use kindling_testkit::{demo_db, now_ms};

use crate::{draft, user};

#[tokio::test]
async fn people_on_one_team_are_found_to_work_together_and_only_members_count() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let northfield = OrganisationId::new(1);
    let approver = user(db, &kindling_store::demo::email_for(Role::Approver)).await;
    let research = user(db, &kindling_store::demo::email_for(Role::ResearchOffice)).await;
    let dpo = user(db, &kindling_store::demo::email_for(Role::DataProtectionOfficer)).await;
    // The approver's new idea has the research office on its team.
    let idea = initiatives::create(db, northfield, approver.id, &draft("A shared transfer sheet"), now_ms()).await?;
    let member = Person { id: research.id, name: research.name.clone(), profession: research.profession };
    initiatives::set_team_member(db, northfield, idea, approver.id, &member, "Member", now_ms()).await?;
    let by = |user| Actor { organisation: northfield, user, now_ms: now_ms() };
    let space =
        spaces::create(db, by(approver.id), &SpaceDraft { title: "Transfers".into(), theme: "Safer transfers".into() })
            .await?;
    spaces::join(db, by(research.id), space).await?;
    spaces::join(db, by(dpo.id), space).await?;
    let pairs = spaces::worked_together(db, space).await?;
    let pair = (approver.id.min(research.id), approver.id.max(research.id));
    assert!(pairs.contains(&pair), "{pairs:?}");
    let members = [approver.id, research.id, dpo.id];
    assert!(pairs.iter().all(|(a, b)| a < b && members.contains(a) && members.contains(b)), "{pairs:?}");
    // Someone outside the space never appears, though they share the demo's initiatives with these people.
    let lead = user(db, &kindling_store::demo::email_for(Role::ImprovementLead)).await;
    assert!(!pairs.iter().any(|(a, b)| *a == lead.id || *b == lead.id));
    Ok(())
}

/// A subject access export includes the person's part in the hub's spaces: their memberships, their
/// outputs and the saved teams they are in, and nobody else's.
#[tokio::test]
async fn a_subject_access_export_includes_the_persons_spaces() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let northfield = OrganisationId::new(1);
    let approver = user(db, &kindling_store::demo::email_for(Role::Approver)).await;
    let dpo = user(db, &kindling_store::demo::email_for(Role::DataProtectionOfficer)).await;
    let by = |user| Actor { organisation: northfield, user, now_ms: now_ms() };
    let space = spaces::create(
        db,
        by(approver.id),
        &SpaceDraft { title: "Discharge".into(), theme: "Earlier discharge".into() },
    )
    .await?;
    spaces::join(db, by(dpo.id), space).await?;
    let opened = spaces::get(db, space).await?.expect("the space");
    let stage = kindling_domain::spaces::Stage::Define;
    spaces::add_output(db, by(approver.id), &opened, stage, "How might we plan discharge on admission?").await?;
    let seats = vec![vec![kindling_domain::spaces::Seat::Member(approver.id)]];
    assert_eq!(spaces::save_teams(db, by(approver.id), space, &seats).await?, Ok(()));
    let held = kindling_store::data_protection::subject_access(db, northfield, approver.id).await?.expect("a member");
    let section = |name: &str| held.iter().find(|s| s.name == name).map(|s| s.rows.clone()).unwrap_or_default();
    let value = |rows: &[Vec<(String, String)>], field: &str| -> Vec<String> {
        rows.iter().filter_map(|r| r.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone())).collect()
    };
    assert!(value(&section("space_memberships"), "title").contains(&"Discharge".to_owned()));
    assert_eq!(value(&section("space_outputs"), "body"), vec!["How might we plan discharge on admission?"]);
    assert_eq!(value(&section("space_teams"), "space_id"), vec![space.to_string()]);
    // The other member's export has their membership and nothing of the approver's.
    let theirs = kindling_store::data_protection::subject_access(db, northfield, dpo.id).await?.expect("a member");
    let outputs = theirs.iter().find(|s| s.name == "space_outputs").map(|s| s.rows.len());
    assert_eq!(outputs, Some(0));
    Ok(())
}
