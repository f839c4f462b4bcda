//! Applying to a mentoring programme (issue 19 §3) over HTTP: staff apply on their own, a mistake is
//! refused with what was typed kept, only the applicant and the lead see an application, the lead
//! approves (which enrols, checked again as it stands then) or declines with a reason, and a mentor
//! approved from an application is matched only once their training is on record.

use crate::location;
use kindling_domain::ids::OrganisationId;
use kindling_domain::mentoring::Side;
use kindling_domain::mentoring::applications::Status;
use kindling_store::mentoring::{self, applications};
use kindling_testkit::{Browser, TestApp};

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const LEAD: &str = "programme-lead@demo.kindling.test";
/// Tom Okafor, an allied health professional with no enrolment in the demo programme.
const TOM: &str = "improvement-lead@demo.kindling.test";

async fn demo_programme(app: &TestApp) -> mentoring::Programme {
    mentoring::programmes(app.db(), NORTHFIELD).await.unwrap().remove(0)
}

/// Tom's application as a mentee, answering the demo programme's two questions.
fn mentee_fields(grade: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("role", "mentee"),
        ("staff_number", ""),
        ("profession", "allied health professional"),
        ("grade", grade),
        ("site", "Northfield General Hospital"),
        ("unit", "Ward 7"),
        ("goals", "leadership, quality improvement"),
        ("learning_style", "conversation"),
        ("availability", "tue-pm"),
        ("track", "standard"),
        ("answer0", "Cut the wait for physiotherapy on the stroke unit."),
        ("answer1", "Someone who has led a change across two teams."),
    ]
}

async fn apply(browser: &Browser, programme: i64, fields: &[(&str, &str)]) -> anyhow::Result<reqwest::Response> {
    let form = format!("/mentoring/programmes/{programme}/apply");
    browser.submit(&form, &form, fields).await
}

#[tokio::test]
async fn a_member_of_staff_applies_and_the_lead_approves_which_enrols_them() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = demo_programme(&app).await;
    assert!(p.settings.applications_open, "the demo programme takes applications");
    let tom = app.signed_in(TOM).await?;
    let (_, page) = tom.get_text(&format!("/mentoring/programmes/{}", p.id)).await?;
    assert!(page.contains("Apply to join this programme"), "{page}");
    let (status, form) = tom.get_text(&format!("/mentoring/programmes/{}/apply", p.id)).await?;
    assert_eq!(status, 200);
    assert!(form.contains("value=\"allied health professional\""), "the account's profession is filled in: {form}");
    assert!(form.contains("What change would you like to lead in the next year?"), "the programme's own questions");

    // Band 8 is outside the programme's bands 4 to 6: refused, what was typed kept, nothing stored.
    let refused = apply(&tom, p.id, &mentee_fields("8")).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("This programme takes mentees in grades or bands 4 to 6: 8 is not"), "{html}");
    assert!(html.contains("Cut the wait for physiotherapy on the stroke unit."), "the answers are kept");
    assert!(applications::applications(app.db(), NORTHFIELD, p.id).await?.is_empty());

    let made = location(&apply(&tom, p.id, &mentee_fields("6")).await?);
    let id: i64 = made.rsplit('/').next().unwrap().parse()?;
    let (_, mine) = tom.get_text(&made).await?;
    assert!(mine.contains("Waiting for the lead&#39;s decision"), "{mine}");
    // One waiting application at a time.
    let twice = apply(&tom, p.id, &mentee_fields("6")).await?;
    assert_eq!(twice.status(), 422);
    assert!(twice.text().await?.contains("You already have an application waiting"));

    // Only the applicant and the lead see it; another organisation does not know it exists.
    for (who, expected) in [("mentee@demo.kindling.test", 404), ("admin@riverside.demo.kindling.test", 404)] {
        let other = app.signed_in(who).await?;
        assert_eq!(other.get(&made).await?.status(), expected, "{who}");
    }
    // The applicant cannot approve their own application.
    assert_eq!(tom.submit(&made, &format!("{made}/approve"), &[]).await?.status(), 403);

    let lead = app.signed_in(LEAD).await?;
    let (_, home) = lead.get_text(&format!("/mentoring/programmes/{}", p.id)).await?;
    assert!(home.contains("Applications: 1 waiting for your decision"), "{home}");
    let (_, read) = lead.get_text(&made).await?;
    assert!(read.contains("Someone who has led a change across two teams."), "the lead reads the answers");
    let approved = location(&lead.submit(&made, &format!("{made}/approve"), &[]).await?);
    assert_eq!(approved, format!("/mentoring/programmes/{}/applications", p.id), "a mentee needs no training step");
    let record = applications::application(app.db(), NORTHFIELD, id).await?.unwrap();
    assert_eq!(record.status, Status::Approved);
    let people = mentoring::participants(app.db(), NORTHFIELD, p.id).await?;
    let enrolled = people.iter().find(|x| x.reference == "improvement-lead@demo.kindling.test").expect("enrolled");
    assert_eq!((enrolled.side, enrolled.grade, enrolled.name.as_str()), (Side::Mentee, 6, "Tom Okafor"));
    assert_eq!(enrolled.user, Some(record.user), "linked to his account, so he is told of his match");
    // Decided is decided.
    assert_eq!(lead.submit(&made, &format!("{made}/approve"), &[]).await?.status(), 409);
    let (_, after) = tom.get_text(&format!("/mentoring/programmes/{}", p.id)).await?;
    assert!(after.contains("You are enrolled as a mentee, waiting for a match."), "{after}");
    Ok(())
}

