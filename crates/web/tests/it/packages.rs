//! Spread packages (issue 20) over HTTP on both databases: writing one, its files (byte for byte,
//! refused when empty, too large or not what they claim, readable only where the package is), adopting
//! it with each core component answered and the gates re-assessed for the adopting site, the thread,
//! fidelity checks, and a stopped change offered to learn from rather than to adopt.

use kindling_domain::gates::evaluate;
use kindling_domain::ids::{InitiativeId, OrganisationId};
use kindling_domain::packages::MAX_RESOURCE_BYTES;
use kindling_domain::paging::Page;
use kindling_domain::policy::{Fact, GateKind};
use kindling_store::initiatives::{self, Filter};
use kindling_testkit::{Browser, TestApp};

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const RIVERSIDE: OrganisationId = OrganisationId::new(2);

async fn initiative(app: &TestApp, organisation: OrganisationId, prefix: &str) -> i64 {
    let (all, _) = initiatives::list(app.db(), organisation, &Filter::default(), Page::parse(None, 100)).await.unwrap();
    all.iter().find(|i| i.title.starts_with(prefix)).unwrap().id.get()
}

fn package(share: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("summary", "One member of staff is always tagged into each bay of patients at high risk of falls."),
        ("core-1-name", "A named person in the bay at all times"),
        ("core-1-why", "Most falls happen when nobody is there to help"),
        ("core-1-check", "Spot checks find a tagged person in every bay"),
        ("core-2-name", "Handover before leaving the bay"),
        ("core-2-why", "Gaps open at breaks"),
        ("core-2-check", "The tag is passed on, never dropped"),
        ("adaptable-1-name", "How the tag is shown"),
        ("adaptable-1-examples", "A lanyard, a whiteboard or a wristband"),
        // The trust has a unit called Pharmacy: a service every hospital has, so it may be named.
        ("guide", "Agree which bays are high risk\nAsk the Pharmacy team to review night sedation\nTrain every shift"),
        ("share", share),
    ]
}

/// A file that starts as a PDF does and is `size` bytes long, its bytes varied so that a chunk
/// boundary error would show.
fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 2_463_534_242;
    while bytes.len() < size {
        // xorshift32: reproducible bytes without a dependency.
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x.to_le_bytes()[0]);
    }
    bytes.truncate(size);
    bytes
}

async fn resource_count(app: &TestApp, id: i64) -> usize {
    let package = kindling_store::packages::readable(app.db(), NORTHFIELD, InitiativeId::new(id)).await.unwrap();
    kindling_store::packages::resources(app.db(), &package.expect("a package")).await.unwrap().len()
}

async fn write_package(browser: &Browser, id: i64, share: &'static str) -> anyhow::Result<()> {
    let path = format!("/initiatives/{id}/package");
    let saved = browser.submit(&path, &path, &package(share)).await?;
    assert_eq!(saved.status(), 303, "{}", saved.text().await?);
    Ok(())
}

