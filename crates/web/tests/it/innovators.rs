//! Helping innovators: driver diagrams tied to PDSA cycles, support offers and their answers, public
//! pages reviewed before a signed-out visitor can read them, committee papers and appraisal records
//! as PDF (read back with pdftotext) and CSV, and skills pathways. Bad input included.

use crate::location;
use kindling_domain::ids::{InitiativeId, OrganisationId};
use kindling_domain::paging::Page;
use kindling_domain::people::Email;
use kindling_store::initiatives::{self, Filter};
use kindling_store::{drivers, notifications, support, users};
use kindling_testkit::TestApp;

use crate::evidence::pdf_text;

const NORTHFIELD: OrganisationId = OrganisationId::new(1);

async fn initiative(app: &TestApp, prefix: &str) -> i64 {
    let (all, _) = initiatives::list(app.db(), NORTHFIELD, &Filter::default(), Page::parse(None, 100)).await.unwrap();
    all.iter().find(|i| i.title.starts_with(prefix)).unwrap().id.get()
}

#[tokio::test]
async fn a_driver_diagram_is_built_and_its_change_idea_marked_tested_by_its_cycle() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let falls = initiative(&app, "Falls prevention").await;
    let page = format!("/initiatives/{falls}/drivers");
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let added = clinician
        .submit(&page, &page, &[("kind", "primary"), ("label", "Staff present where falls happen"), ("parent", "")])
        .await?;
    let anchor = location(&added);
    let primary: i64 = anchor.rsplit("node-").next().unwrap().parse()?;
    // A change idea naming a patient is refused, with what was typed kept in its own form.
    let p = primary.to_string();
    let refused =
        clinician.submit(&page, &page, &[("kind", "change"), ("label", "Ask Mr Jones first"), ("parent", &p)]).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("Remove what looks like a name after a title"));
    assert!(
        html.contains(&format!(
            "id=\"new-change-{primary}\" name=\"label\" type=\"text\" value=\"Ask Mr Jones first\""
        )),
        "{html}"
    );
    // A change idea must act on a driver (a form changed by hand).
    let refused =
        clinician.submit(&page, &page, &[("kind", "change"), ("label", "Tag a nurse"), ("parent", "")]).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Choose the driver this change idea acts on"));
    location(
        &clinician
            .submit(&page, &page, &[("kind", "change"), ("label", "Tag a nurse into each bay"), ("parent", &p)])
            .await?,
    );
    let nodes = drivers::diagram(app.db(), NORTHFIELD, InitiativeId::new(falls)).await?;
    let idea = nodes.iter().find(|n| n.label == "Tag a nurse into each bay").unwrap().id;
    let cycle = kindling_store::pdsa::for_initiative(app.db(), NORTHFIELD, InitiativeId::new(falls)).await?.remove(0);
    let linked =
        clinician.submit(&page, &format!("{page}/{idea}/link"), &[("target", &cycle.id.get().to_string())]).await?;
    location(&linked);
    let (_, html) = clinician.get_text(&page).await?;
    // The demo's falls cycle finished with the decision to adapt.
    assert!(html.contains("Tested: adapt"), "{html}");
    assert!(html.contains("1 of 1 change idea tested"));
    assert!(html.contains("<svg") && html.contains("Driver diagram"));

    // A cycle of another initiative cannot be linked; someone off the team cannot edit.
    let other = kindling_store::pdsa::for_initiative(
        app.db(),
        NORTHFIELD,
        InitiativeId::new(initiative(&app, "Discharge letters").await),
    )
    .await?
    .remove(0);
    let bad =
        clinician.submit(&page, &format!("{page}/{idea}/link"), &[("target", &other.id.get().to_string())]).await?;
    assert_eq!(bad.status(), 400);
    let pharmacist = app.signed_in("pharmacist@demo.kindling.test").await?;
    let forbidden = pharmacist.submit(&page, &page, &[("kind", "primary"), ("label", "x"), ("parent", "")]).await?;
    assert_eq!(forbidden.status(), 403);
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    assert_eq!(carer.get_text(&page).await?.0, 404);

    // Removing a driver with a change idea under it asks first, naming what would go (issue 18 §5).
    let remove = format!("{page}/{primary}/remove");
    let asked = clinician.submit(&page, &remove, &[]).await?;
    assert_eq!(asked.status(), 200);
    let html = asked.text().await?;
    assert!(html.contains("1 item will go with it") && html.contains("<li>Tag a nurse into each bay</li>"), "{html}");
    assert_eq!(drivers::diagram(app.db(), NORTHFIELD, InitiativeId::new(falls)).await?.len(), nodes.len());
    location(&clinician.submit(&page, &remove, &[("confirm", "yes")]).await?);
    let left = drivers::diagram(app.db(), NORTHFIELD, InitiativeId::new(falls)).await?;
    assert!(!left.iter().any(|n| n.id == primary || n.id == idea));
    Ok(())
}

