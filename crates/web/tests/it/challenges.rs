//! Challenges in collaborative spaces (issue 19 §5) over HTTP: only the facilitator runs one; members
//! post screened ideas while it is open, support each idea once (never their own) and comment; the
//! facilitator closes it, shortlists and names a panel; the panel scores against each criterion; and
//! the best idea becomes an initiative of its author's organisation with its history.

use crate::location;
use kindling_domain::ids::{InitiativeId, OrganisationId};
use kindling_store::{challenges, initiatives};
use kindling_testkit::{Browser, TestApp};

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const TOM: &str = "improvement-lead@demo.kindling.test";
const PRIYA: &str = "clinician@demo.kindling.test";
const AISHA: &str = "pharmacist@demo.kindling.test";

fn last_number(path: &str) -> i64 {
    path.trim_end_matches(|c: char| !c.is_ascii_digit()).rsplit('/').next().unwrap().parse().unwrap()
}

fn date_fields(date: kindling_domain::initiatives::CivilDate) -> [(String, String); 3] {
    [
        ("closes_day".into(), date.day.to_string()),
        ("closes_month".into(), date.month.to_string()),
        ("closes_year".into(), date.year.to_string()),
    ]
}

async fn challenge_form(
    tom: &Browser,
    space: &str,
    closes: kindling_domain::initiatives::CivilDate,
) -> anyhow::Result<reqwest::Response> {
    let mut fields: Vec<(String, String)> = vec![
        ("question".into(), "How might we get patients home before noon?".into()),
        ("criteria".into(), "Benefit to patients\nEase of trying it\nCost".into()),
    ];
    fields.extend(date_fields(closes));
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    tom.submit(&format!("{space}/challenges/new"), &format!("{space}/challenges"), &borrowed).await
}

async fn post_idea(
    browser: &Browser,
    challenge: &str,
    title: &str,
    description: &str,
) -> anyhow::Result<reqwest::Response> {
    browser.submit(challenge, &format!("{challenge}/ideas"), &[("title", title), ("description", description)]).await
}