#[tokio::test]
async fn a_package_holds_its_files_byte_for_byte_and_shows_them_only_where_it_is_shared() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Falls prevention").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let edit = format!("/initiatives/{id}/package");

    // A package that names the ward it came from is refused, with what was typed kept.
    let mut naming = package("organisation");
    naming[0].1 = "Bay tagging halved falls on Ward 7.";
    let refused = clinician.submit(&edit, &edit, &naming).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("This names Ward 7 (Acute Medicine)"), "{html}");
    assert!(html.contains("Handover before leaving the bay"), "what was typed is kept");
    assert!(kindling_store::packages::readable(app.db(), NORTHFIELD, InitiativeId::new(id)).await?.is_none());

    write_package(&clinician, id, "organisation").await?;
    // Three chunks and a part, so that every chunk boundary is crossed on the way back.
    let poster = pdf(3 * kindling_store::packages::CHUNK_BYTES + 12_345);
    let added = clinician
        .upload_with(
            &edit,
            &format!("{edit}/resources"),
            &[("title", "Bay tagging poster")],
            "file",
            "poster.pdf",
            &poster,
        )
        .await?;
    assert_eq!(added.status(), 303, "{}", added.text().await?);
    let package = kindling_store::packages::readable(app.db(), NORTHFIELD, InitiativeId::new(id)).await?;
    let file = kindling_store::packages::resources(app.db(), &package.expect("a package")).await?.remove(0);
    let download = format!("/packages/{id}/resources/{}", file.id);
    let got = clinician.get(&download).await?;
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert_eq!(
        got.headers()["content-disposition"],
        "attachment; filename=\"poster.pdf\"; filename*=UTF-8''poster.pdf"
    );
    assert_eq!(got.bytes().await?.as_ref(), poster.as_slice(), "byte for byte");

    // Refused with the reason, and nothing stored: empty, too large, not what its name says, no title.
    let too_large = pdf(MAX_RESOURCE_BYTES + 1);
    for (title, name, bytes, message) in [
        ("Empty", "empty.pdf", &b""[..], "The file is empty"),
        ("Too large", "big.pdf", too_large.as_slice(), "The file is larger than 20 MB"),
        ("A page", "page.pdf", b"<html><script>alert(1)</script>", "its contents are not a PDF"),
        ("A script", "run.sh", b"#!/bin/sh", "Upload a PDF, a Word, Excel or PowerPoint file"),
        ("", "poster.pdf", poster.as_slice(), "Enter a title for the file"),
    ] {
        let refused = clinician
            .upload_with(&edit, &format!("{edit}/resources"), &[("title", title)], "file", name, bytes)
            .await?;
        assert_eq!(refused.status(), 422, "{name}");
        let html = refused.text().await?;
        assert!(html.contains(message), "{name}: {html}");
        assert_eq!(resource_count(&app, id).await, 1, "{name}: nothing stored");
    }

    // Only a signed-in person may send more than a form's worth: a stranger's large body is refused
    // before it is read.
    let stranger = kindling_testkit::http()
        .post(app.url(&format!("{edit}/resources")))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "multipart/form-data; boundary=x")
        .body(vec![b'x'; 1024 * 1024])
        .send()
        .await?;
    assert_eq!(stranger.status(), 400);

    // Another organisation sees neither the package nor its file until it is shared with the hub.
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    assert_eq!(carer.get(&format!("/packages/{id}")).await?.status(), 404);
    assert_eq!(carer.get(&download).await?.status(), 404);
    let (_, library) = carer.get_text("/packages?q=tagging").await?;
    assert!(!library.contains(&format!("/packages/{id}\"")), "not in another organisation's library");
    write_package(&clinician, id, "hub").await?;
    let (status, shown) = carer.get_text(&format!("/packages/{id}")).await?;
    assert_eq!(status, 200);
    assert!(shown.contains("Now shared with the whole hub."), "the version history says what changed");
    assert_eq!(carer.get(&download).await?.bytes().await?.as_ref(), poster.as_slice());
    // The library finds it by its file's title as well as by its own words.
    for q in ["tagging", "poster", "wristband"] {
        let (_, library) = carer.get_text(&format!("/packages?q={q}")).await?;
        assert!(library.contains(&format!("/packages/{id}\"")), "{q}");
    }
    let (_, none) = carer.get_text("/packages?q=zanzibarish").await?;
    assert!(!none.contains(&format!("/packages/{id}\"")));
    // A file id is only found through its own package.
    let other = initiative(&app, NORTHFIELD, "Protected mealtimes").await;
    write_package(&clinician, other, "hub").await.ok();
    assert_eq!(carer.get(&format!("/packages/{other}/resources/{}", file.id)).await?.status(), 404);
    Ok(())
}

