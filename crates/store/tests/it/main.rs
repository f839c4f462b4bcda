//! Storage tests, run against SQLite always and against PostgreSQL when `KINDLING_TEST_POSTGRES_URL`
//! names a server (the full check starts one).

use kindling_domain::ids::{InitiativeId, OrganisationId, SiteId};
use kindling_domain::initiatives::{Aim, InitiativeDraft, Stage, Standing, Tag};
use kindling_domain::paging::Page;
use kindling_domain::people::{Email, Role};
use kindling_store::audit::{self, Verification};
use kindling_store::initiatives::{self, Filter};
use kindling_store::{StoreError, raw_execute, users};
use kindling_testkit::{demo_db, now_ms};

mod evidence;
mod search;
mod spaces;

fn draft(title: &str) -> InitiativeDraft {
    InitiativeDraft {
        title: title.into(),
        problem: "problem".into(),
        proposed_change: "change".into(),
        aim: Aim::default(),
        site: None,
        tags: vec![Tag::parse("flow").unwrap()],
    }
}

async fn user(db: &kindling_store::Db, email: &str) -> kindling_store::users::User {
    users::find_by_email(db, &Email::parse(email).unwrap()).await.unwrap().unwrap()
}

#[tokio::test]
async fn the_demo_seed_is_complete_and_its_audit_chain_verifies() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    for role in Role::ALL {
        let email = kindling_store::demo::email_for(*role);
        let found = user(db, &email).await;
        assert!(found.memberships[0].roles.contains(role), "{email}");
    }
    let northfield = OrganisationId::new(1);
    let counts = initiatives::count_by_stage(db, northfield).await?;
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 12);
    assert!(counts.iter().filter(|(_, n)| *n > 0).count() >= 8, "initiatives across stages: {counts:?}");
    match audit::verify(db).await? {
        Verification::Intact { entries } => assert!(entries > 14, "{entries}"),
        Verification::Broken(b) => panic!("{b}"),
    }
    // Seeding twice does nothing.
    assert!(kindling_store::demo::seed_if_empty(db, "x", now_ms()).await?.is_none());
    Ok(())
}

#[tokio::test]
async fn concurrent_writes_all_commit_and_the_chain_stays_whole() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = test_db.db.clone();
    let submitter = user(&db, "clinician@demo.kindling.test").await.id;
    let tasks: Vec<_> = (0..32)
        .map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                initiatives::create(
                    &db,
                    OrganisationId::new(1),
                    submitter,
                    &draft(&format!("Concurrent {n}")),
                    now_ms(),
                )
                .await
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let (_, total) = initiatives::list(&db, OrganisationId::new(1), &Filter::default(), Page::parse(None, 10)).await?;
    assert_eq!(total, 12 + 32);
    assert!(matches!(audit::verify(&db).await?, Verification::Intact { .. }));
    Ok(())
}

/// A page's total is the number of initiatives the filter matches, whatever the page: checked against
/// the rows a page large enough for all of them holds, for each kind of filter.
#[tokio::test]
async fn the_total_of_a_filtered_list_counts_what_the_filter_matches() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let org = OrganisationId::new(1);
    let (everything, _) = initiatives::list(db, org, &Filter::default(), Page::parse(None, 100)).await?;
    let tag = everything.iter().flat_map(|i| i.tags.clone()).next().expect("a demo initiative has a tag");
    let stage = everything[0].stage;
    let filters = [
        Filter::default(),
        Filter { stage: Some(stage), ..Filter::default() },
        Filter { tag: Some(Tag::parse(&tag).map_err(anyhow::Error::msg)?), ..Filter::default() },
        Filter { stage: Some(stage), tag: Some(Tag::parse(&tag).map_err(anyhow::Error::msg)?), ..Filter::default() },
    ];
    for filter in &filters {
        let (all, total) = initiatives::list(db, org, filter, Page::parse(None, 100)).await?;
        let (first, paged_total) = initiatives::list(db, org, filter, Page::parse(None, 1)).await?;
        assert_eq!(total, all.len() as u64, "{filter:?}");
        assert_eq!((paged_total, first.len()), (total, all.len().min(1)), "{filter:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_stage_change_on_a_stale_stage_is_a_conflict_and_changes_nothing() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let org = OrganisationId::new(1);
    let clinician = user(db, "clinician@demo.kindling.test").await;
    let id = initiatives::create(db, org, clinician.id, &draft("Stale"), now_ms()).await?;
    let owner = Standing { roles: vec![Role::Clinician], is_submitter: true, is_team_member: true };
    let (change, _) = Stage::Idea.transition(Stage::Shaping, &owner, "first")?;
    initiatives::change_stage(db, org, id, clinician.id, &change, now_ms()).await?;
    let before = audit::for_subject(db, &format!("initiative:{id}")).await?.len();
    let again = initiatives::change_stage(db, org, id, clinician.id, &change, now_ms()).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(audit::for_subject(db, &format!("initiative:{id}")).await?.len(), before);
    let item = initiatives::get(db, org, id).await?.unwrap();
    assert_eq!((item.stage, item.history.len()), (Stage::Shaping, 1));
    Ok(())
}

#[tokio::test]
async fn nothing_crosses_organisations() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let riverside = OrganisationId::new(2);
    assert!(initiatives::get(db, riverside, InitiativeId::new(1)).await?.is_none());
    let carer = user(db, "carer@riverside.demo.kindling.test").await;
    let (change, _) = Stage::Piloting.transition(
        Stage::Stopped,
        &Standing { roles: vec![Role::Executive], ..Standing::default() },
        "x",
    )?;
    let result = initiatives::change_stage(db, riverside, InitiativeId::new(1), carer.id, &change, now_ms()).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))));
    assert_eq!(
        initiatives::get(db, OrganisationId::new(1), InitiativeId::new(1)).await?.unwrap().stage,
        Stage::Piloting
    );
    let (items, total) = initiatives::list(db, riverside, &Filter::default(), Page::parse(None, 50)).await?;
    // Riverside's two stories, and its adoption of Northfield's protected mealtimes (demo::packages).
    assert_eq!(total, 3);
    assert!(items.iter().all(|i| i.id.get() > 12));
    Ok(())
}

