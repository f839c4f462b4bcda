//! Measures, data, phases and PDSA cycles in storage, and the demonstration hub's evidence.

use kindling_domain::ids::{InitiativeId, MeasureId, OrganisationId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::measures::{MeasureForm, Point, Signal, analyse_measure};
use kindling_domain::pdsa::PdsaPlan;
use kindling_domain::people::Email;
use kindling_spc::Assurance;
use kindling_store::{Actor, Db, measures, pdsa, users};
use kindling_testkit::{demo_db, now_ms};

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const RIVERSIDE: OrganisationId = OrganisationId::new(2);

async fn actor(db: &Db, email: &str, organisation: OrganisationId) -> Actor {
    let user = users::find_by_email(db, &Email::parse(email).unwrap()).await.unwrap().unwrap();
    Actor { organisation, user: user.id, now_ms: now_ms() }
}

async fn signal_of(db: &Db, measure: &measures::Measure) -> (Signal, kindling_spc::Analysis) {
    let points = measures::points(db, measure.id).await.unwrap();
    let phases: Vec<CivilDate> = measures::phases(db, measure.id).await.unwrap().iter().map(|p| p.starts_on).collect();
    let analysis = analyse_measure(&measure.draft, &points, &phases).unwrap();
    (Signal::of(&analysis), analysis)
}

/// Each demo measure tells the story its data were written for (see store::demo::evidence): the
/// expected signals follow from the Making Data Count rules applied to those hand-written numbers.
#[tokio::test]
async fn the_demo_measures_say_what_their_data_show() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let all = measures::for_organisation(db, NORTHFIELD).await?;
    let find = |prefix: &str| all.iter().find(|m| m.measure.draft.name.starts_with(prefix)).unwrap().measure.clone();
    // Ten months below the old centre line after bay tagging: a shift, in the better direction.
    assert_eq!(signal_of(db, &find("Inpatient falls")).await.0, Signal::Improvement);
    assert_eq!(signal_of(db, &find("Bays with a tagged")).await.0, Signal::Improvement);
    // Overtime climbs for ten months: a shift above the centre line, and lower is better.
    assert_eq!(signal_of(db, &find("Staff overtime")).await.0, Signal::Concern);
    // Huddles: the share supported wanders around 36%; the 60% target is above the upper limit.
    let (signal, analysis) = signal_of(db, &find("Staff who feel supported")).await;
    assert_eq!(signal, Signal::NoChange);
    assert_eq!(analysis.assurance, Some(Assurance::Fail));
    // Discharge letters: the PDSA cycle's phase restarts the limits, and the new level is stable.
    let letters = find("Hours from medically fit");
    assert_eq!(measures::phases(db, letters.id).await?.len(), 1);
    let (signal, analysis) = signal_of(db, &letters).await;
    assert_eq!(signal, Signal::NoChange);
    assert_eq!(analysis.points.last().unwrap().phase, 1);
    // Riverside's measures are Riverside's alone.
    let riverside = measures::for_organisation(db, RIVERSIDE).await?;
    assert_eq!(riverside.len(), 1);
    assert_eq!(signal_of(db, &riverside[0].measure).await.0, Signal::NoChange);
    assert!(all.iter().all(|m| m.measure.draft.name != riverside[0].measure.draft.name));
    Ok(())
}

fn form() -> MeasureForm {
    MeasureForm {
        name: "Minutes to first antibiotic".into(),
        kind: "process".into(),
        category: "clinical-outcome".into(),
        numerator: "Minutes from triage to the first antibiotic dose".into(),
        source: "ED system".into(),
        frequency: "weekly".into(),
        direction: "decrease".into(),
        data_type: "value".into(),
        ..MeasureForm::default()
    }
}

fn point(y: i32, m: u8, d: u8, value: f64) -> Point {
    Point { period: CivilDate::new(y, m, d).unwrap(), value, denominator: None }
}

#[tokio::test]
async fn another_organisation_cannot_touch_a_measure() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let lead = actor(db, "improvement-lead@demo.kindling.test", NORTHFIELD).await;
    let id = measures::create(db, lead, InitiativeId::new(1), &form().parse().unwrap()).await?.unwrap();
    let stranger = actor(db, "admin@riverside.demo.kindling.test", RIVERSIDE).await;
    // Creating on another organisation's initiative, reading, adding data, editing: all "not there".
    assert!(measures::create(db, stranger, InitiativeId::new(1), &form().parse().unwrap()).await?.is_none());
    assert!(measures::get(db, RIVERSIDE, id).await?.is_none());
    assert!(!measures::add_points(db, stranger, id, &[point(2025, 1, 6, 40.0)], "a test").await?);
    assert!(!measures::update(db, stranger, id, &form().parse().unwrap()).await?);
    assert!(measures::points(db, id).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn points_replace_their_period_and_phases_move_and_go_on_record() -> anyhow::Result<()> {
    let test_db = demo_db().await?;
    let db = &test_db.db;
    let lead = actor(db, "improvement-lead@demo.kindling.test", NORTHFIELD).await;
    let id: MeasureId = measures::create(db, lead, InitiativeId::new(1), &form().parse().unwrap()).await?.unwrap();
    measures::add_points(db, lead, id, &[point(2025, 1, 6, 40.0), point(2025, 1, 13, 38.0)], "a test").await?;
    measures::add_points(db, lead, id, &[point(2025, 1, 13, 35.0)], "a correction").await?;
    let stored = measures::points(db, id).await?;
    assert_eq!(stored, [point(2025, 1, 6, 40.0), point(2025, 1, 13, 35.0)]);
    assert!(measures::delete_point(db, lead, id, CivilDate::new(2025, 1, 6).unwrap()).await?);
    assert_eq!(measures::points(db, id).await?.len(), 1);

    // A cycle names this measure and one of another initiative: only its own takes the phase.
    let other = measures::create(db, lead, InitiativeId::new(2), &form().parse().unwrap()).await?.unwrap();
    let plan = PdsaPlan {
        change: "Antibiotics in the triage bay".into(),
        prediction: "Under 60 minutes".into(),
        starts_on: CivilDate::new(2025, 2, 3).unwrap(),
        phase_measures: vec![id, other],
    };
    pdsa::start(db, lead, InitiativeId::new(1), &plan).await?.unwrap();
    assert!(measures::phases(db, other).await?.is_empty());
    let phases = measures::phases(db, id).await?;
    assert_eq!(phases.len(), 1);
    let stranger = actor(db, "admin@riverside.demo.kindling.test", RIVERSIDE).await;
    assert!(!measures::remove_phase(db, stranger, phases[0].id, "not mine").await?);
    let moved = CivilDate::new(2025, 2, 10).unwrap();
    assert!(measures::move_phase(db, lead, phases[0].id, moved, "The change began a week late").await?);
    assert_eq!(measures::phases(db, id).await?[0].starts_on, moved);
    assert!(measures::remove_phase(db, lead, phases[0].id, "The change was never made").await?);
    assert!(measures::phases(db, id).await?.is_empty());
    let log = kindling_store::audit::for_subject(db, &format!("measure:{id}")).await?;
    let actions: Vec<&str> = log.iter().map(|e| e.event.action.as_str()).collect();
    for expected in [
        "measure.created",
        "measure.data_added",
        "measure.data_removed",
        "measure.phase_moved",
        "measure.phase_removed",
    ] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    Ok(())
}
