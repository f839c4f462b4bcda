//! Notifications (mentions, decisions, review requests), recognition shown on profiles and on the
//! organisation's page, the NASSS complexity profile, and the learning review a policy pack asks for
//! before a stage is completed: over HTTP on both databases, bad input included.

use kindling_domain::ids::{OrganisationId, UserId};
use kindling_domain::paging::Page;
use kindling_domain::people::Email;
use kindling_store::initiatives::{self, Filter};
use kindling_store::{notifications, recognition, spread, users};
use kindling_testkit::TestApp;

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const RIVERSIDE: OrganisationId = OrganisationId::new(2);

async fn initiative(app: &TestApp, organisation: OrganisationId, prefix: &str) -> i64 {
    let (all, _) = initiatives::list(app.db(), organisation, &Filter::default(), Page::parse(None, 100)).await.unwrap();
    all.iter().find(|i| i.title.starts_with(prefix)).unwrap().id.get()
}

/// Where a form post sent the browser (the application answers 303 See Other after a change).
fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "expected a redirect after a change");
    response.headers()["location"].to_str().unwrap_or_default().to_owned()
}

async fn user(app: &TestApp, email: &str) -> UserId {
    users::find_by_email(app.db(), &Email::parse(email).unwrap()).await.unwrap().unwrap().id
}

#[tokio::test]
async fn a_mention_notifies_the_colleague_who_follows_it_and_it_is_read() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Quiet hours").await;
    let lead = user(&app, "improvement-lead@demo.kindling.test").await;
    let before = notifications::unread_count(app.db(), lead).await?;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let page = format!("/initiatives/{id}");
    let posted = clinician
        .submit(&page, &format!("{page}/comments"), &[("body", "@improvement-lead could you help shape this?")])
        .await?;
    location(&posted);
    assert_eq!(notifications::unread_count(app.db(), lead).await?, before + 1);

    let lead_browser = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (_, home) = lead_browser.get_text("/").await?;
    assert!(home.contains(&format!("Notifications ({} unread)", before + 1)), "the header counts unread");
    let (_, list) = lead_browser.get_text("/notifications").await?;
    assert!(list.contains("mentioned you on Quiet hours at night to help patients sleep"), "{list}");
    let newest = notifications::list(app.db(), lead, 1).await?.remove(0);
    assert_eq!(newest.summary.split(" mentioned you on ").nth(1), Some("Quiet hours at night to help patients sleep"));
    let followed = lead_browser.get(&format!("/notifications/{}", newest.id)).await?;
    assert_eq!(location(&followed), page, "following a notification opens what it is about");
    assert_eq!(notifications::unread_count(app.db(), lead).await?, before);
    // Someone else's notification is not found, and stays unread for its owner.
    let clinician_id = user(&app, "clinician@demo.kindling.test").await;
    if let Some(theirs) = notifications::list(app.db(), clinician_id, 1).await?.first() {
        let (status, _) = lead_browser.get_text(&format!("/notifications/{}", theirs.id)).await?;
        assert_eq!(status, 404);
    }
    // The author is not told about their own comment.
    assert!(
        !notifications::list(app.db(), clinician_id, 100).await?.iter().any(|n| n.summary.contains("mentioned you"))
    );
    Ok(())
}

#[tokio::test]
async fn a_stage_move_notifies_the_submitter_and_the_digest_preference_is_kept() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Quiet hours").await;
    let clinician = user(&app, "clinician@demo.kindling.test").await;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let page = format!("/initiatives/{id}");
    let moved = lead.submit(&page, &format!("{page}/stage"), &[("to", "shaping"), ("reason", "Agreed an aim")]).await?;
    location(&moved);
    let told = notifications::list(app.db(), clinician, 1).await?.remove(0);
    assert_eq!(
        told.summary,
        "Quiet hours at night to help patients sleep: Start shaping (Idea → Shaping). Agreed an aim"
    );
    assert_eq!(told.href, page);

    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    let bad = browser.submit("/account", "/account/digest", &[("digest", "hourly")]).await?;
    assert_eq!(bad.status(), 400);
    let saved = browser.submit("/account", "/account/digest", &[("digest", "weekly")]).await?;
    assert_eq!(location(&saved), "/account?notice=digest");
    assert_eq!(notifications::digest_preference(app.db(), clinician).await?.slug(), "weekly");
    Ok(())
}