#[tokio::test]
async fn list_filters_combine() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let org = OrganisationId::new(1);
    let sites = kindling_store::orgs::sites(db, org).await?;
    let general = sites.iter().find(|s| s.name == "Northfield General Hospital").unwrap().id;
    let check = |stage: Option<Stage>, site: Option<SiteId>, tag: Option<&str>| Filter {
        stage,
        site,
        tag: tag.map(|t| Tag::parse(t).unwrap()),
    };
    let count = |f: Filter| async move { initiatives::list(db, org, &f, Page::parse(None, 50)).await.unwrap().1 };
    // Expected counts come from the demo stories in store::demo (site, stage and tags of each).
    assert_eq!(count(check(Some(Stage::Piloting), None, None)).await, 2);
    assert_eq!(count(check(None, Some(general), None)).await, 7);
    assert_eq!(count(check(None, None, Some("patient safety"))).await, 2);
    assert_eq!(count(check(Some(Stage::Evaluating), Some(general), Some("falls"))).await, 1);
    assert_eq!(count(check(Some(Stage::Adopted), None, Some("falls"))).await, 0);
    Ok(())
}

#[tokio::test]
async fn altering_any_audit_row_is_detected_at_that_row() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let Verification::Intact { entries } = audit::verify(db).await? else { panic!("fresh chain broken") };
    for (seq, statement) in [
        (5, "UPDATE audit_log SET summary = 'rewritten' WHERE seq = 5"),
        (3, "UPDATE audit_log SET actor_id = NULL WHERE seq = 3"),
        (2, "DELETE FROM audit_log WHERE seq = 2"),
    ] {
        raw_execute(db, statement).await?;
        match audit::verify(db).await? {
            Verification::Broken(broken) => {
                assert_eq!(broken.seq, if seq == 2 { 3 } else { seq }, "{statement}: {broken}")
            }
            Verification::Intact { .. } => panic!("{statement} went unnoticed"),
        }
    }
    assert!(entries > 5);
    Ok(())
}

/// The server's checkpoint empties SQLite's write-ahead log, which SQLite's own checkpoints copy but
/// never shrink (under steady reads they never even restart it); the data stay whole.
#[tokio::test]
async fn a_checkpoint_empties_the_write_ahead_log_and_keeps_the_data() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let Some(file) = test_db.url.strip_prefix("sqlite://").and_then(|rest| rest.split('?').next()) else {
        // PostgreSQL: nothing to do, and nothing goes wrong.
        db.checkpoint().await?;
        return Ok(());
    };
    let wal = std::path::PathBuf::from(format!("{file}-wal"));
    let size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(size() > 0, "seeding the demo writes to the log");
    db.checkpoint().await?;
    assert_eq!(size(), 0, "the log is emptied");
    let counts = initiatives::count_by_stage(db, OrganisationId::new(1)).await?;
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 12, "every initiative is still there");
    assert!(matches!(audit::verify(db).await?, Verification::Intact { .. }));
    Ok(())
}
