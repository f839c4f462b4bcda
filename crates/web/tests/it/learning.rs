//! Learning reviews, the library's search and who may see what, the similar-idea hint, and adopting
//! another organisation's change, over HTTP on both databases.

use kindling_domain::ids::OrganisationId;
use kindling_domain::paging::Page;
use kindling_store::initiatives::{self, Filter};
use kindling_testkit::{Browser, TestApp};

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const RIVERSIDE: OrganisationId = OrganisationId::new(2);
/// A valid NHS number (Modulus 11 check digit 9).
const NHS_NUMBER: &str = "943 476 5919";

async fn initiative(app: &TestApp, organisation: OrganisationId, prefix: &str) -> i64 {
    let (all, _) = initiatives::list(app.db(), organisation, &Filter::default(), Page::parse(None, 100)).await.unwrap();
    all.iter().find(|i| i.title.starts_with(prefix)).unwrap().id.get()
}

fn review(happened: &str, visibility: &str) -> Vec<(&'static str, String)> {
    vec![
        ("expected", "Handover would take ten minutes less with the electronic whiteboard.".into()),
        ("happened", happened.to_owned()),
        ("why_differ", "The whiteboard shows too little detail per patient for a safe handover.".into()),
        ("keep", "Handing over at the bedside.".into()),
        ("change", "Print a one-page summary beside the whiteboard.".into()),
        ("went_well", "Night staff designed the summary themselves.".into()),
        ("visibility", visibility.to_owned()),
    ]
}