#[tokio::test]
async fn help_is_asked_for_answered_and_timed() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let falls = initiative(&app, "Falls prevention").await;
    let offers = support::offers(app.db(), NORTHFIELD).await?;
    let coaching = offers.iter().find(|o| o.title == "QI coaching").unwrap();
    let page = format!("/initiatives/{falls}/support");
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let offer = coaching.id.to_string();
    let refused = clinician
        .submit(&page, &page, &[("offer", &offer), ("message", "Help with the patient born 01/02/1950 who fell")])
        .await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Remove what looks like a date of birth"));
    let before = support::requests(app.db(), NORTHFIELD, None).await?.len();
    let asked = location(
        &clinician
            .submit(
                &page,
                &page,
                &[("offer", &offer), ("message", "Help reading our run chart after the tagging cycle")],
            )
            .await?,
    );
    // Each form ends on a confirmation (issue 18 §5: `?notice=asked` was shown by no template).
    let (_, html) = clinician.get_text(&asked).await?;
    assert!(html.contains("Your request has been sent"), "{html}");
    let requests = support::requests(app.db(), NORTHFIELD, None).await?;
    assert_eq!(requests.len(), before + 1);
    let request = &requests[0];
    let lead_id = users::find_by_email(app.db(), &Email::parse("improvement-lead@demo.kindling.test").unwrap())
        .await?
        .unwrap()
        .id;
    let told = notifications::list(app.db(), lead_id, 1).await?.remove(0);
    assert_eq!(told.href, format!("/support/requests/{}", request.id));

    let path = format!("/support/requests/{}", request.id);
    let pharmacist = app.signed_in("pharmacist@demo.kindling.test").await?;
    assert_eq!(pharmacist.submit(&path, &path, &[("answer", "accept")]).await?.status(), 403);
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let no_reason = lead.submit(&path, &path, &[("answer", "decline"), ("note", "")]).await?;
    assert_eq!(no_reason.status(), 422);
    assert!(no_reason.text().await?.contains("Enter the reason for declining"));
    let answered =
        location(&lead.submit(&path, &path, &[("answer", "accept"), ("note", "I can meet on Tuesday")]).await?);
    let (_, html) = lead.get_text(&answered).await?;
    assert!(html.contains("Your answer has been recorded"), "{html}");
    let (_, html) = clinician.get_text(&page).await?;
    assert!(html.contains("Accepted") && html.contains("I can meet on Tuesday"));
    // Seven answered requests in the demo, and this one.
    let (_, html) = lead.get_text("/support/performance").await?;
    assert!(html.contains("8 requests answered"), "{html}");
    assert!(html.contains("<svg"));
    Ok(())
}