#[tokio::test]
async fn a_declined_application_says_why_and_a_withdrawn_one_frees_the_way() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = demo_programme(&app).await;
    let margaret = app.signed_in("executive@demo.kindling.test").await?;
    let mentor = [
        ("role", "mentor"),
        ("profession", "manager"),
        ("grade", "9"),
        ("site", "Northfield General Hospital"),
        ("expertise", "board reporting, finance"),
        ("capacity", "1"),
        ("answer0", "Better board papers on quality."),
        ("answer1", "Twenty years of finance and governance."),
    ];
    let made = location(&apply(&margaret, p.id, &mentor).await?);
    let lead = app.signed_in(LEAD).await?;
    let empty = lead.submit(&made, &format!("{made}/decline"), &[("reason", " ")]).await?;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await?.contains("Enter the reason, which the applicant reads"));
    let reason = "This year the mentors come from clinical leadership roles.";
    location(&lead.submit(&made, &format!("{made}/decline"), &[("reason", reason)]).await?);
    let (_, read) = margaret.get_text(&made).await?;
    assert!(read.contains(reason), "{read}");
    assert!(
        !mentoring::participants(app.db(), NORTHFIELD, p.id).await?.iter().any(|x| x.name == "Margaret Ellis"),
        "nobody is enrolled by a declined application"
    );
    // She applies again, then withdraws: the lead can no longer decide it.
    let again = location(&apply(&margaret, p.id, &mentor).await?);
    location(&margaret.submit(&again, &format!("{again}/withdraw"), &[]).await?);
    assert_eq!(lead.submit(&again, &format!("{again}/approve"), &[]).await?.status(), 409);
    Ok(())
}

#[tokio::test]
async fn approval_checks_the_application_again_as_things_stand() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = demo_programme(&app).await;
    let tom = app.signed_in(TOM).await?;
    let made = location(&apply(&tom, p.id, &mentee_fields("6")).await?);
    // Meanwhile the lead enrols Tom's email under his staff number by hand.
    let lead = app.signed_in(LEAD).await?;
    let home = format!("/mentoring/programmes/{}", p.id);
    location(
        &lead
            .submit(
                &format!("{home}/participants/new"),
                &format!("{home}/participants"),
                &[
                    ("side", "mentor"),
                    ("reference", "AHP-0042"),
                    ("name", "Tom Okafor"),
                    ("email", TOM),
                    ("profession", "allied health professional"),
                    ("grade", "7"),
                    ("site", "Northfield General Hospital"),
                    ("tags", "physiotherapy"),
                    ("capacity", "1"),
                ],
            )
            .await?,
    );
    let refused = lead.submit(&made, &format!("{made}/approve"), &[]).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(
        html.contains("This application cannot be approved as it stands: improvement-lead@demo.kindling.test is already enrolled under the reference AHP-0042"),
        "{html}"
    );
    let id: i64 = made.rsplit('/').next().unwrap().parse()?;
    assert_eq!(applications::application(app.db(), NORTHFIELD, id).await?.unwrap().status, Status::Pending);
    Ok(())
}

#[tokio::test]
async fn a_closed_programme_takes_no_applications() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in(LEAD).await?;
    let fields = [
        ("name", "Ward leaders"),
        ("objective", "leadership"),
        ("eligibility", "Nurses in bands 5 to 7"),
        ("duration_months", "6"),
        ("frequency", "monthly"),
        ("protected_minutes", "60"),
        ("profession_rule", "any"),
        ("shared_goal", "10"),
        ("same_learning_style", "5"),
        ("same_site", "3"),
        ("different_profession", "0"),
        ("shared_slot", "2"),
        ("ideal_grade_gap", "0"),
        ("grade_gap_penalty", "2"),
        ("questions", "My mentor listens"),
    ];
    let home = location(&lead.submit("/mentoring/programmes/new", "/mentoring/programmes", &fields).await?);
    let tom = app.signed_in(TOM).await?;
    let (_, page) = tom.get_text(&home).await?;
    assert!(!page.contains("Apply to join"), "{page}");
    assert!(page.contains("Ask the programme lead to enrol you"));
    assert_eq!(tom.get(&format!("{home}/apply")).await?.status(), 409);
    // Posting the form anyway (its page refuses to show) is refused too.
    assert_eq!(tom.submit(&home, &format!("{home}/apply"), &mentee_fields("6")).await?.status(), 409);
    Ok(())
}