#[tokio::test]
async fn adopting_a_package_reassesses_the_gates_at_the_new_site_and_the_two_teams_talk() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Falls prevention").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    write_package(&clinician, id, "hub").await?;

    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let adopt = format!("/packages/{id}/adopt");
    let (status, form) = carer.get_text(&adopt).await?;
    assert_eq!(status, 200);
    assert!(form.contains("value=\"touches-patients\" checked"), "the original facts are the starting point");
    let site = form.split("<option value=\"").nth(2).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned();

    // A core component neither kept nor explained comes back with the error, the rest kept.
    let incomplete = carer
        .submit(
            &adopt,
            &adopt,
            &[
                ("title", "Lounge tagging"),
                ("local_context", "A 40-bed care home with two lounges"),
                ("core-1-choice", "adapted"),
            ],
        )
        .await?;
    assert_eq!(incomplete.status(), 422);
    let html = incomplete.text().await?;
    assert!(html.contains("Enter why you will adapt A named person in the bay at all times"), "{html}");
    assert!(html.contains("Say whether you keep Handover before leaving the bay as it is or adapt it"));
    assert!(html.contains("A 40-bed care home with two lounges"), "what was typed is kept");

    // A title that names the original ward is refused: the new initiative is the care home's own.
    let named = carer
        .submit(&adopt, &adopt, &[("title", "Falls prevention: bay tagging on Ward 7"), ("core-1-choice", "kept")])
        .await?;
    assert_eq!(named.status(), 422);
    assert!(named.text().await?.contains("This names Ward 7 (Acute Medicine), where the change started"));

    let adopted = carer
        .submit(
            &adopt,
            &adopt,
            &[
                ("title", "Lounge tagging"),
                ("site", &site),
                ("local_context", "A 40-bed care home with two lounges"),
                ("core-1-choice", "adapted"),
                ("core-1-reason", "Residents sit in lounges, not bays: a carer is tagged to each lounge"),
                ("core-2-choice", "kept"),
                ("fact", "touches-patients"),
                ("fact", "health-it"),
            ],
        )
        .await?;
    assert_eq!(adopted.status(), 303);
    let location = adopted.headers()["location"].to_str()?.to_owned();
    let new: i64 = location.trim_start_matches("/adoptions/").split('?').next().unwrap_or_default().parse()?;
    let new_id = InitiativeId::new(new);

    // The new initiative is the care home's own: at shaping, its facts as ticked, no sign-off carried
    // over, so the clinical safety its health IT calls for must be done there.
    let item = initiatives::get(app.db(), RIVERSIDE, new_id).await?.expect("adopted initiative");
    assert_eq!(item.stage, kindling_domain::initiatives::Stage::Shaping);
    assert!(!item.draft.proposed_change.contains("Ward 7"), "{}", item.draft.proposed_change);
    let records = kindling_store::gates::gather(app.db(), RIVERSIDE, &item).await?;
    assert_eq!(records.facts, Some([Fact::TouchesPatients, Fact::HealthIt].into_iter().collect()));
    let pack = kindling_store::policy::active(app.db(), RIVERSIDE).await?.pack;
    let safety = evaluate(&pack, &records).into_iter().find(|g| g.kind == GateKind::ClinicalSafety).expect("gate");
    assert_ne!(safety.status, kindling_domain::gates::GateStatus::Passed, "{safety:?}");
    assert!(kindling_store::gates::records_for(app.db(), RIVERSIDE, new_id).await?.is_empty(), "nothing copied");

    // The package's measures, for this site, without data.
    let measures = kindling_store::measures::for_initiative(app.db(), RIVERSIDE, new_id).await?;
    let falls = measures.iter().find(|m| m.draft.name == "Inpatient falls per 1,000 bed days").expect("measure");
    assert_eq!(
        falls.draft.definition.numerator,
        "Inpatient falls on Riverside House Care Home reported on the incident system"
    );
    assert!(kindling_store::measures::points(app.db(), falls.id).await?.is_empty());

    // The originating team hears of the adoption and of the adapted core component.
    let email = kindling_domain::people::Email::parse("clinician@demo.kindling.test").expect("email");
    let clinician_id = kindling_store::users::find_by_email(app.db(), &email).await?.expect("user").id;
    let told: Vec<String> =
        kindling_store::notifications::list(app.db(), clinician_id, 5).await?.into_iter().map(|n| n.summary).collect();
    assert!(
        told.contains(
            &"Riverside Community Care is adopting your change Falls prevention: bay tagging on Ward 7".to_owned()
        ),
        "{told:?}"
    );
    assert!(told.contains(&"Riverside Community Care adapted the core component \u{201c}A named person in the bay at all times\u{201d}: your advice is asked".to_owned()), "{told:?}");

    // The originating team answers on the thread; the care home reads it.
    let thread = format!("/adoptions/{new}");
    let (status, page) = clinician.get_text(&thread).await?;
    assert_eq!(status, 200);
    assert!(page.contains("Adapted: advice asked"));
    let answered = clinician
        .submit(&thread, &format!("{thread}/messages"), &[("body", "Tag the lounge door too, so night staff see it.")])
        .await?;
    assert_eq!(answered.status(), 303);
    let (_, page) = carer.get_text(&thread).await?;
    assert!(page.contains("Tag the lounge door too, so night staff see it."));
    // The originating organisation reads it beyond the team, as the adopting one does.
    let pharmacist = app.signed_in("pharmacist@demo.kindling.test").await?;
    assert_eq!(pharmacist.get(&thread).await?.status(), 200, "same organisation as the source may read it");

    // The care home checks fidelity: one of two in place.
    let checked = carer
        .submit(&thread, &format!("{thread}/fidelity"), &[("core-1-in-place", "yes"), ("core-2-in-place", "no")])
        .await?;
    assert_eq!(checked.status(), 303);
    let (_, page) = clinician.get_text(&thread).await?;
    assert!(page.contains(">50%<"), "{page}");

    // A further adaptation of a core component is logged with its reason and asks the advice again.
    let logged = carer
        .submit(
            &thread,
            &format!("{thread}/adaptations"),
            &[
                ("component", "2"),
                ("what", "Handover by radio between the lounges"),
                ("why", "The two lounges are at opposite ends of the home"),
            ],
        )
        .await?;
    assert_eq!(logged.status(), 303);
    let refused = carer.submit(&thread, &format!("{thread}/adaptations"), &[("component", "9")]).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Choose one of the core components, or something else"));
    let told: Vec<String> =
        kindling_store::notifications::list(app.db(), clinician_id, 1).await?.into_iter().map(|n| n.summary).collect();
    assert_eq!(
        told,
        [
            "Riverside Community Care adapted the core component \u{201c}Handover before leaving the bay\u{201d}: your advice is asked"
        ]
    );
    let (_, page) = clinician.get_text(&thread).await?;
    assert!(page.contains("Handover by radio between the lounges, because The two lounges are at opposite ends"));
    // Only the adopting team logs its adaptations.
    let foreign = clinician.submit(&thread, &format!("{thread}/adaptations"), &[("what", "x"), ("why", "y")]).await?;
    assert_eq!(foreign.status(), 404);

    // The care home's own data, far above the original's: both charts of the measure share one scale.
    let care_home_actor =
        kindling_store::Actor { organisation: RIVERSIDE, user: item.submitter.id, now_ms: kindling_testkit::now_ms() };
    let months: Vec<kindling_domain::measures::Point> = (0..20)
        .map(|k| kindling_domain::measures::Point {
            period: kindling_domain::initiatives::CivilDate::new(2025 + k / 12, u8::try_from(k % 12 + 1).unwrap(), 1)
                .unwrap(),
            value: f64::from(30 + k % 4),
            denominator: Some(1000.0),
        })
        .collect();
    assert!(kindling_store::measures::add_points(app.db(), care_home_actor, falls.id, &months, "test").await?);

    // The spread map shows both sites with their own verdicts: the care home has no data yet, so its
    // baseline is what it is asked for.
    let (status, map) = clinician.get_text(&format!("/initiatives/{id}/sites")).await?;
    assert_eq!(status, 200);
    assert!(map.contains("Riverside Community Care, Riverside House Care Home</td><td class=\"nhsuk-table__cell\">Shaping</td><td class=\"nhsuk-table__cell\">50% on"), "{map}");
    assert!(map.contains("A named person in the bay at all times: <strong>adapted</strong>, Residents sit in lounges"));
    assert!(map.contains("Handover before leaving the bay: kept"));
    assert!(map.contains("No baseline yet: collect 15 points before the change starts here."), "its other measures");
    assert!(map.contains("(where it started)</td><td class=\"nhsuk-table__cell\">Evaluating</td><td class=\"nhsuk-table__cell\">Not applicable</td><td class=\"nhsuk-table__cell\">Improvement: Inpatient falls per 1,000 bed days"), "{map}");
    // A new version of the package reaches the site that adopted an earlier one.
    write_package(&clinician, id, "hub").await?;
    let version =
        "The spread package for Falls prevention: bay tagging on Ward 7 has a new version (2): see what changed";
    assert!(summaries(&app, "carer@riverside.demo.kindling.test").await.contains(&version.to_owned()));
    let ticks = |chart: &str| -> Vec<String> {
        let svg =
            map.split(&format!("id=\"{chart}-title\"")).nth(1).and_then(|s| s.split("</svg>").next()).unwrap_or("");
        svg.split("text-anchor=\"end\" fill=\"")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1)?.split('<').next().map(str::to_owned))
            .collect()
    };
    let (original, care_home) = (ticks("site-0-measure-0"), ticks("site-1-measure-0"));
    assert!(!original.is_empty(), "{map}");
    assert_eq!(original, care_home, "one scale for one measure across sites");
    let pdf = clinician.get(&format!("/initiatives/{id}/sites.pdf")).await?;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await?.starts_with(b"%PDF-"));
    Ok(())
}