#[tokio::test]
async fn a_public_page_is_reviewed_by_someone_else_before_a_visitor_can_read_it() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let falls = initiative(&app, "Falls prevention").await;
    let page = format!("/initiatives/{falls}/public-page");
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let mut fields = vec![
        ("what_changing", "A member of staff now stays in each bay where patients are likely to fall."),
        ("why", "Most falls on Ward 7 happened when nobody was in the bay."),
        ("how_helps", "Someone is there to help you get up safely."),
        ("learned", ""),
        ("feedback_how", "Scan the code on the poster and tell us what you think."),
        ("action", "submit"),
    ];
    let refused = clinician.submit(&page, &page, &fields).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("Enter what you have learned so far"));
    assert!(html.contains("Reading age about"), "the score is shown as the author writes");
    fields[3].1 = "Fewer patients fell. We now plan breaks so the bay is never empty.";
    location(&clinician.submit(&page, &page, &fields).await?);
    // The writer cannot publish their own page, and nobody outside can read it yet.
    assert_eq!(clinician.submit(&page, &format!("{page}/publish"), &[]).await?.status(), 403);
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    location(&lead.submit(&page, &format!("{page}/publish"), &[]).await?);
    let (_, html) = lead.get_text(&page).await?;
    let link = html.split("href=\"/feedback/").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
    let visitor = app.browser();
    let (status, public) = visitor.get_text(&format!("/feedback/{link}")).await?;
    assert_eq!(status, 200);
    assert!(
        public.contains("What we have learned so far")
            && public.contains("We now plan breaks so the bay is never empty.")
    );
    assert!(public.contains("Tell us what you think"), "the feedback form follows the page");

    // Editing the published page does not take it offline: the public keeps reading the reviewed
    // version while the new one waits, and those who may publish are told it waits.
    fields[3].1 = "Fewer patients fell. Night staff now plan breaks too.";
    location(&clinician.submit(&page, &page, &fields).await?);
    let (_, public) = visitor.get_text(&format!("/feedback/{link}")).await?;
    assert!(public.contains("We now plan breaks so the bay is never empty."), "the published version stays live");
    assert!(!public.contains("Night staff now plan breaks too."), "the new version is not public yet");
    let (_, notices) = lead.get_text("/notifications").await?;
    assert!(notices.contains("A public page waits for your review: Falls prevention"), "{notices}");
    // The reviewer can send it back, with a comment (an empty one gives the form back with its error).
    let empty = lead.submit(&page, &format!("{page}/send-back"), &[("comment", " ")]).await?;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await?.contains("Enter what the team should change"));
    let comment = "Say which nights: patients will want to know.";
    location(&lead.submit(&page, &format!("{page}/send-back"), &[("comment", comment)]).await?);
    let (_, html) = clinician.get_text(&page).await?;
    assert!(html.contains("Sent back with a comment") && html.contains(comment), "the team reads why");
    let (_, notices) = clinician.get_text("/notifications").await?;
    assert!(notices.contains("Your public page was sent back with a comment"), "{notices}");
    let (_, public) = visitor.get_text(&format!("/feedback/{link}")).await?;
    assert!(public.contains("We now plan breaks so the bay is never empty."), "still live after sending back");
    // Written again and published, the new version replaces the old one.
    fields[3].1 = "Fewer patients fell. Night staff now plan breaks on every night shift.";
    location(&clinician.submit(&page, &page, &fields).await?);
    location(&lead.submit(&page, &format!("{page}/publish"), &[]).await?);
    let (_, public) = visitor.get_text(&format!("/feedback/{link}")).await?;
    assert!(public.contains("Night staff now plan breaks on every night shift."));
    assert!(!public.contains("We now plan breaks so the bay is never empty."));
    Ok(())
}