async fn post(browser: &Browser, path: &str, fields: &[(&'static str, String)]) -> anyhow::Result<reqwest::Response> {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.submit(path, path, &fields).await
}

/// The search results page's links, in order.
fn result_links(html: &str) -> Vec<String> {
    let list = html
        .split("<ul class=\"nhsuk-list nhsuk-list--border\">")
        .nth(1)
        .unwrap_or("")
        .split("</ul>")
        .next()
        .unwrap_or("");
    list.split("<a href=\"").skip(1).filter_map(|s| s.split('"').next()).map(str::to_owned).collect()
}

#[tokio::test]
async fn a_review_with_an_nhs_number_is_refused_then_published_found_and_adopted_elsewhere() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Paperless handover").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let (_, page) = clinician.get_text(&format!("/initiatives/{id}")).await?;
    assert!(page.contains("A learning review is due"), "stopped without a review");

    let path = format!("/initiatives/{id}/learning-review");
    let refused =
        post(&clinician, &path, &review(&format!("Handover for the patient {NHS_NUMBER} took longer."), "hub")).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains(&format!("<mark>{NHS_NUMBER}</mark>")), "the match is highlighted where it is");
    assert!(html.contains("contains what looks like an NHS number"));
    assert!(html.contains("Night staff designed the summary themselves."), "what was typed is kept");
    assert!(
        kindling_store::learning::for_initiative(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(id))
            .await?
            .is_none(),
        "nothing stored"
    );

    let saved = post(&clinician, &path, &review("Handover took longer on every shift.", "hub")).await?;
    assert_eq!(saved.status(), 303);
    let review_path = saved.headers()["location"].to_str()?.split('?').next().unwrap_or_default().to_owned();

    // A carer in another organisation finds it by searching, and adopts it at their site.
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let (_, results) = carer.get_text("/learning?q=whiteboard+handover").await?;
    assert_eq!(
        result_links(&results),
        std::slice::from_ref(&review_path),
        "the review, and nothing of Northfield's own"
    );
    assert!(results.contains("<mark>"), "matches are highlighted");
    // OR between words finds either; without it, every word must match.
    let (_, either) = carer.get_text("/learning?q=whiteboard+OR+zanzibarish").await?;
    assert_eq!(result_links(&either), std::slice::from_ref(&review_path), "either word");
    let (_, both) = carer.get_text("/learning?q=whiteboard+zanzibarish").await?;
    assert!(result_links(&both).is_empty(), "both words");
    // The filters alone browse the library, with no word typed.
    let (_, browsed) = carer.get_text("/learning?kind=review&scope=&q=").await?;
    assert!(browsed.contains("<h2>Results</h2>"), "filters without words are a search");
    assert!(result_links(&browsed).contains(&review_path), "the hub's review, found by its type alone");
    // The handover change was stopped: it is there to learn from, not to adopt (issue 20 §2).
    let (status, shown) = carer.get_text(&review_path).await?;
    assert_eq!(status, 200);
    assert!(shown.contains("Learn from it") && !shown.contains("Adopt this change at your site"), "{shown}");
    assert_eq!(carer.get(&format!("{review_path}/adopt")).await?.status(), 409);

    // A change that was adopted, shared the same way, is adopted from its review.
    let id = initiative(&app, NORTHFIELD, "Sepsis screening").await;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let saved = post(
        &lead,
        &format!("/initiatives/{id}/learning-review"),
        &review("Screening was done at every triage.", "hub"),
    )
    .await?;
    assert_eq!(saved.status(), 303);
    let review_path = saved.headers()["location"].to_str()?.split('?').next().unwrap_or_default().to_owned();
    let (_, shown) = carer.get_text(&review_path).await?;
    assert!(shown.contains("Adopt this change at your site"));
    let adopt = format!("{review_path}/adopt");
    let (_, form) = carer.get_text(&adopt).await?;
    let site = form.split("<option value=\"").nth(2).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned();
    let empty = carer.submit(&adopt, &adopt, &[("title", "Printed handover summary")]).await?;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await?.contains("Enter what you will adapt locally, and why"));
    let adopted = carer
        .submit(
            &adopt,
            &adopt,
            &[
                ("title", "Printed handover summary at Riverside House"),
                ("site", &site),
                ("core_kept", "A one-page summary beside the board"),
                (
                    "adaptations",
                    "Large print, because several night carers asked for it\nIn Welsh too, because half our residents read Welsh",
                ),
            ],
        )
        .await?;
    assert_eq!(adopted.status(), 303);
    let new_page = adopted.headers()["location"].to_str()?.split('?').next().unwrap_or_default().to_owned();
    // The originating team is told where its change is spreading (issue 18 §5).
    let lead_email = kindling_domain::people::Email::parse("improvement-lead@demo.kindling.test").unwrap();
    let lead_id = kindling_store::users::find_by_email(app.db(), &lead_email).await?.unwrap().id;
    let told = kindling_store::notifications::list(app.db(), lead_id, 1).await?.remove(0);
    assert_eq!(
        told.summary,
        "Riverside Community Care is adopting your change Sepsis screening prompt at triage, with local adaptations"
    );
    assert_eq!(told.href, format!("/initiatives/{id}/sites"));
    let (_, html) = carer.get_text(&new_page).await?;
    assert!(
        html.contains(
            "Adopted from Sepsis screening prompt at triage (Northfield Teaching Hospitals NHS Foundation Trust)"
        ),
        "{html}"
    );
    // Adaptations typed one per line are shown one per line, not run together (issue 18 §5).
    assert!(html.contains("<li>Large print, because several night carers asked for it</li><li>In Welsh too"), "{html}");
    assert!(html.contains(">Shaping<"), "its own shaping, checks and approval come next");
    let (_, shown) = lead.get_text(&review_path).await?;
    assert!(
        shown.contains("Riverside Community Care: Printed handover summary at Riverside House"),
        "the source sees where it spread"
    );
    // Both organisations see the sites side by side, each with its own measures.
    for (browser, page) in [(&carer, format!("{new_page}/sites")), (&lead, format!("/initiatives/{id}/sites"))] {
        let (status, html) = browser.get_text(&page).await?;
        assert_eq!(status, 200, "{page}");
        assert!(html.contains("<h2>Northfield Teaching Hospitals NHS Foundation Trust</h2>"), "{html}");
        assert!(html.contains("<h2>Riverside Community Care</h2>"));
        assert!(
            html.contains("<li>Large print, because several night carers asked for it</li><li>In Welsh too, because half our residents read Welsh</li>"),
            "{html}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn search_never_shows_what_the_reader_may_not_see() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Paperless handover").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let path = format!("/initiatives/{id}/learning-review");
    let pharmacist = app.signed_in("pharmacist@demo.kindling.test").await?;
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let mut review_path = String::new();
    // (visibility, pharmacist in the same organisation but not on the team sees it, carer elsewhere sees it)
    for (visibility, pharmacist_sees, carer_sees) in
        [("team", false, false), ("organisation", true, false), ("hub", true, true)]
    {
        let saved = post(&clinician, &path, &review("Handover took longer on every shift.", visibility)).await?;
        assert_eq!(saved.status(), 303);
        review_path = saved.headers()["location"].to_str()?.split('?').next().unwrap_or_default().to_owned();
        for (who, browser, expected) in [("pharmacist", &pharmacist, pharmacist_sees), ("carer", &carer, carer_sees)] {
            let (_, results) = browser.get_text("/learning?q=whiteboard&kind=review").await?;
            assert_eq!(result_links(&results).contains(&review_path), expected, "{visibility}: {who} in search");
            let (status, _) = browser.get_text(&review_path).await?;
            assert_eq!(status == 200, expected, "{visibility}: {who} opening it");
            let (_, library) = browser.get_text("/learning").await?;
            assert_eq!(library.contains(&review_path), expected, "{visibility}: {who} in the library");
        }
        let (_, own) = clinician.get_text("/learning?q=whiteboard&kind=review").await?;
        assert!(result_links(&own).contains(&review_path), "{visibility}: the author always finds it");
    }
    assert!(!review_path.is_empty());
    // Initiatives and PDSA notes stay inside their organisation whatever the words.
    for q in ["falls", "sepsis", "hydration", "whiteboard"] {
        let (_, results) = carer.get_text(&format!("/learning?q={q}&kind=initiative")).await?;
        for link in result_links(&results) {
            let initiative: i64 = link.trim_start_matches("/initiatives/").split('/').next().unwrap_or("0").parse()?;
            assert!(
                kindling_store::initiatives::get(
                    app.db(),
                    RIVERSIDE,
                    kindling_domain::ids::InitiativeId::new(initiative)
                )
                .await?
                .is_some(),
                "{q}: {link}"
            );
        }
    }
    let (_, hydration) = carer.get_text("/learning?q=hydration").await?;
    assert!(!result_links(&hydration).is_empty(), "Riverside finds its own initiative");
    Ok(())
}