#[tokio::test]
async fn a_stopped_change_is_learned_from_not_adopted() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Paperless handover").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let path = format!("/initiatives/{id}/package");
    let fields: Vec<(&str, &str)> = vec![
        ("summary", "A handover on the electronic board instead of paper."),
        ("core-1-name", "Bedside handover"),
        ("core-1-why", "Patients hear and correct what is said"),
        ("core-1-check", "Handover happens at the bedside"),
        ("share", "hub"),
    ];
    assert_eq!(clinician.submit(&path, &path, &fields).await?.status(), 303);
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let (_, page) = carer.get_text(&format!("/packages/{id}")).await?;
    assert!(page.contains("This change was stopped"));
    // The demo's protected mealtimes package carries the NASSS profile its team recorded.
    let mealtimes = initiative(&app, NORTHFIELD, "Protected mealtimes").await;
    let (_, package) = carer.get_text(&format!("/packages/{mealtimes}")).await?;
    assert!(package.contains("Volunteers must be recruited and kept on every ward."), "{package}");
    // Its adoption by Riverside House: the adapted component, the later adaptation typed one per line,
    // the answer on the thread and the fidelity check, for the adopting team.
    let adopted =
        kindling_store::learning::adoptions_of(app.db(), InitiativeId::new(mealtimes)).await?.remove(0).adopted;
    let (status, page) = carer.get_text(&format!("/adoptions/{adopted}")).await?;
    assert_eq!(status, 200);
    assert!(page.contains("Medicines rounds cannot move, so they pause for the first half hour only"), "{page}");
    assert!(page.contains("<li>Care assistants help, not volunteers, because the home has none yet</li>"), "{page}");
    assert!(page.contains("keep the red trays exactly as they are") && page.contains(">50%<"), "{page}");
    assert!(!page.contains(&format!("/packages/{id}/adopt")), "no adopt button");
    assert_eq!(carer.get(&format!("/packages/{id}/adopt")).await?.status(), 409);
    Ok(())
}