#[tokio::test]
async fn committee_papers_and_appraisal_records_render_as_pdf_and_csv() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let executive = app.signed_in("executive@demo.kindling.test").await?;
    let queue = kindling_store::approvals::queue(app.db(), NORTHFIELD).await?;
    let request = queue.iter().find(|r| r.initiative_title.starts_with("Ward-round checklist")).unwrap();
    let (status, html) = executive.get_text(&format!("/approvals/{}/paper", request.id)).await?;
    assert_eq!(status, 200);
    for section in [
        "Purpose",
        "Recommendation",
        "Summary",
        "Aim",
        "Risk",
        "Checks",
        "Evidence so far",
        "Resources and finance",
        "Equality and quality impact",
        "Patient involvement",
        "Decision sought",
        "Author and meeting",
    ] {
        assert!(html.contains(&format!("<h2>{section}</h2>")), "{section}");
    }
    let pdf = executive.get(&format!("/approvals/{}/paper.pdf", request.id)).await?;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let text = pdf_text(&pdf.bytes().await?)?;
    assert!(text.contains("Committee paper: Ward-round checklist"), "{text}");
    assert!(text.contains("Decision sought") && text.contains(&request.route_label));

    // A low-risk idea, submitted through the API, goes to a team lead: one person, not a committee.
    let token = app.token_for("clinician@demo.kindling.test").await?;
    let http = kindling_testkit::http();
    let api = |path: &str| app.url(&format!("/api/v1{path}"));
    let created: serde_json::Value = http
        .post(api("/initiatives"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "Quiet hours on Ward 7", "problem": "Noise at night", "proposed_change": "Lights down at 22:00"}))
        .send()
        .await?
        .json()
        .await?;
    let id = created["id"].as_i64().unwrap();
    let moves = [
        ("/transitions", serde_json::json!({"to": "shaping", "reason": "Agreed with the ward manager"})),
        ("/facts", serde_json::json!({"facts": []})),
        (
            "/risks",
            serde_json::json!({"domain": "finance", "cause": "c", "event": "e", "consequence": "q",
            "now": {"consequence": 1, "likelihood": 2}, "owner": "Ward manager", "review": "2027-06-01"}),
        ),
        ("/transitions", serde_json::json!({"to": "assessment", "reason": "Ready"})),
    ];
    for (path, body) in moves {
        let request = if path == "/facts" {
            http.put(api(&format!("/initiatives/{id}{path}")))
        } else {
            http.post(api(&format!("/initiatives/{id}{path}")))
        };
        let response = request.bearer_auth(&token).json(&body).send().await?;
        assert!(response.status().is_success(), "{path}: {}", response.text().await?);
    }
    let queue = kindling_store::approvals::queue(app.db(), NORTHFIELD).await?;

    // Each open request's paper: a committee's is a committee paper, one person's a decision paper;
    // an overdue one asks the more senior route, as the pack's escalation rule says (issue 18 §5).
    let pack = kindling_store::policy::active(app.db(), NORTHFIELD).await?.pack;
    let now = kindling_web::now_ms();
    let (mut committees, mut people, mut escalated) = (0, 0, 0);
    for request in &queue {
        let (_, html) = executive.get_text(&format!("/approvals/{}/paper", request.id)).await?;
        let route = pack.route(&request.route).unwrap();
        let senior = pack.routes.iter().filter(|r| !r.external && r.rank > route.rank).min_by_key(|r| r.rank);
        let decider = match senior {
            Some(senior) if request.overdue(now) && pack.escalation.escalate_after_target => {
                escalated += 1;
                assert!(html.contains("The request is overdue, so the policy pack escalates it"), "{}", request.id);
                assert!(html.contains(&format!("For the {}", senior.label.to_lowercase())), "{}", request.id);
                senior
            }
            _ => {
                assert!(!html.contains("overdue"), "{}", request.id);
                route
            }
        };
        let title = if decider.committee { "Committee paper: " } else { "Decision paper: " };
        assert!(html.contains(&format!("{title}{}", request.initiative_title)), "{}: {title}", request.route);
        (committees, people) = if decider.committee { (committees + 1, people) } else { (committees, people + 1) };
    }
    assert!(committees > 0 && people > 0 && escalated > 0, "{committees} {people} {escalated}");

    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let me = users::find_by_email(app.db(), &Email::parse("clinician@demo.kindling.test").unwrap()).await?.unwrap();
    let pdf = clinician.get(&format!("/people/{}/appraisal.pdf", me.id)).await?;
    assert_eq!(pdf.status(), 200);
    let text = pdf_text(&pdf.bytes().await?)?;
    assert!(text.contains(&format!("Appraisal record: {}", me.name)), "{text}");
    // Table cells wrap, so the title may be split across lines.
    assert!(text.contains("Falls prevention:") && text.contains("Skills pathways"), "{text}");
    let (status, csv) = clinician.get_text(&format!("/people/{}/appraisal.csv", me.id)).await?;
    assert_eq!(status, 200);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("person,section,title,detail,date"));
    assert!(csv.contains(&format!("{},initiative,Falls prevention: bay tagging on Ward 7,", me.name)), "{csv}");
    // Someone else's record is for them, executives and administrators only.
    let pharmacist = app.signed_in("pharmacist@demo.kindling.test").await?;
    assert_eq!(pharmacist.get(&format!("/people/{}/appraisal.pdf", me.id)).await?.status(), 403);
    assert_eq!(executive.get(&format!("/people/{}/appraisal", me.id)).await?.status(), 200);
    Ok(())
}