#[tokio::test]
async fn recognition_is_checked_then_shown_on_the_profile_and_the_organisation_page() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = user(&app, "improvement-lead@demo.kindling.test").await;
    let falls = initiative(&app, NORTHFIELD, "Falls prevention").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let before = recognition::for_organisation(app.db(), NORTHFIELD, 100).await?.len();

    // A clinician may not give awards; the form keeps what was typed.
    let award = [
        ("kind", "award"),
        ("to_person", ""),
        ("initiative", &falls.to_string()),
        ("title", "Best falls work this year"),
        ("message", "Falls halved on Ward 7."),
    ];
    let fields: Vec<(&str, &str)> = award.iter().map(|(k, v)| (*k, *v)).collect();
    let refused = clinician.submit("/recognition/new", "/recognition", &fields).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("Only improvement leads, executives and administrators can give awards"));
    assert!(html.contains("Falls halved on Ward 7."), "what was typed is kept");

    // Thanks naming a patient is refused; nothing is stored.
    let lead_id = lead.to_string();
    let named = [
        ("kind", "thanks"),
        ("to_person", lead_id.as_str()),
        ("initiative", ""),
        ("title", "Help with the run chart"),
        ("message", "You helped us see that Mrs Okafor's fall was part of a pattern."),
    ];
    let refused = clinician.submit("/recognition/new", "/recognition", &named).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Remove what looks like a name after a title before sending"));
    // A colleague in another organisation cannot be chosen.
    let carer = user(&app, "carer@riverside.demo.kindling.test").await.to_string();
    let outside = [("kind", "thanks"), ("to_person", carer.as_str()), ("title", "Thanks"), ("message", "Thank you.")];
    let refused = clinician.submit("/recognition/new", "/recognition", &outside).await?;
    assert_eq!(refused.status(), 422);
    assert_eq!(recognition::for_organisation(app.db(), NORTHFIELD, 100).await?.len(), before);

    let thanks = [
        ("kind", "thanks"),
        ("to_person", lead_id.as_str()),
        ("initiative", ""),
        ("title", "Help with the run chart"),
        ("message", "You sat with us until the chart made sense."),
    ];
    let given = clinician.submit("/recognition/new", "/recognition", &thanks).await?;
    assert_eq!(location(&given), "/recognition?notice=given");
    let newest = notifications::list(app.db(), lead, 1).await?.remove(0);
    assert_eq!(newest.summary, format!("{}: Thanks — Help with the run chart", clinician_name(&app).await));
    let (_, profile) = clinician.get_text(&format!("/people/{lead}")).await?;
    assert!(
        profile.contains("Help with the run chart") && profile.contains("You sat with us until the chart made sense.")
    );
    let (_, organisation) = clinician.get_text("/organisation").await?;
    assert!(organisation.contains("Help with the run chart"));
    assert!(organisation.contains("Board award for patient experience"), "the demo's award is listed");
    assert!(organisation.contains("Community health"), "sites show their care setting");
    let mealtimes = initiative(&app, NORTHFIELD, "Protected mealtimes").await;
    let (_, page) = clinician.get_text(&format!("/initiatives/{mealtimes}")).await?;
    assert!(page.contains("Board award for patient experience"), "an award shows on its initiative's page");
    // Profiles are for colleagues: someone in another organisation is not found.
    let (status, _) = clinician.get_text(&format!("/people/{carer}")).await?;
    assert_eq!(status, 404);
    Ok(())
}

async fn clinician_name(app: &TestApp) -> String {
    let id = user(app, "clinician@demo.kindling.test").await;
    users::get(app.db(), id).await.unwrap().unwrap().name
}

#[tokio::test]
async fn the_complexity_profile_needs_every_domain_and_guides_the_spread() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Sepsis screening").await;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let page = format!("/initiatives/{id}/complexity");
    let mut fields = vec![
        ("rating-condition", "simple"),
        ("rating-technology", "complex"),
        ("rating-value-proposition", "simple"),
        ("rating-adopters", "complex"),
        ("rating-organisation", "complicated"),
        ("rating-wider-system", "simple"),
        ("note-technology", "Needs the triage system changed by the supplier."),
    ];
    let refused = lead.submit(&page, &page, &fields).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("Rate embedding and adaptation over time"));
    assert!(html.contains("Needs the triage system changed by the supplier."), "notes are kept");
    assert!(spread::profile(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(id)).await?.is_empty());

    fields.push(("rating-embedding", "complicated"));
    let saved = lead.submit(&page, &page, &fields).await?;
    assert_eq!(location(&saved), format!("{page}?notice=saved"));
    let (_, html) = lead.get_text(&location(&saved)).await?;
    // Two complex domains (technology, adopters): facilitated spread.
    assert!(html.contains("Complex in 2 domains"), "{html}");
    assert!(html.contains("Support each site with a facilitator"));
    let (_, sites) = lead.get_text(&format!("/initiatives/{id}/sites")).await?;
    assert!(sites.contains("Complexity of spreading it: Complex in 2 domains."), "the sites page carries the advice");

    // Someone outside the team cannot rate it; another organisation cannot see it.
    let pharmacist = app.signed_in("pharmacist@demo.kindling.test").await?;
    let forbidden = pharmacist.submit(&page, &page, &fields).await?;
    assert_eq!(forbidden.status(), 403);
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    assert_eq!(carer.get_text(&page).await?.0, 404);
    Ok(())
}