#[tokio::test]
async fn the_similar_hint_lists_near_duplicates_within_what_the_reader_may_see() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let (status, hint) = clinician
        .get_text("/initiatives/similar?title=Quiet+nights+so+patients+sleep&problem=noise+and+lights")
        .await?;
    assert_eq!(status, 200);
    assert!(hint.contains("Quiet hours at night to help patients sleep"), "{hint}");
    let (_, nothing) = clinician.get_text("/initiatives/similar?title=zzqx&problem=").await?;
    assert!(!nothing.contains("<li>"));
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let (_, elsewhere) =
        carer.get_text("/initiatives/similar?title=Quiet+nights+so+patients+sleep&problem=noise").await?;
    assert!(!elsewhere.contains("Quiet hours at night"), "another organisation's initiative is not shown");

    // Without JavaScript, the same hint appears on the idea's page once it is submitted.
    let created = clinician
        .submit(
            "/initiatives/new",
            "/initiatives/new",
            &[
                ("title", "Quiet nights for patients"),
                ("problem", "Noise at night stops patients sleeping"),
                ("proposed_change", "Dim the lights"),
            ],
        )
        .await?;
    let page = created.headers()["location"].to_str()?.to_owned();
    let (_, html) = clinician.get_text(&page).await?;
    assert!(html.contains("Similar initiatives already exist"));
    assert!(html.contains("Quiet hours at night to help patients sleep"));
    Ok(())
}