#[tokio::test]
async fn pathway_steps_are_recorded_and_templates_fill_from_the_initiative() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let falls = initiative(&app, "Falls prevention").await;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let (status, html) = clinician.get_text(&format!("/pathways/templates/elevator-pitch?initiative={falls}")).await?;
    assert_eq!(status, 200);
    assert!(
        html.contains("Most inpatient falls on Ward 7 happen in bays when no member of staff is present."),
        "{html}"
    );
    let (_, worksheet) = clinician.get_text(&format!("/pathways/templates/pdsa-worksheet?initiative={falls}")).await?;
    assert!(
        worksheet.contains("Tag one member of staff into each high-risk bay"),
        "the latest cycle fills the worksheet"
    );
    let page = format!("/pathways/pdsa?initiative={falls}");
    location(&clinician.submit(&page, "/pathways/pdsa/plan", &[("initiative", &falls.to_string())]).await?);
    assert_eq!(clinician.submit(&page, "/pathways/pdsa/nonsense", &[]).await?.status(), 404);
    let me = users::find_by_email(app.db(), &Email::parse("clinician@demo.kindling.test").unwrap()).await?.unwrap();
    let (_, profile) = clinician.get_text(&format!("/people/{}", me.id)).await?;
    assert!(profile.contains("Running a PDSA cycle</a>: 1 of 4 steps"), "{profile}");
    Ok(())
}

#[tokio::test]
async fn a_hub_wide_offer_is_open_to_other_organisations_and_others_stay_private() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let lead_id = users::find_by_email(app.db(), &Email::parse("improvement-lead@demo.kindling.test").unwrap())
        .await?
        .unwrap()
        .id;
    let contact = lead_id.to_string();
    let mut offer = vec![
        ("kind", "innovation-network"),
        ("title", "Regional innovation network"),
        ("covers", "Introductions to teams across the region who tried something similar."),
        ("who_can_ask", "Any organisation in the hub"),
        ("response_days", "0"),
        ("contact", contact.as_str()),
        ("hub_wide", "yes"),
    ];
    let refused = lead.submit("/support/offers/new", "/support/offers", &offer).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Enter a response target from 1 to 90 days"));
    offer[4].1 = "10";
    location(&lead.submit("/support/offers/new", "/support/offers", &offer).await?);
    // A clinician cannot publish offers.
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    assert_eq!(clinician.get("/support/offers/new").await?.status(), 403);

    // Riverside sees the hub-wide offer but not Northfield's own QI coaching.
    let riverside = OrganisationId::new(2);
    let open = support::offers(app.db(), riverside).await?;
    let titles: Vec<&str> = open.iter().map(|o| o.title.as_str()).collect();
    assert_eq!(titles, ["Regional innovation network"]);
    let coaching = support::offers(app.db(), NORTHFIELD).await?.into_iter().find(|o| o.title == "QI coaching").unwrap();
    let (all, _) = initiatives::list(app.db(), riverside, &Filter::default(), Page::parse(None, 100)).await?;
    let hydration = all.iter().find(|i| i.title.starts_with("Hydration rounds")).unwrap().id.get();
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let page = format!("/initiatives/{hydration}/support");
    let private =
        carer.submit(&page, &page, &[("offer", &coaching.id.to_string()), ("message", "Coaching please")]).await?;
    assert_eq!(private.status(), 422, "another organisation's own offer cannot be asked of");
    let network = open[0].id.to_string();
    location(
        &carer.submit(&page, &page, &[("offer", &network), ("message", "Who else runs hydration rounds?")]).await?,
    );
    let request = support::requests(app.db(), NORTHFIELD, None).await?.remove(0);
    assert_eq!(request.initiative_title.as_deref(), Some("Hydration rounds in the care home"));
    let (_, html) = lead.get_text(&format!("/support/requests/{}", request.id)).await?;
    assert!(html.contains("Asked from Riverside Community Care through your hub-wide offer."));
    assert!(!html.contains(&format!("href=\"/initiatives/{hydration}\"")), "no link into another organisation");
    // The asking organisation reads its request; its administrator cannot answer it.
    let riverside_admin = app.signed_in("admin@riverside.demo.kindling.test").await?;
    let page = format!("/support/requests/{}", request.id);
    let (status, html) = riverside_admin.get_text(&page).await?;
    assert_eq!(status, 200);
    assert!(!html.contains("Send the answer"), "{html}");
    let answer = riverside_admin.submit(&page, &page, &[("answer", "accept")]).await?;
    assert_eq!(answer.status(), 403);
    Ok(())
}