async fn summaries(app: &TestApp, email: &str) -> Vec<String> {
    let email = kindling_domain::people::Email::parse(email).expect("email");
    let user = kindling_store::users::find_by_email(app.db(), &email).await.unwrap().expect("user").id;
    kindling_store::notifications::list(app.db(), user, 50).await.unwrap().into_iter().map(|n| n.summary).collect()
}

#[tokio::test]
async fn followers_hear_of_packages_adoptions_and_reviews_they_may_read() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = initiative(&app, NORTHFIELD, "Falls prevention").await;
    let title = "Falls prevention: bay tagging on Ward 7";
    // A pharmacist of the same trust follows the topic; a carer elsewhere saves a search.
    let pharmacist = app.signed_in("pharmacist@demo.kindling.test").await?;
    let followed = pharmacist.submit("/follows", "/follows", &[("kind", "topic"), ("value", "falls")]).await?;
    assert_eq!(followed.status(), 303);
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let saved = carer.submit("/packages?q=tagging", "/follows", &[("kind", "search"), ("value", "tagging")]).await?;
    assert_eq!(saved.status(), 303);
    // A search with no words comes back as the library with the reason, not a bare error page.
    let refused = carer.submit("/follows", "/follows", &[("kind", "search"), ("value", "!!")]).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(
        html.contains("Search for something first, then save the search") && html.contains("value=\"!!\""),
        "{html}"
    );
    // A change the carer cannot read cannot be followed (and so never tells them anything).
    let hidden = carer.submit("/follows", "/follows", &[("kind", "change"), ("initiative", &id.to_string())]).await?;
    assert_eq!(hidden.status(), 404);

    // Shared within the trust: the pharmacist hears, the carer does not.
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    write_package(&clinician, id, "organisation").await?;
    let first = format!("A spread package for {title}: what must be kept and what may be adapted");
    assert!(summaries(&app, "pharmacist@demo.kindling.test").await.contains(&first));
    assert!(!summaries(&app, "carer@riverside.demo.kindling.test").await.contains(&first));
    // Shared with the hub: the carer's search finds it now.
    write_package(&clinician, id, "hub").await?;
    let second = format!("The spread package for {title} has a new version (2): see what changed");
    assert!(summaries(&app, "carer@riverside.demo.kindling.test").await.contains(&second));

    // The carer follows the change itself; an adoption at another site of the trust reaches both.
    let followed = carer.submit("/follows", "/follows", &[("kind", "change"), ("initiative", &id.to_string())]).await?;
    assert_eq!(followed.status(), 303);
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let adopt = format!("/packages/{id}/adopt");
    let adopted = lead
        .submit(
            &adopt,
            &adopt,
            &[
                // Another site of the same trust may name itself; only the original site is refused.
                ("title", "Bay tagging at Eastbrook Community Hospital"),
                ("local_context", "A rehabilitation ward"),
                ("core-1-choice", "kept"),
                ("core-2-choice", "kept"),
            ],
        )
        .await?;
    assert_eq!(adopted.status(), 303);
    // Within one trust both teams are in the same organisation: the originating team's message still
    // reaches the adopting team.
    let eastbrook = adopted.headers()["location"].to_str()?.split('?').next().unwrap_or_default().to_owned();
    let answered =
        clinician.submit(&eastbrook, &format!("{eastbrook}/messages"), &[("body", "Start with one bay.")]).await?;
    assert_eq!(answered.status(), 303);
    let about = "A new message about the adoption Bay tagging at Eastbrook Community Hospital".to_owned();
    assert!(summaries(&app, "improvement-lead@demo.kindling.test").await.contains(&about));
    let news = format!("Northfield Teaching Hospitals NHS Foundation Trust adopted {title}");
    let carer_heard = summaries(&app, "carer@riverside.demo.kindling.test").await;
    assert_eq!(
        carer_heard.iter().filter(|s| **s == news).count(),
        1,
        "once, though two follows match: {carer_heard:?}"
    );
    assert!(summaries(&app, "pharmacist@demo.kindling.test").await.contains(&news));

    // A learning review shared within the trust reaches the topic's follower, not the carer; shared
    // with the hub later, it reaches the carer's followed change too.
    let review = format!("/initiatives/{id}/learning-review");
    let mut fields = vec![
        ("expected", "Fewer falls in tagged bays."),
        ("happened", "Falls halved within a year."),
        ("why_differ", "It went as expected."),
        ("keep", "Tagging every bay."),
        ("change", "Tag the lounge too."),
        ("visibility", "organisation"),
    ];
    assert_eq!(clinician.submit(&review, &review, &fields).await?.status(), 303);
    let told = format!("A learning review of {title}");
    assert!(summaries(&app, "pharmacist@demo.kindling.test").await.contains(&told));
    assert!(!summaries(&app, "carer@riverside.demo.kindling.test").await.contains(&told));
    fields[5].1 = "hub";
    assert_eq!(clinician.submit(&review, &review, &fields).await?.status(), 303);
    assert!(summaries(&app, "carer@riverside.demo.kindling.test").await.contains(&told));

    // The list of follows, and stopping one; another person's follow is not found.
    let (_, page) = carer.get_text("/follows").await?;
    assert!(
        page.contains(&format!("The change {title}")) && page.contains("The search \u{201c}tagging\u{201d}"),
        "{page}"
    );
    let follows = kindling_store::follows::list(app.db(), {
        let email = kindling_domain::people::Email::parse("carer@riverside.demo.kindling.test").expect("email");
        kindling_store::users::find_by_email(app.db(), &email).await?.expect("user").id
    })
    .await?;
    let remove = format!("/follows/{}/remove", follows[0].id);
    assert_eq!(pharmacist.submit("/follows", &remove, &[]).await?.status(), 404);
    assert_eq!(carer.submit("/follows", &remove, &[]).await?.status(), 303);
    let (_, page) = carer.get_text("/follows").await?;
    assert!(!page.contains(&format!("The change {title}")));
    Ok(())
}