#[tokio::test]
async fn a_facilitator_runs_a_challenge_from_question_to_initiative() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let tom = app.signed_in(TOM).await?;
    let space = location(
        &tom.submit("/spaces/new", "/spaces", &[("title", "Home before noon"), ("theme", "Earlier discharges")])
            .await?,
    );
    let priya = app.signed_in(PRIYA).await?;
    assert_eq!(priya.get(&format!("{space}/challenges/new")).await?.status(), 403, "only the facilitator");

    let today = kindling_web::today();
    let refused = challenge_form(&tom, &space, today).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("The closing date must be after today"), "{html}");
    assert!(html.contains("How might we get patients home before noon?"), "the question is kept");
    let challenge = location(&challenge_form(&tom, &space, today.add_days(14).unwrap()).await?);
    let (_, space_page) = tom.get_text(&space).await?;
    assert!(space_page.contains("How might we get patients home before noon?"), "listed in the space");

    // Members post; a stranger to the space is told to join first; identifiers are refused, kept.
    let idea = "Prepare discharge medicines the evening before";
    assert_eq!(post_idea(&priya, &challenge, idea, "Pharmacy prepares them overnight.").await?.status(), 403);
    location(&priya.submit(&space, &format!("{space}/join"), &[]).await?);
    let identifying = post_idea(&priya, &challenge, idea, "Like Mr Jones, NHS number 943 476 5919").await?;
    assert_eq!(identifying.status(), 422);
    assert!(identifying.text().await?.contains("value=\"Prepare discharge medicines the evening before\""));
    let hers =
        location(&post_idea(&priya, &challenge, idea, "Pharmacy prepares discharge medicines overnight.").await?);
    let aisha = app.signed_in(AISHA).await?;
    location(&aisha.submit(&space, &format!("{space}/join"), &[]).await?);
    let theirs = location(
        &post_idea(&aisha, &challenge, "Discharge medicines prepared a day ahead", "A day-ahead list from the wards.")
            .await?,
    );
    let (_, page) = aisha.get_text(&theirs).await?;
    assert!(page.contains("Similar ideas in this challenge") && page.contains(idea), "{page}");

    // One support per person per idea, never for your own.
    location(&aisha.submit(&hers, &format!("{hers}/support"), &[("value", "yes")]).await?);
    location(&aisha.submit(&hers, &format!("{hers}/support"), &[("value", "yes")]).await?);
    assert_eq!(challenges::idea(app.db(), last_number(&hers)).await?.unwrap().supporters, 1);
    assert_eq!(priya.submit(&hers, &format!("{hers}/support"), &[("value", "yes")]).await?.status(), 409);
    location(&aisha.submit(&hers, &format!("{hers}/comments"), &[("comment", "We could start on Ward 7.")]).await?);

    // The facilitator shortlists and names the panel; nobody scores before judging starts.
    location(&tom.submit(&challenge, &format!("{hers}/shortlist"), &[("value", "yes")]).await?);
    let user = |email: &str| kindling_domain::people::Email::parse(email).unwrap();
    let aisha_id = kindling_store::users::find_by_email(app.db(), &user(AISHA)).await?.unwrap().id;
    let tom_id = kindling_store::users::find_by_email(app.db(), &user(TOM)).await?.unwrap().id;
    for judge in [aisha_id, tom_id] {
        location(&tom.submit(&challenge, &format!("{challenge}/panel"), &[("judge", &judge.get().to_string())]).await?);
    }
    let scores = [("score0", "5"), ("score1", "4"), ("score2", "3")];
    assert_eq!(aisha.submit(&hers, &format!("{hers}/scores"), &scores).await?.status(), 409);
    assert_eq!(priya.submit(&challenge, &format!("{challenge}/close"), &[]).await?.status(), 403);
    location(&tom.submit(&challenge, &format!("{challenge}/close"), &[]).await?);
    assert_eq!(post_idea(&priya, &challenge, "Late idea", "Too late.").await?.status(), 409);
    assert_eq!(priya.submit(&hers, &format!("{hers}/scores"), &scores).await?.status(), 403, "not on the panel");
    let out_of_range = aisha.submit(&hers, &format!("{hers}/scores"), &[("score0", "6"), ("score1", "4")]).await?;
    assert_eq!(out_of_range.status(), 422);
    assert!(out_of_range.text().await?.contains("Choose a score from 1 to 5"));
    location(&aisha.submit(&hers, &format!("{hers}/scores"), &scores).await?);
    location(
        &tom.submit(&hers, &format!("{hers}/scores"), &[("score0", "3"), ("score1", "4"), ("score2", "5")]).await?,
    );
    // Means 4, 4 and 4: 12 of 15.
    let (_, results) = tom.get_text(&challenge).await?;
    assert!(results.contains(">12.0<"), "{results}");

    // Only a shortlisted, scored idea becomes an initiative: of its author's organisation, hers.
    assert_eq!(tom.submit(&challenge, &format!("{theirs}/initiative"), &[]).await?.status(), 409);
    let started = location(&tom.submit(&challenge, &format!("{hers}/initiative"), &[]).await?);
    let initiative = InitiativeId::new(last_number(&started));
    let item = initiatives::get(app.db(), NORTHFIELD, initiative).await?.expect("in her organisation");
    assert_eq!(item.submitter.name, "Priya Shah");
    assert_eq!(item.draft.title, idea);
    let history = &item.comments[0].body;
    assert!(
        history.contains("1 supporter, 1 comment; shortlisted and scored by 2 panel members: 12.0 of 15"),
        "{history}"
    );
    let (_, shown) = priya.get_text(&started).await?;
    assert!(shown.contains("from <a href=\"/challenges/"), "the initiative links back to its idea: {shown}");
    assert_eq!(tom.submit(&challenge, &format!("{hers}/initiative"), &[]).await?.status(), 409, "once only");
    location(&tom.submit(&challenge, &format!("{challenge}/decide"), &[]).await?);

    // Spaces are open to the hub: another organisation reads the challenge, but an idea under the
    // wrong challenge's address does not exist.
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    assert_eq!(carer.get(&challenge).await?.status(), 200);
    assert_eq!(carer.get(&format!("/challenges/999999/ideas/{}", last_number(&hers))).await?.status(), 404);
    Ok(())
}

#[tokio::test]
async fn the_demo_space_runs_an_open_challenge_with_ideas_from_both_organisations() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let open = challenges::of_space(app.db(), 1).await?;
    assert_eq!(open.len(), 1);
    let ideas = challenges::ideas(app.db(), open[0].id).await?;
    let titles: Vec<&str> = ideas.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles[0], "A medication change sheet that travels with the resident", "most supported first");
    assert_eq!(ideas[0].supporters, 3);
    assert_eq!(ideas[0].comments, 1);
    assert!(ideas.iter().any(|i| i.author_name == "Dani Lewis"), "Riverside's carer posted one");
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let (status, page) = carer.get_text(&format!("/challenges/{}", open[0].id)).await?;
    assert_eq!(status, 200);
    assert!(page.contains("Post an idea"), "a member from another organisation may post: {page}");
    let (status, _) = carer.get_text(&format!("/challenges/{}/ideas/{}", open[0].id, ideas[0].id)).await?;
    assert_eq!(status, 200);
    Ok(())
}