/// Issue 18 §5: someone without an initiative asks the directory for help; the contact is told and
/// answers; the person who asked is told and reads the answer under "Your requests". What is typed is
/// kept when refused, and another organisation's private offer cannot be asked.
#[tokio::test]
async fn anyone_can_ask_for_help_before_they_have_an_initiative() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let (_, directory) = clinician.get_text("/support").await?;
    let offers = support::offers(app.db(), NORTHFIELD).await?;
    let offer = &offers[0];
    let ask = format!("/support/offers/{}/ask", offer.id);
    assert!(directory.contains(&format!("href=\"{ask}\"")), "{directory}");
    let (status, form) = clinician.get_text(&ask).await?;
    assert_eq!(status, 200);
    assert!(form.contains("You do not need an initiative to ask"));
    let refused = clinician.submit(&ask, &ask, &[("message", "Call me on 07700 900123")]).await?;
    assert_eq!(refused.status(), 422, "screened like every request");
    assert!(refused.text().await?.contains("07700 900123"), "what was typed is kept");
    let message = "I have an idea about night-time noise on the wards but do not know where to start.";
    let sent = clinician.submit(&ask, &ask, &[("message", message)]).await?;
    assert_eq!(location(&sent), "/support?notice=asked#asked");
    let (_, directory) = clinician.get_text("/support?notice=asked").await?;
    assert!(directory.contains("Your request has been sent"), "{directory}");
    assert!(directory.contains("Your requests") && directory.contains("asked on"), "{directory}");

    let me = users::find_by_email(app.db(), &Email::parse("clinician@demo.kindling.test").unwrap()).await?.unwrap();
    let request = support::asked_by(app.db(), NORTHFIELD, me.id).await?.remove(0);
    assert_eq!((request.initiative, request.message.as_str()), (None, message));
    let contact = users::get(app.db(), offer.contact).await?.unwrap();
    let answerer = app.signed_in(&contact.email).await?;
    let page = format!("/support/requests/{}", request.id);
    let (_, html) = answerer.get_text(&page).await?;
    assert!(html.contains("Help asked by") && html.contains("Asked before there was an initiative"), "{html}");
    let answered =
        answerer.submit(&page, &page, &[("answer", "accept"), ("note", "Come to the Tuesday QI clinic.")]).await?;
    assert_eq!(answered.status(), 303);
    let told = notifications::list(app.db(), me.id, 20).await?;
    assert!(told.iter().any(|n| n.summary.contains("your request for help was accepted")), "{told:?}");
    let (_, directory) = clinician.get_text("/support").await?;
    assert!(directory.contains("Come to the Tuesday QI clinic."), "{directory}");
    Ok(())
}