#[tokio::test]
async fn completing_evaluation_waits_for_the_learning_review_the_pack_asks_for() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Falls prevention").await;
    let page = format!("/initiatives/{id}");
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (_, html) = lead.get_text(&page).await?;
    assert!(html.contains("A learning review is due"));
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let refused =
        approver.submit(&page, &format!("{page}/stage"), &[("to", "adopted"), ("reason", "Sustained")]).await?;
    let html = refused.text().await?;
    assert!(
        html.contains("Write the learning review: the policy pack asks for one on completing the Evaluating stage"),
        "{html}"
    );
    assert_eq!(
        initiatives::get(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(id))
            .await?
            .unwrap()
            .stage
            .slug(),
        "evaluating"
    );

    let review = format!("{page}/learning-review");
    let fields = [
        ("expected", "Fewer falls in the bays once a member of staff is always tagged in."),
        ("happened", "Falls fell, though less at night."),
        ("why_differ", "Night staffing makes tagging harder."),
        ("keep", "Bay tagging on every shift."),
        ("change", "A night-time handover of the tag."),
        ("went_well", "Healthcare assistants led the tagging rota."),
        ("visibility", "organisation"),
    ];
    location(&lead.submit(&review, &review, &fields).await?);
    // With the review written, only the demo's unfinished consent gate still stands in the way.
    let refused =
        approver.submit(&page, &format!("{page}/stage"), &[("to", "adopted"), ("reason", "Sustained")]).await?;
    let html = refused.text().await?;
    assert!(!html.contains("Write the learning review"), "the review blocker is gone");
    assert!(html.contains("Consent and information for patients"), "{html}");
    Ok(())
}

#[tokio::test]
async fn a_reviewer_is_asked_records_a_review_and_the_authors_are_told() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Paperless handover").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let path = format!("/initiatives/{id}/learning-review");
    let fields = [
        ("expected", "Handover would be shorter."),
        ("happened", "It took longer."),
        ("why_differ", "The screen shows too little."),
        ("keep", "Bedside handover."),
        ("change", "A printed summary."),
        ("visibility", "organisation"),
    ];
    let saved = clinician.submit(&path, &path, &fields).await?;
    let review_page = location(&saved).split('?').next().unwrap_or_default().to_owned();
    assert!(review_page.starts_with("/learning/reviews/"), "{review_page}");
    let approver_id = user(&app, "approver@demo.kindling.test").await.to_string();
    let asked = clinician
        .submit(&review_page, &format!("{review_page}/reviewers"), &[("reviewer", approver_id.as_str())])
        .await?;
    assert_eq!(location(&asked), format!("{review_page}?notice=asked"));
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let request = notifications::list(app.db(), user(&app, "approver@demo.kindling.test").await, 1).await?.remove(0);
    assert_eq!(request.summary, "Please review the learning review of Paperless handover on the electronic whiteboard");
    // Someone not asked cannot record a review.
    let pharmacist = app.signed_in("pharmacist@demo.kindling.test").await?;
    let refused =
        pharmacist.submit(&review_page, &format!("{review_page}/reviewed"), &[("comment", "Looks fine")]).await?;
    assert_eq!(refused.status(), 403);
    let done = approver
        .submit(&review_page, &format!("{review_page}/reviewed"), &[("comment", "Clear and blameless. Thank you.")])
        .await?;
    let (_, html) = approver.get_text(&location(&done)).await?;
    assert!(html.contains("Clear and blameless. Thank you.") && html.contains("reviewed on"));
    let told = notifications::list(app.db(), user(&app, "clinician@demo.kindling.test").await, 1).await?.remove(0);
    assert!(told.summary.ends_with("reviewed the learning review of Paperless handover on the electronic whiteboard"));
    Ok(())
}

#[tokio::test]
async fn search_filters_by_care_setting_and_profession_within_what_the_reader_may_see() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let ids = |html: &str| -> Vec<i64> {
        html.split("href=\"/initiatives/")
            .skip(1)
            .filter_map(|s| s.split(['"', '/']).next().and_then(|n| n.parse().ok()))
            .collect()
    };
    // The demo's community-hospital initiatives (Eastbrook): the virtual ward, protected mealtimes
    // and the SSKIN bundle.
    let community = [
        initiative(&app, NORTHFIELD, "Virtual ward").await,
        initiative(&app, NORTHFIELD, "Protected mealtimes").await,
        initiative(&app, NORTHFIELD, "SSKIN bundle").await,
    ];
    let (_, html) = lead.get_text("/learning?q=patients&kind=initiative&setting=community").await?;
    let found = ids(&html);
    assert!(!found.is_empty() && found.iter().all(|i| community.contains(i)), "{found:?}");
    // Riverside's care home is the only social-care site, and its initiatives are Riverside's own.
    let (_, html) = lead.get_text("/learning?q=residents&setting=social-care").await?;
    assert!(html.contains("0 results"), "another organisation's initiatives stay hidden");
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let hydration = initiative(&app, RIVERSIDE, "Hydration rounds").await;
    let (_, html) = carer.get_text("/learning?q=residents&setting=social-care").await?;
    assert_eq!(ids(&html), [hydration]);
    // The pharmacist submitted one initiative; nobody else in the demo is a pharmacist on a team.
    let pharmacy = initiative(&app, NORTHFIELD, "Pharmacy technicians").await;
    let (_, html) = lead.get_text("/learning?q=medicines&kind=initiative&profession=pharmacist").await?;
    assert_eq!(ids(&html), [pharmacy]);
    Ok(())
}