#[tokio::test]
async fn query_syntax_in_the_search_box_is_only_words() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    for q in
        ["\"falls", "falls OR NEAR(", "title:falls*", "falls & | ! :*", "'); DROP TABLE initiatives; --", "%", "ø̃漢字"]
    {
        let (status, _) = clinician.get_text(&format!("/learning?q={}", urlencode(q))).await?;
        assert_eq!(status, 200, "{q}");
    }
    let (_, falls) = clinician.get_text("/learning?q=falls&kind=initiative").await?;
    assert!(falls.contains("Falls prevention: bay tagging on Ward 7"));
    Ok(())
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn the_api_screens_reviews_and_searches_within_what_the_caller_may_see() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Paperless handover").await;
    let token = app.token_for("clinician@demo.kindling.test").await?;
    let client = kindling_testkit::http();
    let body = |happened: &str, visibility: &str| {
        serde_json::json!({"expected": "Shorter handover", "happened": happened, "why_differ": "Too little detail",
            "keep": "Bedside handover", "change": "A printed summary", "visibility": visibility})
    };
    let put = |json: serde_json::Value| {
        client.put(app.url(&format!("/api/v1/initiatives/{id}/learning-review"))).bearer_auth(&token).json(&json).send()
    };
    let refused = put(body(&format!("Slower for {NHS_NUMBER}"), "organisation")).await?;
    assert_eq!(refused.status(), 422);
    let problem: serde_json::Value = refused.json().await?;
    assert_eq!(problem["errors"][0]["field"], "happened", "{problem}");
    let saved = put(body("Slower on every shift", "organisation")).await?;
    assert_eq!(saved.status(), 200);
    let review: serde_json::Value = saved.json().await?;
    let review_id = review["id"].as_i64().unwrap();

    let carer = app.token_for("carer@riverside.demo.kindling.test").await?;
    let get = |token: &str, path: &str| client.get(app.url(path)).bearer_auth(token.to_owned()).send();
    assert_eq!(get(&carer, &format!("/api/v1/learning-reviews/{review_id}")).await?.status(), 404, "organisation only");
    let found: serde_json::Value = get(&token, "/api/v1/search?q=printed+summary&kind=review").await?.json().await?;
    assert_eq!(found["items"][0]["id"], review_id);
    let hidden: serde_json::Value = get(&carer, "/api/v1/search?q=printed+summary").await?.json().await?;
    assert_eq!(hidden["items"], serde_json::json!([]));
    assert_eq!(get(&carer, "/api/v1/search?q=x&kind=comment").await?.status(), 422);
    Ok(())
}

/// Issue 18 §5: a reviewer's empty comment ended on a bare 400 page. It gives the page back with the
/// error beside the field, and keeps what was typed when screening refuses it.
#[tokio::test]
async fn a_reviewers_empty_comment_gives_the_form_back_with_its_error() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Paperless handover").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let saved = post(
        &clinician,
        &format!("/initiatives/{id}/learning-review"),
        &review("Handover took longer.", "organisation"),
    )
    .await?;
    assert_eq!(saved.status(), 303);
    let page = saved.headers()["location"].to_str()?.split('?').next().unwrap_or_default().to_owned();
    let approver = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("approver@demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    let asked =
        clinician.submit(&page, &format!("{page}/reviewers"), &[("reviewer", &approver.id.to_string())]).await?;
    assert_eq!(asked.status(), 303);
    let reviewer = app.signed_in("approver@demo.kindling.test").await?;
    let empty = reviewer.submit(&page, &format!("{page}/reviewed"), &[("comment", "  ")]).await?;
    assert_eq!(empty.status(), 422);
    let html = empty.text().await?;
    assert!(html.contains("There is a problem") && html.contains("href=\"#comment\""), "{html}");
    assert!(html.contains("Enter your comments"), "{html}");
    let phone = reviewer.submit(&page, &format!("{page}/reviewed"), &[("comment", "Ring 07700 900123")]).await?;
    assert_eq!(phone.status(), 422);
    assert!(phone.text().await?.contains("Ring 07700 900123"), "what was typed is kept");
    let done = reviewer.submit(&page, &format!("{page}/reviewed"), &[("comment", "Clear and blameless.")]).await?;
    assert_eq!(done.status(), 303);
    Ok(())
}