#[tokio::test]
async fn a_mentor_from_an_application_is_matched_once_training_is_on_record() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in(LEAD).await?;
    let fields = [
        ("name", "Quality improvement coaching"),
        ("objective", "leadership"),
        ("eligibility", "Anyone leading a change"),
        ("duration_months", "6"),
        ("frequency", "monthly"),
        ("protected_minutes", "60"),
        ("profession_rule", "any"),
        ("required_training", "Coaching skills (one day)"),
        ("shared_goal", "10"),
        ("same_learning_style", "5"),
        ("same_site", "3"),
        ("different_profession", "0"),
        ("shared_slot", "2"),
        ("ideal_grade_gap", "0"),
        ("grade_gap_penalty", "2"),
        ("questions", "My coach listens"),
        ("applications_open", "yes"),
        ("application_questions", ""),
    ];
    let home = location(&lead.submit("/mentoring/programmes/new", "/mentoring/programmes", &fields).await?);
    let id: i64 = home.rsplit('/').next().unwrap().parse()?;
    let priya = app.signed_in("clinician@demo.kindling.test").await?;
    let as_mentor = [
        ("role", "mentor"),
        ("staff_number", "NF-1187"),
        ("profession", "nurse"),
        ("grade", "7"),
        ("site", "Northfield General Hospital"),
        ("expertise", "quality improvement"),
        ("capacity", "1"),
    ];
    let made = location(&apply(&priya, id, &as_mentor).await?);
    let tom = app.signed_in(TOM).await?;
    let mut as_mentee = mentee_fields("6");
    as_mentee.retain(|(k, _)| !k.starts_with("answer"));
    let tom_made = location(&apply(&tom, id, &as_mentee).await?);
    location(&lead.submit(&tom_made, &format!("{tom_made}/approve"), &[]).await?);
    let next = location(&lead.submit(&made, &format!("{made}/approve"), &[]).await?);
    assert!(next.ends_with("#training"), "an approved mentor goes on to the training record: {next}");
    let participant = next.trim_end_matches("#training").to_owned();

    // Untrained, she is not matched: the round leaves Tom waiting.
    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    let round_id: i64 = round.rsplit('/').next().unwrap().parse()?;
    assert!(mentoring::entries(app.db(), round_id).await?.iter().all(|e| e.mentor.is_none()));

    // A training date in the future is refused, with what was typed kept.
    let tomorrow = kindling_web::today().add_days(1).unwrap();
    let (d, m, y) = (tomorrow.day.to_string(), tomorrow.month.to_string(), tomorrow.year.to_string());
    let training = format!("{participant}/training");
    let early = lead
        .submit(
            &participant,
            &training,
            &[
                ("course", "Coaching skills (one day)"),
                ("completed_day", &d),
                ("completed_month", &m),
                ("completed_year", &y),
                ("evidence", "Certificate CS-204"),
            ],
        )
        .await?;
    assert_eq!(early.status(), 422);
    let html = early.text().await?;
    assert!(html.contains("The date the training was completed must be today or in the past"), "{html}");
    assert!(html.contains("value=\"Certificate CS-204\""));
    let today = kindling_web::today();
    let (d, m, y) = (today.day.to_string(), today.month.to_string(), today.year.to_string());
    location(
        &lead
            .submit(
                &participant,
                &training,
                &[
                    ("course", "Coaching skills (one day)"),
                    ("completed_day", &d),
                    ("completed_month", &m),
                    ("completed_year", &y),
                    ("evidence", "Certificate CS-204"),
                ],
            )
            .await?,
    );
    let (_, record) = lead.get_text(&participant).await?;
    assert!(record.contains("Certificate CS-204") && record.contains(&today.long()), "{record}");

    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    let round_id: i64 = round.rsplit('/').next().unwrap().parse()?;
    let people = mentoring::participants(app.db(), NORTHFIELD, id).await?;
    let priya_id = people.iter().find(|x| x.side == Side::Mentor).map(|x| x.id);
    let entries = mentoring::entries(app.db(), round_id).await?;
    assert_eq!(entries.iter().filter_map(|e| e.mentor).collect::<Vec<_>>(), priya_id.into_iter().collect::<Vec<_>>());
    Ok(())
}
