//! Mentoring over HTTP: the bad inputs that must change nothing (a capacity below the current load, a
//! must-pair that breaks a hard rule, a participant file with a bad row), notes that stay private to
//! the pair, another organisation's programme that does not exist for them, and the JSON API.

use crate::location;
use kindling_domain::ids::OrganisationId;
use kindling_domain::mentoring::{MatchStatus, Side};
use kindling_store::mentoring;
use kindling_testkit::TestApp;
use serde_json::{Value, json};

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const LEAD: &str = "programme-lead@demo.kindling.test";

async fn programme(app: &TestApp) -> mentoring::Programme {
    mentoring::programmes(app.db(), NORTHFIELD).await.unwrap().remove(0)
}

/// The demo's own pair: Jess Taylor (mentee@) offered Dr Kwame Mensah (mentor@), not yet answered.
async fn demo_pair(app: &TestApp) -> mentoring::Match {
    let p = programme(app).await;
    let all = mentoring::matches(app.db(), NORTHFIELD, p.id).await.unwrap();
    all.into_iter().find(|m| m.mentee_reference == "NE-JT").expect("the demo pair")
}

/// The demo mentee signed in, with her relationship's page accepted and ready for sessions and meetings.
async fn accepted_demo_pair(app: &TestApp) -> anyhow::Result<(kindling_testkit::Browser, mentoring::Match, String)> {
    let mentee = app.signed_in("mentee@demo.kindling.test").await?;
    let jess = demo_pair(app).await;
    let page = format!("/mentoring/matches/{}", jess.id);
    location(&mentee.submit(&page, &format!("{page}/answer"), &[("answer", "accept")]).await?);
    Ok((mentee, jess, page))
}

#[tokio::test]
async fn a_capacity_below_the_current_load_is_refused_and_nothing_changes() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let everyone = mentoring::participants(app.db(), NORTHFIELD, p.id).await?;
    let busy = everyone.iter().find(|x| x.side == Side::Mentor && x.load >= 2).expect("a mentor with two mentees");
    let lead = app.signed_in(LEAD).await?;
    let page = format!("/mentoring/participants/{}", busy.id);
    let below = (busy.load - 1).to_string();
    let refused = lead.submit(&page, &format!("{page}/capacity"), &[("capacity", &below)]).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(
        html.contains(&format!("This mentor already has {} places taken by mentees offered or active", busy.load)),
        "{html}"
    );
    assert!(html.contains(&format!("value=\"{below}\"")), "what was typed is kept");
    let after = mentoring::participant(app.db(), NORTHFIELD, busy.id).await?.unwrap().1;
    assert_eq!(after.capacity, busy.capacity);
    // Raising it works.
    let raised = (busy.capacity + 1).to_string();
    location(&lead.submit(&page, &format!("{page}/capacity"), &[("capacity", &raised)]).await?);
    assert_eq!(mentoring::participant(app.db(), NORTHFIELD, busy.id).await?.unwrap().1.capacity, busy.capacity + 1);
    Ok(())
}

#[tokio::test]
async fn a_must_pair_that_breaks_a_hard_rule_changes_nothing() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let lead = app.signed_in(LEAD).await?;
    let home = format!("/mentoring/programmes/{}", p.id);
    // A mentee who asks for reverse mentoring joins; every demo mentor mentors on the standard track,
    // so none may mentor them. (A grade 10 mentee, as this test once used, is now refused at enrolment:
    // the programme takes bands 4 to 6.)
    let mut fields = vec![
        ("side", "mentee"),
        ("reference", "SENIOR-1"),
        ("name", "Deputy Ward Manager"),
        ("profession", "nurse"),
        ("grade", "10"),
        ("site", "Northfield General Hospital"),
        ("tags", "leadership"),
        ("learning_style", ""),
        ("track", "reverse"),
    ];
    let (new, enrol) = (format!("{home}/participants/new"), format!("{home}/participants"));
    let refused = lead.submit(&new, &enrol, &fields).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("This programme takes mentees in grades or bands 4 to 6: 10 is not"), "{html}");
    fields[4] = ("grade", "6");
    location(&lead.submit(&new, &enrol, &fields).await?);
    let round_page = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    let rounds_before = mentoring::rounds(app.db(), NORTHFIELD, p.id).await?.len();
    let pool = mentoring::pool(app.db(), NORTHFIELD, &p).await?;
    let mentor = &pool.mentors[0];
    let refused = lead
        .submit(
            &round_page,
            &format!("{round_page}/overrides"),
            &[("kind", "must-pair"), ("mentee", "SENIOR-1"), ("mentor", &mentor.reference)],
        )
        .await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    let expected = format!(
        "This override cannot be applied, so nothing was changed: must-pair SENIOR-1–{} breaks a hard rule (track_rule)",
        mentor.reference
    );
    assert!(html.contains(&expected), "{html}");
    assert_eq!(mentoring::rounds(app.db(), NORTHFIELD, p.id).await?.len(), rounds_before, "no new round");
    // The explanation says why: nobody is eligible, every mentor excluded on grade.
    let round_id: i64 = round_page.rsplit('/').next().unwrap().parse()?;
    let senior = mentoring::participants(app.db(), NORTHFIELD, p.id)
        .await?
        .into_iter()
        .find(|x| x.reference == "SENIOR-1")
        .unwrap();
    let (status, why) = lead.get_text(&format!("/mentoring/rounds/{round_id}/mentees/{}", senior.id)).await?;
    assert_eq!(status, 200);
    assert!(why.contains("No mentor in this round is eligible"), "{why}");
    assert!(why.contains(&format!(
        "Grade: a mentor must be at least as senior (more junior for reverse mentoring): {}",
        pool.mentors.len()
    )));
    Ok(())
}

#[tokio::test]
async fn a_participant_file_with_a_bad_row_enrols_nobody() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let before = mentoring::participants(app.db(), NORTHFIELD, p.id).await?.len();
    let lead = app.signed_in(LEAD).await?;
    let home = format!("/mentoring/programmes/{}", p.id);
    let file = "side,reference,name,email,profession,grade,site,unit,tags,learning_style,availability,capacity,line_manager,track\n\
        mentor,NEWM,Ola Ade,,doctor,8,Northfield General Hospital,,leadership;research,,mon-am,2,,\n\
        mentor,NEWN,Ivy Ng,,doctor,8,Northfield General Hospital,,leadership,,,,,\n\
        mentee,NE0004,Repeat Person,,nurse,5,Northfield General Hospital,,qi,,,,,\n";
    let refused =
        lead.upload(&home, &format!("{home}/participants/import"), "file", "people.csv", file.as_bytes()).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("people.csv has 2 rows that cannot be imported: nobody was enrolled."), "{html}");
    assert!(html.contains("Line 3: capacity: Enter how many mentees they can take as a whole number from 1 to 20"));
    assert!(html.contains("Line 4: Mentee NE0004 is already enrolled"));
    assert_eq!(mentoring::participants(app.db(), NORTHFIELD, p.id).await?.len(), before);
    Ok(())
}

#[tokio::test]
async fn notes_stay_with_the_pair_and_other_organisations_see_nothing() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let mentee = app.signed_in("mentee@demo.kindling.test").await?;
    let mine = mentoring::matches(app.db(), NORTHFIELD, programme(&app).await.id).await?;
    let jess = mine.iter().find(|m| m.mentee_reference == "NE-JT").unwrap();
    let page = format!("/mentoring/matches/{}", jess.id);
    // Declining needs a reason; accepting needs none.
    let refused = mentee.submit(&page, &format!("{page}/answer"), &[("answer", "decline"), ("reason", "")]).await?;
    assert_eq!(refused.status(), 422);
    location(&mentee.submit(&page, &format!("{page}/answer"), &[("answer", "accept")]).await?);
    location(&mentee.submit(&page, &format!("{page}/notes"), &[("note", "We talked about my rota worries.")]).await?);
    let refused = mentee.submit(&page, &format!("{page}/notes"), &[("note", "Her NHS number is 943 476 5919")]).await?;
    assert_eq!(refused.status(), 422);
    let mentor = app.signed_in("mentor@demo.kindling.test").await?;
    assert!(mentor.get_text(&page).await?.1.contains("We talked about my rota worries."));
    let lead = app.signed_in(LEAD).await?;
    let (status, html) = lead.get_text(&page).await?;
    assert_eq!(status, 200);
    assert!(!html.contains("rota worries"), "the lead never sees the pair's notes");
    // A session logged today shows on her appraisal record's mentoring section.
    let today = kindling_domain::initiatives::CivilDate::from_unix_ms(kindling_testkit::now_ms()).unwrap();
    let (day, month, year) = (today.day.to_string(), today.month.to_string(), today.year.to_string());
    location(
        &mentee
            .submit(
                &page,
                &format!("{page}/sessions"),
                &[
                    ("held_day", &day),
                    ("held_month", &month),
                    ("held_year", &year),
                    ("minutes", "90"),
                    ("mode", "video"),
                    ("link", "https://meet.example.nhs.uk/abc"),
                    ("protected", "yes"),
                ],
            )
            .await?,
    );
    let jess_user = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("mentee@demo.kindling.test")?,
    )
    .await?
    .unwrap();
    let (_, record) = mentee.get_text(&format!("/people/{}/appraisal", jess_user.id.get())).await?;
    assert!(record.contains("Mentoring given and received"));
    assert!(record.contains("Dr Kwame Mensah"), "{record}");
    // One session of 90 minutes: 1.5 hours.
    assert!(record.contains("1.5"), "{record}");
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    assert_eq!(clinician.get_text(&page).await?.0, 404);
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    assert_eq!(carer.get_text(&format!("/mentoring/programmes/{}", jess.programme)).await?.0, 404);
    assert_eq!(carer.get_text(&page).await?.0, 404);
    Ok(())
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> anyhow::Result<(u16, Value)> {
    let mut request = kindling_testkit::http().request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, serde_json::from_str(&response.text().await?).unwrap_or(Value::Null)))
}

#[tokio::test]
async fn the_api_runs_and_reads_rounds_for_the_lead_only() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let lead = app.token_for(LEAD).await?;
    let (status, list) = call(&app, reqwest::Method::GET, "/api/v1/programmes", &lead, None).await?;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["mentees"], 200);
    assert_eq!(list["items"][0]["mentors"], 66, "60 at the start and 6 recruited later");
    let rounds = format!("/api/v1/programmes/{}/rounds", p.id);
    let (status, problem) =
        call(&app, reqwest::Method::POST, &rounds, &lead, Some(json!({"must_pair": [["NOBODY", "NM0002"]]}))).await?;
    assert_eq!(status, 422);
    assert_eq!(
        problem["errors"][0]["message"],
        "must-pair NOBODY–NM0002: nobody is enrolled as a mentee with the reference NOBODY"
    );
    let (status, round) = call(&app, reqwest::Method::POST, &rounds, &lead, Some(json!({}))).await?;
    assert_eq!(status, 201);
    assert_eq!(round["certificate"]["proven"], true);
    assert_eq!(round["certificate"]["primal"], round["certificate"]["dual"]);
    let (status, full) =
        call(&app, reqwest::Method::GET, &format!("/api/v1/rounds/{}", round["id"]), &lead, None).await?;
    assert_eq!(status, 200);
    assert_eq!(full["pairs"].as_array().unwrap().len() as i64, full["matched"].as_i64().unwrap());
    let clinician = app.token_for("clinician@demo.kindling.test").await?;
    let (status, _) =
        call(&app, reqwest::Method::GET, &format!("/api/v1/programmes/{}/participants", p.id), &clinician, None)
            .await?;
    assert_eq!(status, 403);
    let mentee = app.token_for("mentee@demo.kindling.test").await?;
    let (status, matches) = call(&app, reqwest::Method::GET, "/api/v1/me/matches", &mentee, None).await?;
    assert_eq!(status, 200);
    assert_eq!(matches["items"][0]["mentor"], "Dr Kwame Mensah");
    assert_eq!(matches["items"][0]["status"], "offered");
    let (status, teams) =
        call(&app, reqwest::Method::POST, "/api/v1/spaces/1/teams", &clinician, Some(json!({"size": 3}))).await?;
    assert_eq!(status, 200);
    let members: usize =
        teams["teams"].as_array().unwrap().iter().map(|t| t["members"].as_array().unwrap().len()).sum();
    assert_eq!(members, 6, "the demo space's six members with accounts, each in one team");
    Ok(())
}

#[tokio::test]
async fn only_the_participant_import_accepts_a_large_body() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let lead = app.signed_in(LEAD).await?;
    let home = format!("/mentoring/programmes/{}", p.id);
    // 300 KiB of text in an ordinary form is refused; the same size as a participant file is read
    // (and refused row by row, since its rows are not participants).
    let big = "x".repeat(300 * 1024);
    let refused = lead.submit(&home, "/spaces", &[("title", "Big"), ("theme", &big)]).await?;
    assert_eq!(refused.status(), 400);
    let header = "side,reference,name,profession,grade,site,tags\n";
    let file = format!("{header}{}\n", big);
    let read = lead.upload(&home, &format!("{home}/participants/import"), "file", "big.csv", file.as_bytes()).await?;
    assert_eq!(read.status(), 422);
    assert!(read.text().await?.contains("big.csv has 1 row that cannot be imported"));
    Ok(())
}

#[tokio::test]
async fn an_idea_started_in_a_space_links_back_to_it() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let refused = clinician
        .submit("/spaces/1", "/spaces/1/outputs", &[("stage", "understand"), ("body", "Mr Smith fell at home")])
        .await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Remove what looks like a name after a title"));
    let started = clinician
        .submit(
            "/spaces/1",
            "/spaces/1/ideas",
            &[
                ("title", "A medication change sheet"),
                ("problem", "Care homes hear of changes late"),
                ("proposed_change", "A sheet that travels with the resident"),
            ],
        )
        .await?;
    let initiative = location(&started);
    let (_, html) = clinician.get_text(&initiative).await?;
    assert!(html.contains("Started in the collaborative space <a href=\"/spaces/1\">Safer transfers of care between hospital and care homes</a>"), "{html}");
    let (_, space) = clinician.get_text("/spaces/1").await?;
    assert!(space.contains(&format!("<a href=\"{initiative}\">A medication change sheet</a>")));
    // Issue 19: a member from another organisation got "Page not found" from that link. They see what the
    // space shares, with whom to contact, and no link into another organisation's records.
    let carer = app.signed_in("carer@riverside.demo.kindling.test").await?;
    let (status, theirs) = carer.get_text("/spaces/1").await?;
    assert_eq!(status, 200);
    assert!(!theirs.contains(&format!("href=\"{initiative}\"")), "no dead link");
    assert!(theirs.contains("<strong>A medication change sheet</strong>"), "{theirs}");
    assert!(theirs.contains("Northfield Teaching Hospitals NHS Foundation Trust"));
    assert!(theirs.contains("Care homes hear of changes late"));
    assert!(
        theirs.contains("mailto:clinician@demo.kindling.test?subject=About%20A%20medication%20change%20sheet"),
        "{theirs}"
    );
    assert_eq!(carer.get_text(&initiative).await?.0, 404, "the initiative itself stays Northfield's");
    // Someone who has not joined cannot add to the space.
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let refused =
        approver.submit("/spaces/1", "/spaces/1/outputs", &[("stage", "ideate"), ("body", "An idea")]).await?;
    assert_eq!(refused.status(), 403);
    Ok(())
}

#[tokio::test]
async fn a_facilitator_invites_people_from_any_organisation_of_the_hub() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let facilitator = app.signed_in("improvement-lead@demo.kindling.test").await?;
    // Riverside's administrator has an account on the hub but has not joined the space.
    let admin = invited_name(&app, "admin@riverside.demo.kindling.test").await?;
    let member_names = async || -> anyhow::Result<Vec<String>> {
        Ok(kindling_store::spaces::members(app.db(), 1).await?.into_iter().map(|m| m.name).collect())
    };
    assert!(!member_names().await?.contains(&admin));
    let added = facilitator
        .submit("/spaces/1", "/spaces/1/members", &[("invite", "Admin@Riverside.demo.kindling.test")])
        .await?;
    assert_eq!(added.status(), 303, "{}", added.text().await?);
    let invited = app.signed_in("admin@riverside.demo.kindling.test").await?;
    let (_, told) = invited.get_text("/notifications").await?;
    assert!(
        told.contains("You were added to the collaborative space \u{201c}Safer transfers of care between hospital and care homes\u{201d}"),
        "{told}"
    );
    // As a member, they can add to the space at once.
    let output = invited
        .submit("/spaces/1", "/spaces/1/outputs", &[("stage", "ideate"), ("body", "A shared checklist")])
        .await?;
    assert_eq!(output.status(), 303);
    // Each mistake is named beside the field, with what was typed kept.
    for (email, message) in [
        ("admin@riverside.demo.kindling.test", "is already a member"),
        ("nobody@elsewhere.example", "Nobody on this hub has an account with that email address"),
        ("not an address", "Enter an email address in the correct format"),
    ] {
        let refused = facilitator.submit("/spaces/1", "/spaces/1/members", &[("invite", email)]).await?;
        assert_eq!(refused.status(), 422, "{email}");
        let html = refused.text().await?;
        assert!(html.contains(message), "{email}: {html}");
        assert!(html.contains(&format!("value=\"{email}\"")), "{email} kept");
    }
    // Only the facilitator invites; a member who is not gets 403 and nobody is added.
    let member = app.signed_in("clinician@demo.kindling.test").await?;
    let refused = member.submit("/spaces/1", "/spaces/1/members", &[("invite", "approver@demo.kindling.test")]).await?;
    assert_eq!(refused.status(), 403);
    let members = member_names().await?;
    assert!(members.contains(&admin));
    assert!(!members.contains(&invited_name(&app, "approver@demo.kindling.test").await?));
    Ok(())
}

/// Issue 19 §5: a patient partner is given a limited account and contributes outputs and comments
/// themselves; the account opens their spaces and their account settings, and nothing else.
#[tokio::test]
async fn a_patient_partner_gets_a_limited_account_that_opens_only_their_spaces() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let facilitator = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let june = kindling_store::spaces::partners(app.db(), 1).await?.into_iter().find(|p| p.name.starts_with("June"));
    let june = june.expect("the demo space's patient partner");
    assert_eq!(june.account, None);
    let (_, page) = facilitator.get_text("/spaces/1").await?;
    assert!(page.contains("Give a patient partner an account"), "{page}");
    let give = |partner: String, email: &'static str| {
        let facilitator = &facilitator;
        async move {
            facilitator
                .submit(
                    "/spaces/1",
                    "/spaces/1/partner-accounts",
                    &[("account_partner", &partner), ("partner_email", email)],
                )
                .await
        }
    };
    // Mistakes are named beside their fields, with what was typed kept; a member of staff's address
    // is refused (they take part as members); only the facilitator gives accounts.
    for (partner, email, message) in [
        (june.id.to_string(), "not an address", "Enter an email address in the correct format"),
        (String::new(), "june@example.org", "Choose the partner to give an account"),
        (june.id.to_string(), "clinician@demo.kindling.test", "belongs to a member of staff"),
        ("999999".to_owned(), "june@example.org", "Choose one of this space&#39;s partners"),
    ] {
        let refused = give(partner, email).await?;
        assert_eq!(refused.status(), 422, "{email}");
        let html = refused.text().await?;
        assert!(html.contains(message), "{email}: {html}");
        assert!(html.contains(&format!("value=\"{email}\"")), "{email} kept");
    }
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let refused = clinician
        .submit(
            "/spaces/1",
            "/spaces/1/partner-accounts",
            &[("account_partner", &june.id.to_string()), ("partner_email", "june@example.org")],
        )
        .await?;
    assert_eq!(refused.status(), 403);

    // Given: an invitation by email, and the partner row linked to an account holding the partner role only.
    let given = give(june.id.to_string(), "June@Example.org").await?;
    assert_eq!(location(&given), "/spaces/1?notice=partner-invited", "emailed, though the name has brackets");
    let account = kindling_store::spaces::partners(app.db(), 1).await?.into_iter().find(|p| p.id == june.id);
    let account = account.and_then(|p| p.account).expect("linked to the new account");
    let member = kindling_store::people::member(app.db(), NORTHFIELD, account).await?.expect("a member");
    assert_eq!(member.roles, vec![kindling_domain::people::Role::Partner]);
    assert_eq!(give(june.id.to_string(), "june@example.org").await?.status(), 422, "given once");
    let link = app.link_sent_to("june@example.org").expect("an invitation email");
    let partner = app.browser();
    assert_eq!(crate::going_live::set_password(&partner, &link, "lantern meadow copper").await?.status(), 303);

    // Home is their spaces; the list holds only the space they take part in.
    let home = partner.get("/").await?;
    assert_eq!(location(&home), "/spaces");
    let (status, list) = partner.get_text("/spaces").await?;
    assert_eq!(status, 200);
    assert!(list.contains("Safer transfers of care between hospital and care homes"), "{list}");
    assert_eq!(list.matches("href=\"/spaces/").count(), 1, "one space listed: {list}");
    assert!(!list.contains("href=\"/initiatives\""), "the menu offers only their spaces: {list}");
    // They add an output and comment on a challenge idea themselves.
    let (status, space) = partner.get_text("/spaces/1").await?;
    assert_eq!(status, 200, "{space}");
    assert!(space.contains("You take part in this space as a patient partner"), "{space}");
    assert!(!space.contains("Join this space") && !space.contains("Start an idea from this space"), "{space}");
    let added = partner
        .submit(
            "/spaces/1",
            "/spaces/1/outputs",
            &[("stage", "understand"), ("body", "Nobody told my mother which ward she was going to.")],
        )
        .await?;
    assert_eq!(added.status(), 303);
    let outputs = kindling_store::spaces::outputs(app.db(), 1).await?;
    let theirs = outputs.iter().find(|o| o.body.starts_with("Nobody told my mother")).expect("the output");
    assert_eq!(theirs.author, june.name);
    let challenge = kindling_store::challenges::of_space(app.db(), 1).await?.remove(0);
    let idea = kindling_store::challenges::ideas(app.db(), challenge.id).await?.remove(0);
    let idea_page = format!("/challenges/{}/ideas/{}", challenge.id, idea.id);
    let (status, html) = partner.get_text(&idea_page).await?;
    assert_eq!(status, 200, "{html}");
    let commented =
        partner.submit(&idea_page, &format!("{idea_page}/comments"), &[("comment", "Ask families too.")]).await?;
    assert_eq!(commented.status(), 303);
    let comments = kindling_store::challenges::comments(app.db(), idea.id).await?;
    assert!(comments.iter().any(|c| c.body == "Ask families too." && c.author == june.name), "{comments:?}");

    // Everything else is closed to the account: staff pages, joining or starting ideas, other spaces,
    // posting ideas, supporting, the API and its tokens.
    let other =
        facilitator.submit("/spaces/new", "/spaces", &[("title", "Falls at night"), ("theme", "Fewer falls")]).await?;
    let other_space = location(&other);
    for page in ["/initiatives", "/dashboard", "/mentoring", "/spaces/new", "/organisation", "/admin", &other_space] {
        let status = partner.get(page).await?.status().as_u16();
        assert!(matches!(status, 403 | 404), "{page}: {status}");
    }
    for (form, action, fields) in [
        ("/spaces/1", "/spaces/1/join", vec![]),
        (
            "/spaces/1",
            "/spaces/1/ideas",
            vec![("title", "Mine"), ("problem", "A problem"), ("proposed_change", "A change")],
        ),
        ("/spaces/1", "/spaces/1/partners", vec![("partner", "Someone")]),
        ("/spaces/1", &format!("{other_space}/outputs"), vec![("stage", "understand"), ("body", "Hello")]),
        (
            &idea_page,
            &format!("/challenges/{}/ideas", challenge.id),
            vec![("title", "Mine"), ("description", "An idea")],
        ),
        (&idea_page, &format!("{idea_page}/support"), vec![("value", "yes")]),
        ("/account", "/account/tokens", vec![("label", "Mine"), ("scope", "read"), ("days", "30")]),
    ] {
        let status = partner.submit(form, action, &fields).await?.status().as_u16();
        assert!(matches!(status, 403 | 404), "{action}: {status}");
    }
    assert!(!kindling_store::spaces::is_member(app.db(), 1, account).await?, "never made a member by the back door");
    let (status, settings) = partner.get_text("/account").await?;
    assert_eq!(status, 200);
    assert!(!settings.contains("API tokens"), "{settings}");

    // Another space's facilitator gives the same address: the existing partner account is linked, and told.
    let added = facilitator.submit(&other_space, &format!("{other_space}/partners"), &[("partner", "June")]).await?;
    assert_eq!(added.status(), 303);
    let other_id: i64 = other_space.trim_start_matches("/spaces/").parse()?;
    let second = kindling_store::spaces::partners(app.db(), other_id).await?.remove(0);
    let linked = facilitator
        .submit(
            &other_space,
            &format!("{other_space}/partner-accounts"),
            &[("account_partner", &second.id.to_string()), ("partner_email", "june@example.org")],
        )
        .await?;
    assert_eq!(location(&linked), format!("{other_space}?notice=partner-linked"));
    let (_, list) = partner.get_text("/spaces").await?;
    assert_eq!(list.matches("href=\"/spaces/").count(), 2, "{list}");
    assert_eq!(partner.get_text(&other_space).await?.0, 200);
    let (_, told) = partner.get_text("/notifications").await?;
    assert!(told.contains("You can now take part in the collaborative space \u{201c}Falls at night\u{201d}"), "{told}");
    Ok(())
}

#[tokio::test]
async fn suggested_teams_include_partners_are_saved_and_become_an_ideas_team() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    // The suggestion spreads the space's patient partner into a team and can be saved as shown.
    let suggested = clinician.submit("/spaces/1", "/spaces/1/teams", &[("size", "3")]).await?;
    let html = suggested.text().await?;
    assert!(html.contains("<li>June (family carer) (patient partner)</li>"), "{html}");
    let marker = "name=\"teams\" value=\"";
    let at = html.find(marker).expect("a form to save the teams") + marker.len();
    let shown = &html[at..at + html[at..].find('"').unwrap()];
    assert!(shown.matches(';').count() + 1 >= 3, "seven people in teams of at most three: {shown}");
    let saved = clinician.submit("/spaces/1", "/spaces/1/teams/saved", &[("teams", shown)]).await?;
    assert_eq!(saved.status(), 303);
    let as_saved = kindling_store::spaces::saved_teams(app.db(), 1).await?;
    let seats: Vec<Vec<kindling_domain::spaces::Seat>> =
        as_saved.iter().map(|t| t.places.iter().map(|p| p.seat).collect()).collect();
    assert_eq!(kindling_domain::spaces::write_teams(&seats), shown, "saved exactly as shown");

    // Saving teams of our own choosing replaces them; someone who is not in the space is refused.
    let (mentor, carer, mentee) = (
        user_id(&app, "mentor@demo.kindling.test").await?,
        user_id(&app, "carer@riverside.demo.kindling.test").await?,
        user_id(&app, "mentee@demo.kindling.test").await?,
    );
    let june = kindling_store::spaces::partners(app.db(), 1).await?[0].id;
    let outsider = user_id(&app, "approver@demo.kindling.test").await?;
    let stale =
        clinician.submit("/spaces/1", "/spaces/1/teams/saved", &[("teams", &format!("u{mentor} u{outsider}"))]).await?;
    assert_eq!(stale.status(), 422);
    let html = stale.text().await?;
    assert!(html.contains("members changed since these teams were suggested"), "{html}");
    let forged = clinician.submit("/spaces/1", "/spaces/1/teams/saved", &[("teams", "u1 u1")]).await?;
    assert_eq!(forged.status(), 422);
    let ours = format!("u{mentor} u{carer} p{june};u{mentee}");
    let saved = clinician.submit("/spaces/1", "/spaces/1/teams/saved", &[("teams", &ours)]).await?;
    assert_eq!(saved.status(), 303);

    // A team that is not saved is refused with everything typed kept.
    let idea = [
        ("title", "A transfer huddle"),
        ("problem", "Wards and care homes do not talk before a transfer"),
        ("proposed_change", "A five-minute call before each transfer"),
    ];
    let mut with_team = idea.to_vec();
    with_team.push(("team", "7"));
    let refused = clinician.submit("/spaces/1", "/spaces/1/ideas", &with_team).await?;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await?;
    assert!(page.contains("That team is no longer saved"), "{page}");
    assert!(page.contains("value=\"A transfer huddle\""));
    // Team 1 becomes the idea's team: Northfield's member joins the initiative's team; the Riverside
    // carer and the partner, who cannot open it, are kept with the idea on the space's page.
    with_team.pop();
    with_team.push(("team", "1"));
    let started = clinician.submit("/spaces/1", "/spaces/1/ideas", &with_team).await?;
    assert_eq!(started.status(), 303);
    let initiative = location(&started);
    let number: i64 = initiative.rsplit('/').next().unwrap().parse()?;
    let item = kindling_store::initiatives::get(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(number))
        .await?
        .expect("the new initiative");
    let mut team: Vec<i64> = item.team.iter().map(|m| m.person.id.get()).collect();
    team.sort_unstable();
    let mut expected = vec![user_id(&app, "clinician@demo.kindling.test").await?, mentor];
    expected.sort_unstable();
    assert_eq!(team, expected, "its submitter, and of the saved team only the member from the idea's organisation");
    let (_, space) = clinician.get_text("/spaces/1").await?;
    let mentor_name = invited_name(&app, "mentor@demo.kindling.test").await?;
    let carer_name = invited_name(&app, "carer@riverside.demo.kindling.test").await?;
    assert!(space.contains(&format!("Team: {mentor_name} (")), "{space}");
    assert!(space.contains(&format!("{carer_name} (")));
    assert!(space.contains("June (family carer) (patient partner)</p>"), "{space}");
    // Saving other teams later does not change the team the idea took.
    let again = clinician.submit("/spaces/1", "/spaces/1/teams/saved", &[("teams", &format!("u{mentee}"))]).await?;
    assert_eq!(again.status(), 303);
    let linked = kindling_store::spaces::initiatives(app.db(), 1).await?;
    let took = &linked.iter().find(|l| l.id.get() == number).unwrap().team;
    assert_eq!(took.len(), 3);
    Ok(())
}

#[tokio::test]
async fn the_lead_invites_participants_without_an_account_to_kindling() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let lead = app.signed_in(LEAD).await?;
    let home = format!("/mentoring/programmes/{}", p.id);
    let enrol = |reference: &'static str, name: &'static str, email: &'static str| {
        [
            ("side", "mentee"),
            ("reference", reference),
            ("name", name),
            ("email", email),
            ("profession", "nurse"),
            ("grade", "5"),
            ("site", "Northfield General Hospital"),
            ("tags", "leadership"),
        ]
    };
    let find = async |reference: &str| -> anyhow::Result<kindling_store::mentoring::Participant> {
        let all = mentoring::participants(app.db(), NORTHFIELD, p.id).await?;
        all.into_iter().find(|x| x.reference == reference).ok_or_else(|| anyhow::anyhow!("no {reference}"))
    };
    let (new, enrolments) = (format!("{home}/participants/new"), format!("{home}/participants"));
    let enrolled =
        lead.submit(&new, &enrolments, &enrol("NEW-1", "Tomasz Nowak", "Tomasz.Nowak@northfield.example")).await?;
    assert_eq!(enrolled.status(), 303);
    let tomasz = find("NEW-1").await?;
    assert_eq!(tomasz.user, None, "nobody has that email on the hub");
    let page = format!("/mentoring/participants/{}", tomasz.id);
    let (_, html) = lead.get_text(&page).await?;
    assert!(html.contains("Invite them to Kindling"), "{html}");

    // Invited: an account as a mentee of Northfield, the enrolment linked to it, a link by email.
    let invited = lead.submit(&page, &format!("{page}/invite"), &[]).await?;
    assert_eq!(invited.status(), 303);
    assert_eq!(location(&invited), format!("{page}?notice=invited"));
    let (_, html) = lead.get_text(&location(&invited)).await?;
    assert!(html.contains("Invitation sent to Tomasz.Nowak@northfield.example"), "the address as enrolled: {html}");
    assert!(!html.contains("Invite them to Kindling"));
    let account = find("NEW-1").await?.user.expect("linked to the new account");
    let member = kindling_store::people::member(app.db(), NORTHFIELD, account).await?.expect("a member");
    assert_eq!(member.roles, vec![kindling_domain::people::Role::Mentee]);
    let link = app.link_sent_to("tomasz.nowak@northfield.example").expect("an invitation email");
    assert!(link.starts_with("/set-password?token="), "{link}");
    // Inviting again is refused: they have an account now.
    assert_eq!(lead.submit(&page, &format!("{page}/invite"), &[]).await?.status(), 409);
    // They choose a password at the link and are signed in.
    let tomasz_browser = app.browser();
    let (status, form) = tomasz_browser.get_text(&link).await?;
    assert_eq!(status, 200);
    let marker = "name=\"token\" value=\"";
    let at = form.find(marker).expect("the token field") + marker.len();
    let token = &form[at..at + form[at..].find('"').unwrap()];
    let password = "kettle harbour violet";
    let set = tomasz_browser
        .submit(&link, "/set-password", &[("token", token), ("password", password), ("confirm", password)])
        .await?;
    assert_eq!(set.status(), 303);
    assert_eq!(tomasz_browser.get_text("/mentoring").await?.0, 200);

    // Someone with an account elsewhere in the hub is linked, not sent a new account.
    let carer = "carer@riverside.demo.kindling.test";
    let enrolled = lead.submit(&new, &enrolments, &enrol("NEW-2", "Riverside carer", carer)).await?;
    assert_eq!(enrolled.status(), 303);
    let theirs = find("NEW-2").await?;
    assert_eq!(theirs.user, None, "not a member of Northfield, so not linked on enrolment");
    let emails_before = app.emails().len();
    let page = format!("/mentoring/participants/{}", theirs.id);
    let linked = lead.submit(&page, &format!("{page}/invite"), &[]).await?;
    assert_eq!(location(&linked), format!("{page}?notice=linked"));
    assert_eq!(find("NEW-2").await?.user.map(|u| u.get()), Some(user_id(&app, carer).await?));
    assert_eq!(app.emails().len(), emails_before, "no invitation email for an existing account");
    // Only the programme's lead invites.
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let other = find("NEW-1").await?;
    let refused = clinician.submit("/mentoring", &format!("/mentoring/participants/{}/invite", other.id), &[]).await?;
    assert!(matches!(refused.status().as_u16(), 403 | 404), "{}", refused.status());
    Ok(())
}

async fn demo_user(app: &TestApp, email: &str) -> anyhow::Result<kindling_store::users::User> {
    let email = kindling_domain::people::Email::parse(email)?;
    kindling_store::users::find_by_email(app.db(), &email).await?.ok_or_else(|| anyhow::anyhow!("no {email}"))
}

async fn invited_name(app: &TestApp, email: &str) -> anyhow::Result<String> {
    Ok(demo_user(app, email).await?.name)
}

async fn user_id(app: &TestApp, email: &str) -> anyhow::Result<i64> {
    Ok(demo_user(app, email).await?.id.get())
}

#[tokio::test]
async fn every_mentoring_page_renders_for_the_lead() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let round = mentoring::rounds(app.db(), NORTHFIELD, p.id).await?.remove(0);
    let first = mentoring::matches(app.db(), NORTHFIELD, p.id).await?.remove(0);
    let mentor = mentoring::participants(app.db(), NORTHFIELD, p.id)
        .await?
        .into_iter()
        .find(|x| x.side == Side::Mentor)
        .unwrap();
    let lead = app.signed_in(LEAD).await?;
    for page in [
        "/mentoring".to_owned(),
        format!("/mentoring/programmes/{}", p.id),
        format!("/mentoring/programmes/{}?side=mentor&page=2", p.id),
        format!("/mentoring/programmes/{}/edit", p.id),
        format!("/mentoring/programmes/{}/participants/new", p.id),
        format!("/mentoring/programmes/{}/outcomes", p.id),
        format!("/mentoring/programmes/{}/applications", p.id),
        format!("/mentoring/programmes/{}/apply", p.id),
        format!("/mentoring/participants/{}", mentor.id),
        format!("/mentoring/rounds/{}", round.id),
        format!("/mentoring/rounds/{}?page=2", round.id),
        format!("/mentoring/matches/{}", first.id),
        "/mentoring/programmes/new".to_owned(),
        "/spaces".to_owned(),
        "/spaces/new".to_owned(),
        "/spaces/1".to_owned(),
    ] {
        let (status, html) = lead.get_text(&page).await?;
        assert_eq!(status, 200, "{page}: {html}");
    }
    // The outcomes draw charts from the demo's months of data.
    let (_, outcomes) = lead.get_text(&format!("/mentoring/programmes/{}/outcomes", p.id)).await?;
    assert!(outcomes.matches("<svg").count() >= 6, "{outcomes}");
    // Previewing new weights compares the pairs they would make with today's.
    let mut form: Vec<(&str, String)> = vec![
        ("name", p.name.clone()),
        ("objective", "leadership".into()),
        ("eligibility", p.settings.eligibility.clone()),
        ("duration_months", "9".into()),
        ("frequency", "monthly".into()),
        ("protected_minutes", "60".into()),
        ("profession_rule", "any".into()),
        ("required_training", p.settings.required_training.clone()),
        ("shared_goal", "10".into()),
        ("same_learning_style", "5".into()),
        ("same_site", "40".into()),
        ("different_profession", "4".into()),
        ("shared_slot", "2".into()),
        ("ideal_grade_gap", "2".into()),
        ("grade_gap_penalty", "2".into()),
        ("questions", "Useful".into()),
    ];
    form.push(("action", "preview".into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let edit = format!("/mentoring/programmes/{}/edit", p.id);
    let preview = lead.submit(&edit, &edit, &fields).await?;
    assert_eq!(preview.status(), 200);
    let html = preview.text().await?;
    assert!(html.contains("What these weights would change"), "{html}");
    assert_eq!(
        mentoring::programme(app.db(), NORTHFIELD, p.id).await?.unwrap().settings.weights.same_site,
        3,
        "a preview saves nothing"
    );
    Ok(())
}

#[tokio::test]
async fn a_new_programme_with_nobody_in_it_runs_an_empty_round_and_shows_empty_outcomes() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in(LEAD).await?;
    let fields = [
        ("name", "Preceptorship for new registrants"),
        ("objective", "preceptorship"),
        ("eligibility", "Nurses in their first year"),
        ("duration_months", "12"),
        ("frequency", "fortnightly"),
        ("protected_minutes", "30"),
        ("profession_rule", "same"),
        ("required_training", ""),
        ("shared_goal", "10"),
        ("same_learning_style", "5"),
        ("same_site", "3"),
        ("different_profession", "0"),
        ("shared_slot", "2"),
        ("ideal_grade_gap", "1"),
        ("grade_gap_penalty", "2"),
        ("questions", "My preceptor helped me settle in\nI feel confident on shift"),
    ];
    // A clinician cannot set up a programme.
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    assert_eq!(clinician.get_text("/mentoring/programmes/new").await?.0, 403);
    let home = location(&lead.submit("/mentoring/programmes/new", "/mentoring/programmes", &fields).await?);
    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    let (status, html) = lead.get_text(&round).await?;
    assert_eq!(status, 200);
    assert!(html.contains("Nobody could be matched in this round."), "{html}");
    assert!(html.contains("Every mentee in the round has a mentor."));
    let (status, html) = lead.get_text(&format!("{home}/outcomes")).await?;
    assert_eq!(status, 200);
    assert!(html.contains("0 mentees enrolled, 0 matched"), "{html}");
    // A member who is not its lead may read the programme page but not run its rounds.
    let id: i64 = home.rsplit('/').next().unwrap().parse()?;
    let p = mentoring::programme(app.db(), NORTHFIELD, id).await?.unwrap();
    assert_eq!(p.settings.questions.len(), 2);
    assert_eq!(clinician.get_text(&home).await?.0, 200);
    assert_eq!(clinician.submit(&home, &format!("{home}/rounds"), &[]).await?.status(), 403);
    // Ids that are not there, or not numbers, are not found: never a server error.
    for page in [
        "/mentoring/rounds/abc",
        "/mentoring/rounds/999999",
        &format!("{round}/mentees/999999"),
        "/mentoring/matches/0",
        "/mentoring/participants/-1",
        "/spaces/xyz",
    ] {
        assert_eq!(lead.get_text(page).await?.0, 404, "{page}");
    }
    Ok(())
}

/// Issue 17: signed in as a mentee, the programme page listed all 260 participants with grade, site, goals
/// and match state. A participant now sees only their own enrolment and the totals.
#[tokio::test]
async fn a_participant_sees_only_their_own_enrolment_not_everyone_elses() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let everyone = mentoring::participants(app.db(), NORTHFIELD, p.id).await?;
    let someone_else = everyone.iter().find(|x| x.user.is_none()).expect("a participant without an account");
    let page = format!("/mentoring/programmes/{}", p.id);
    let mentee = app.signed_in("mentee@demo.kindling.test").await?;
    for side in ["", "?side=mentor"] {
        let (status, html) = mentee.get_text(&format!("{page}{side}")).await?;
        assert_eq!(status, 200);
        assert!(!html.contains(&someone_else.name), "another participant's name is shown");
        assert!(html.contains("Your enrolment") && html.contains("You are enrolled as a mentee"), "{html}");
    }
    let lead = app.signed_in(LEAD).await?;
    let (_, html) = lead.get_text(&format!("{page}?side={}", someone_else.side.slug())).await?;
    assert!(html.contains("Profession and grade"), "the lead still sees the list");
    Ok(())
}

/// Issue 17: rating a goal that does not exist answered 409 ("someone else changed this first"); it is
/// not found.
#[tokio::test]
async fn rating_a_goal_that_does_not_exist_is_not_found() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    // Goals are rated once the relationship has started (on an offer the answer is 409).
    let (mentee, _, page) = accepted_demo_pair(&app).await?;
    let missing = mentee.submit(&page, &format!("{page}/goals/999999"), &[("attainment", "1")]).await?;
    assert_eq!(missing.status(), 404);
    Ok(())
}

/// Issue 19 §1, each as a new user found it. A programme set up from the form, without required
/// training (the finding recorded it; what matters is that the mentor is in the pool).
async fn new_programme(lead: &kindling_testkit::Browser) -> anyhow::Result<String> {
    new_programme_with(lead, &[]).await
}

/// [`new_programme`] with more settings (fields the base form leaves out); its page's path.
pub(crate) async fn new_programme_with(
    lead: &kindling_testkit::Browser,
    more: &[(&str, &str)],
) -> anyhow::Result<String> {
    let mut fields = vec![
        ("name", "Ward leaders"),
        ("objective", "leadership"),
        ("eligibility", "Nurses in bands 5 to 7"),
        ("duration_months", "6"),
        ("frequency", "monthly"),
        ("protected_minutes", "60"),
        ("profession_rule", "any"),
        ("required_training", ""),
        ("shared_goal", "10"),
        ("same_learning_style", "5"),
        ("same_site", "3"),
        ("different_profession", "0"),
        ("shared_slot", "2"),
        ("ideal_grade_gap", "0"),
        ("grade_gap_penalty", "2"),
        ("questions", "My mentor listens"),
    ];
    fields.extend_from_slice(more);
    Ok(location(&lead.submit("/mentoring/programmes/new", "/mentoring/programmes", &fields).await?))
}

const PEOPLE_HEADER: &str =
    "side,reference,name,email,profession,grade,site,unit,tags,learning_style,availability,capacity,line_manager,track";

#[tokio::test]
async fn a_person_enrolled_as_mentee_and_mentor_is_never_paired_with_themself() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in(LEAD).await?;
    let home = new_programme(&lead).await?;
    // Aisha is both: as her own mentor she would score highest (same everything, ideal gap 0).
    let file = format!(
        "{PEOPLE_HEADER}\n\
         mentee,AR1,Aisha Rahman,aisha.rahman@example.nhs.uk,nurse,7,Northfield General Hospital,,leadership;qi,,mon-am,,,\n\
         mentor,AR1,Aisha Rahman,aisha.rahman@example.nhs.uk,nurse,7,Northfield General Hospital,,leadership;qi,,mon-am,2,,\n\
         mentee,BC2,Ben Cole,,nurse,6,Northfield General Hospital,,qi,,,,,\n"
    );
    let imported =
        lead.upload(&home, &format!("{home}/participants/import"), "file", "people.csv", file.as_bytes()).await?;
    assert_eq!(imported.status(), 200, "the same person may hold both roles");
    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    let round_id: i64 = round.rsplit('/').next().unwrap().parse()?;
    let id: i64 = home.rsplit('/').next().unwrap().parse()?;
    let people = mentoring::participants(app.db(), NORTHFIELD, id).await?;
    let aisha_mentee = people.iter().find(|p| p.reference == "AR1" && p.side == Side::Mentee).unwrap();
    let aisha_mentor = people.iter().find(|p| p.reference == "AR1" && p.side == Side::Mentor).unwrap();
    let entries = mentoring::entries(app.db(), round_id).await?;
    let hers = entries.iter().find(|e| e.participant == aisha_mentee.id).unwrap();
    assert_eq!(hers.mentor, None, "Aisha is not her own mentor");
    let bens = entries.iter().find(|e| e.participant != aisha_mentee.id && e.mentor.is_some()).unwrap();
    assert_eq!(bens.mentor, Some(aisha_mentor.id), "she mentors Ben");
    let (_, why) = lead.get_text(&format!("{round}/mentees/{}", aisha_mentee.id)).await?;
    assert!(why.contains("The same person (enrolled as mentee and as mentor): 1"), "{why}");
    // Forcing the pair is refused with the rule's reason, and nothing changes.
    let refused = lead
        .submit(&round, &format!("{round}/overrides"), &[("kind", "must-pair"), ("mentee", "AR1"), ("mentor", "AR1")])
        .await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("must-pair AR1–AR1 breaks a hard rule (same_person)"));
    // One email is one person: enrolling it again under another reference is refused on the form.
    let again = lead
        .submit(
            &format!("{home}/participants/new"),
            &format!("{home}/participants"),
            &[
                ("side", "mentee"),
                ("reference", "AR9"),
                ("name", "Aisha Rahman"),
                ("email", "Aisha.Rahman@example.nhs.uk"),
                ("profession", "nurse"),
                ("grade", "6"),
                ("site", "Northfield General Hospital"),
                ("tags", "qi"),
            ],
        )
        .await?;
    assert_eq!(again.status(), 422);
    let html = again.text().await?;
    assert!(html.contains("is already enrolled under the reference AR1: use that reference for the same person"));
    assert!(html.contains("value=\"AR9\""), "what was typed is kept");
    Ok(())
}

#[tokio::test]
async fn an_override_names_why_a_person_cannot_be_paired() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let lead = app.signed_in(LEAD).await?;
    let home = format!("/mentoring/programmes/{}", p.id);
    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    let pool = mentoring::pool(app.db(), NORTHFIELD, &p).await?;
    let (waiting, free) = (&pool.mentees[0].reference, &pool.mentors[0].reference);
    let everyone = mentoring::participants(app.db(), NORTHFIELD, p.id).await?;
    let untrained = everyone.iter().find(|x| x.side == Side::Mentor && x.trained_ms.is_none()).unwrap();
    // Fill a trained mentor's places, so that they have none left.
    let full = everyone.iter().find(|x| x.side == Side::Mentor && x.trained_ms.is_some() && x.load > 0).unwrap();
    let at_load = full.load.to_string();
    let full_page = format!("/mentoring/participants/{}", full.id);
    location(&lead.submit(&full_page, &format!("{full_page}/capacity"), &[("capacity", &at_load)]).await?);
    let cases = [
        (
            "NE-JT",
            free.as_str(),
            "mentee NE-JT (Jess Taylor) already has a match: decline or close it first".to_owned(),
        ),
        (
            waiting.as_str(),
            untrained.reference.as_str(),
            format!(
                "mentor {} ({}) has no training on record, which this programme requires before matching",
                untrained.reference, untrained.name
            ),
        ),
        (
            waiting.as_str(),
            full.reference.as_str(),
            format!(
                "mentor {} ({}) has no places left: {} of {} taken",
                full.reference, full.name, full.load, full.load
            ),
        ),
        (waiting.as_str(), "NOBODY", "nobody is enrolled as a mentor with the reference NOBODY".to_owned()),
    ];
    for (mentee, mentor, reason) in cases {
        let refused = lead
            .submit(
                &round,
                &format!("{round}/overrides"),
                &[("kind", "must-pair"), ("mentee", mentee), ("mentor", mentor)],
            )
            .await?;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await?;
        let expected = format!("must-pair {mentee}–{mentor}: {reason}");
        assert!(html.contains(&expected), "{expected}\n{html}");
        assert!(!html.contains("no such mentee or mentor"));
    }
    Ok(())
}

#[tokio::test]
async fn a_session_before_the_match_began_is_refused_and_not_counted() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let (mentee, _, page) = accepted_demo_pair(&app).await?;
    let before = mentoring::outcome_facts(app.db(), NORTHFIELD, p.id).await?.sessions.len();
    let early = [
        ("held_day", "1"),
        ("held_month", "1"),
        ("held_year", "2020"),
        ("minutes", "45"),
        ("mode", "in-person"),
        ("link", ""),
    ];
    let refused = mentee.submit(&page, &format!("{page}/sessions"), &early).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("The date of the session must be on or after"), "{html}");
    assert!(html.contains("value=\"2020\""), "what was typed is kept");
    assert_eq!(mentoring::outcome_facts(app.db(), NORTHFIELD, p.id).await?.sessions.len(), before);
    Ok(())
}

#[tokio::test]
async fn imports_refuse_unknown_units_line_managers_free_times_and_pictures() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let lead = app.signed_in(LEAD).await?;
    let home = format!("/mentoring/programmes/{}", p.id);
    let outcomes = format!("{home}/outcomes");
    let facts_before = mentoring::outcome_facts(app.db(), NORTHFIELD, p.id).await?;
    // A unit the organisation does not have.
    let incidents = "unit,month,incidents,bed_days\nWard 7 (Acute Medicine),2026-01,4,800\nWard 77,2026-01,2,600\n";
    let refused =
        lead.upload(&outcomes, &format!("{outcomes}/incidents"), "file", "incidents.csv", incidents.as_bytes()).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("unit Ward 77 is not one of the organisation&#39;s units"), "{html}");
    // A picture given as the HR file is a file-level message, not "1 row that cannot be imported".
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let refused = lead.upload(&outcomes, &format!("{outcomes}/hr"), "file", "leavers.png", png).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(!html.contains("row that cannot be imported"), "{html}");
    assert!(html.contains("The file must be a CSV file"), "{html}");
    let facts_after = mentoring::outcome_facts(app.db(), NORTHFIELD, p.id).await?;
    assert_eq!(
        (facts_after.incidents.len(), facts_after.hr.len()),
        (facts_before.incidents.len(), facts_before.hr.len())
    );
    // A participant file with an unknown line manager and a free time of "someday".
    let before = mentoring::participants(app.db(), NORTHFIELD, p.id).await?.len();
    let people = format!(
        "{PEOPLE_HEADER}\n\
         mentee,NEW1,Cara Lee,,nurse,5,Northfield General Hospital,,qi,,someday,,,\n\
         mentee,NEW2,Dan Moss,,nurse,5,Northfield General Hospital,,qi,,,,NOSUCH,\n"
    );
    let refused =
        lead.upload(&home, &format!("{home}/participants/import"), "file", "people.csv", people.as_bytes()).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(
        html.contains("&quot;someday&quot; is not a free time") || html.contains("\"someday\" is not a free time"),
        "{html}"
    );
    assert!(html.contains("nobody in the programme or the file has the reference NOSUCH"), "{html}");
    assert_eq!(mentoring::participants(app.db(), NORTHFIELD, p.id).await?.len(), before, "nobody enrolled");
    Ok(())
}

/// Issue 19: the demo's outcome charts each tell a true story, checked here against values computed
/// from the stored rows in the test's own way (not through `outcome_facts` and `series`): no two people
/// share a name, every mentee is eligible, time to a first match has a point for each month a round
/// was published, sessions are counted in the month they were held, participants take part in
/// initiatives, and units with and without mentoring are compared in the same months.
#[tokio::test]
async fn the_demo_outcomes_tell_stories_that_check_out() -> anyhow::Result<()> {
    use std::collections::{BTreeMap, BTreeSet};

    use kindling_domain::initiatives::CivilDate;
    use kindling_domain::mentoring::outcomes::series;

    const DAY_MS: i64 = 86_400_000;
    let month = |ms: i64| {
        let d = CivilDate::from_unix_ms(ms).unwrap();
        format!("{}-{:02}", d.year, d.month)
    };
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let people = mentoring::participants(app.db(), NORTHFIELD, p.id).await?;
    let matches = mentoring::matches(app.db(), NORTHFIELD, p.id).await?;
    let facts = mentoring::outcome_facts(app.db(), NORTHFIELD, p.id).await?;
    let all = series(&facts, &month(kindling_testkit::now_ms()));
    let points = |key: &str| -> BTreeMap<String, f64> {
        all.iter().find(|s| s.key == key).unwrap().points.iter().map(|x| (x.month.clone(), x.y)).collect()
    };

    let names: BTreeSet<&str> = people.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names.len(), people.len(), "every participant has their own name");
    assert!(matches.iter().all(|m| m.mentee_name != m.mentor_name));
    for mentee in people.iter().filter(|x| x.side == Side::Mentee) {
        assert!(p.settings.mentee_professions.contains(&mentee.profession), "{} {}", mentee.name, mentee.profession);
        assert!((4..=6).contains(&mentee.grade), "{} is band {}", mentee.name, mentee.grade);
    }

    // Enrolments by month.
    let mut enrolled: BTreeMap<String, f64> = BTreeMap::new();
    for x in &people {
        *enrolled.entry(month(x.enrolled_ms)).or_default() += 1.0;
    }
    let drawn = points("participation");
    for (m, n) in &enrolled {
        assert_eq!(drawn.get(m), Some(n), "enrolled in {m}");
    }

    // Days from enrolment to a first offer, by the month of that offer: one point per round.
    let enrolled_day: BTreeMap<i64, i64> = people.iter().map(|x| (x.id, x.enrolled_ms.div_euclid(DAY_MS))).collect();
    let mut first: BTreeMap<i64, i64> = BTreeMap::new();
    for m in &matches {
        let e = first.entry(m.mentee).or_insert(m.offered_ms);
        *e = (*e).min(m.offered_ms);
    }
    let mut waits: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (mentee, offered) in &first {
        waits.entry(month(*offered)).or_default().push(offered.div_euclid(DAY_MS) - enrolled_day[mentee]);
    }
    let drawn = points("time-to-match");
    assert!(waits.len() >= 3, "rounds in {} months", waits.len());
    for (m, w) in &waits {
        let mean = w.iter().sum::<i64>() as f64 / w.len() as f64;
        assert!((drawn[m] - mean).abs() < 1e-9, "{m}: {} drawn, {mean} computed", drawn[m]);
    }

    // Sessions held, by month, every one of them on or after its match was offered.
    let mut held: BTreeMap<String, f64> = BTreeMap::new();
    for m in &matches {
        for s in mentoring::sessions(app.db(), m.id).await? {
            let day = CivilDate::parse_iso(&s.held_on).unwrap();
            assert!(day >= CivilDate::from_unix_ms(m.offered_ms).unwrap(), "a session before its match");
            *held.entry(format!("{}-{:02}", day.year, day.month)).or_default() += 1.0;
        }
    }
    let drawn = points("sessions");
    assert_eq!(held.values().sum::<f64>(), drawn.values().sum::<f64>(), "every session is on the chart");
    for (m, n) in &held {
        assert_eq!(drawn.get(m), Some(n), "sessions in {m}");
    }

    // Participants with accounts take part in initiatives after they enrol.
    assert!(points("innovation").values().sum::<f64>() >= 2.0);

    // Incidents: units with mentoring and without are both measured in at least four of the same months.
    let with: BTreeSet<String> = points("incidents-mentoring").into_keys().collect();
    let without: BTreeSet<String> = points("incidents-others").into_keys().collect();
    assert!(with.intersection(&without).count() >= 4, "{with:?} {without:?}");

    // The page writes proportions as percentages (the first cohort's match rate, computed here from the
    // rows). Eight months are too few for limits, so no chart has a variation icon yet (the outcomes
    // module's own tests draw one on a longer series).
    let mentees_first_month: Vec<&mentoring::Participant> = people
        .iter()
        .filter(|x| x.side == Side::Mentee && month(x.enrolled_ms) == *enrolled.keys().next().unwrap())
        .collect();
    let matched_first = mentees_first_month
        .iter()
        .filter(|x| matches.iter().any(|m| m.mentee == x.id && m.status != MatchStatus::Declined))
        .count();
    let rate = 100.0 * matched_first as f64 / mentees_first_month.len() as f64;
    let (_, html) = app.signed_in(LEAD).await?.get_text(&format!("/mentoring/programmes/{}/outcomes", p.id)).await?;
    // Charts write three significant figures, without trailing zeros: one decimal for a rate between
    // 10% and 100%, none when that decimal is 0 (the cohort depends on today's date: 23 of 25 is 92%).
    assert!((10.0..100.0).contains(&rate));
    let figures = format!("{rate:.1}");
    let cell = format!("<td class=\"nhsuk-table__cell\">{}%</td>", figures.strip_suffix(".0").unwrap_or(&figures));
    assert!(html.contains(&cell), "{cell} in {html}");
    assert!(!html.contains("aria-label=\"Variation: "), "no icon without limits");
    Ok(())
}

/// Issue 19 §2: the lead sees every relationship with where it stands, filters them, reminds an
/// offer nobody has answered, records the answer of a mentee without an account, and pauses a mentor.
#[tokio::test]
async fn the_lead_manages_relationships_after_publishing() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let lead = app.signed_in(LEAD).await?;
    let page = format!("/mentoring/programmes/{}/relationships", p.id);
    let (status, html) = lead.get_text(&page).await?;
    assert_eq!(status, 200);
    let all = mentoring::matches(app.db(), NORTHFIELD, p.id).await?;
    assert!(html.contains(&format!("Every state</strong>: {}", all.len())), "{html}");
    let declined = all.iter().filter(|m| m.status == MatchStatus::Declined).count();
    assert!(html.contains(&format!("Declined</a>: {declined}")));
    // The demo pair's offer has waited months: flagged, with a reminder to send.
    let (_, waiting) = lead.get_text(&format!("{page}?state=no-answer")).await?;
    assert!(waiting.contains("Jess Taylor with Dr Kwame Mensah"), "{waiting}");
    assert!(!waiting.contains("Our rotas never overlap"), "the filter shows only that state");
    let jess = all.iter().find(|m| m.mentee_reference == "NE-JT").unwrap();
    let reminded =
        lead.submit(&format!("{page}?state=no-answer"), &format!("/mentoring/matches/{}/remind", jess.id), &[]).await?;
    location(&reminded);
    let mentee_id = jess.mentee_user.unwrap();
    let told = kindling_store::notifications::list(app.db(), mentee_id, 1).await?.remove(0);
    assert!(told.summary.starts_with("Reminder: the mentoring match of Jess Taylor"), "{}", told.summary);
    // Pairs that have not met for a month and a half are overdue, and only they are listed under it.
    let (_, overdue) = lead.get_text(&format!("{page}?state=overdue")).await?;
    assert!(overdue.contains("Overdue for a meeting"), "{overdue}");
    assert!(!overdue.contains("Jess Taylor with"));
    // Others may not see the page or send reminders.
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    assert_eq!(clinician.get_text(&page).await?.0, 403);

    // A mentor paused leaves the pool with the reason; resumed, they are back.
    let pool = mentoring::pool(app.db(), NORTHFIELD, &p).await?;
    let mentor = pool.mentors[0].clone();
    let profile = format!("/mentoring/participants/{}", mentor.id);
    location(&lead.submit(&profile, &format!("{profile}/pause"), &[("paused", "yes")]).await?);
    let pool = mentoring::pool(app.db(), NORTHFIELD, &p).await?;
    assert!(pool.mentors.iter().all(|m| m.id != mentor.id));
    assert_eq!(
        pool.absent(Side::Mentor, &mentor.reference),
        Some(format!("mentor {} ({}) is paused: resume them first", mentor.reference, mentor.name))
    );
    let (_, shown) = lead.get_text(&profile).await?;
    assert!(shown.contains("Resume this mentor"));
    location(&lead.submit(&profile, &format!("{profile}/pause"), &[("paused", "no")]).await?);
    assert!(mentoring::pool(app.db(), NORTHFIELD, &p).await?.mentors.iter().any(|m| m.id == mentor.id));

    // A new round, published: an offer to a mentee without an account is answered by the lead for them.
    let home = format!("/mentoring/programmes/{}", p.id);
    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    location(&lead.submit(&round, &format!("{round}/publish"), &[]).await?);
    let offered = mentoring::matches(app.db(), NORTHFIELD, p.id)
        .await?
        .into_iter()
        .find(|m| m.status == MatchStatus::Offered && m.mentee_user.is_none())
        .expect("an offer to someone without an account");
    let match_page = format!("/mentoring/matches/{}", offered.id);
    let (_, html) = lead.get_text(&match_page).await?;
    assert!(html.contains(&format!("Record {}'s answer", offered.mentee_name)), "{html}");
    location(
        &lead.submit(&match_page, &format!("{match_page}/answer"), &[("answer", "accept"), ("reason", "")]).await?,
    );
    let now = mentoring::find_match(app.db(), NORTHFIELD, offered.id).await?.unwrap();
    assert_eq!(now.status, MatchStatus::Active);
    // The lead cannot answer for a mentee who has an account: that is theirs to do.
    let (_, html) = lead.get_text(&format!("/mentoring/matches/{}", jess.id)).await?;
    assert!(html.contains("Send a reminder") && !html.contains("Accept this match"));
    let refused = lead
        .submit(
            &format!("/mentoring/matches/{}", jess.id),
            &format!("/mentoring/matches/{}/answer", jess.id),
            &[("answer", "accept")],
        )
        .await?;
    assert_eq!(refused.status(), 403);
    Ok(())
}

/// Issue 19 §3: a pair plans a meeting in UK time and each gets a calendar invitation (RFC 5545) that
/// puts it at the right instant, summer or winter; a past date or a meeting in person with no place is
/// refused with what was typed kept; only the pair and the lead can fetch the invitation.
#[tokio::test]
async fn a_planned_meeting_comes_with_a_calendar_invitation_in_uk_time() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let mentee = app.signed_in("mentee@demo.kindling.test").await?;
    let jess = demo_pair(&app).await;
    let page = format!("/mentoring/matches/{}", jess.id);
    // Before accepting, she reads her mentor's profile and why they were matched (both have leadership
    // and quality improvement: two shared goals at the demo's 10 points each).
    let (_, offer) = mentee.get_text(&page).await?;
    assert!(offer.contains("Your mentor") && offer.contains("Doctor, grade 8"), "{offer}");
    assert!(offer.contains("Goals the mentor has expertise in: leadership, quality improvement (+20 points)"));
    let (_, mentor_view) = app.signed_in("mentor@demo.kindling.test").await?.get_text(&page).await?;
    assert!(mentor_view.contains("Your mentee") && mentor_view.contains("Pharmacist, grade 6"), "{mentor_view}");
    location(&mentee.submit(&page, &format!("{page}/answer"), &[("answer", "accept")]).await?);
    let next_year = (kindling_domain::initiatives::CivilDate::from_unix_ms(kindling_testkit::now_ms()).unwrap().year
        + 1)
    .to_string();
    let plan = |day: &'static str, month: &'static str, year: String, mode: &'static str, place: &'static str| {
        vec![
            ("meeting_day", day.to_owned()),
            ("meeting_month", month.to_owned()),
            ("meeting_year", year),
            ("meeting_time", "10:30".to_owned()),
            ("meeting_minutes", "45".to_owned()),
            ("meeting_mode", mode.to_owned()),
            ("meeting_place", place.to_owned()),
            ("meeting_link", String::new()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let (mentee, page) = (&mentee, page.clone());
        async move {
            let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            mentee.submit(&page, &format!("{page}/meetings"), &borrowed).await
        }
    };
    // Refused: a date in the past, and a meeting in person with nowhere to meet.
    let refused = send(plan("1", "1", "2020".into(), "in-person", "")).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("A planned meeting must be today or later"), "{html}");
    assert!(html.contains("Enter where you will meet"));
    assert!(html.contains("value=\"2020\""), "what was typed is kept");
    // Summer (British Summer Time, UTC+1) and winter (GMT).
    location(&send(plan("14", "7", next_year.clone(), "in-person", "Room 2, Education Centre")).await?);
    location(&send(plan("14", "1", next_year.clone(), "phone", "")).await?);
    let meetings = mentoring::meetings(app.db(), jess.id).await?;
    assert_eq!(meetings.len(), 2);
    let (_, html) = mentee.get_text(&page).await?;
    assert!(html.contains(&format!("14 January {next_year} at 10:30am")), "{html}");
    for (meeting, start, end) in [
        (&meetings[0], format!("{next_year}0114T103000Z"), format!("{next_year}0114T111500Z")),
        (&meetings[1], format!("{next_year}0714T093000Z"), format!("{next_year}0714T101500Z")),
    ] {
        let href = format!("{page}/meetings/{}/calendar.ics", meeting.id);
        let response = mentee.get(&href).await?;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
        assert!(response.headers()["content-disposition"].to_str()?.starts_with("attachment;"));
        let file = response.text().await?;
        // Unfold (RFC 5545 §3.1) and read the properties by name.
        let unfolded = file.replace("\r\n ", "");
        let lines: Vec<&str> = unfolded.split("\r\n").filter(|l| !l.is_empty()).collect();
        let property = |name: &str| {
            lines.iter().find_map(|l| l.strip_prefix(&format!("{name}:"))).map(str::to_owned).unwrap_or_default()
        };
        assert_eq!((lines[0], *lines.last().unwrap()), ("BEGIN:VCALENDAR", "END:VCALENDAR"));
        assert_eq!(property("VERSION"), "2.0");
        assert_eq!(property("DTSTART"), start);
        assert_eq!(property("DTEND"), end);
        assert_eq!(property("SUMMARY"), "Mentoring: Jess Taylor and Dr Kwame Mensah");
        assert!(property("UID").starts_with(&format!("mentoring-meeting-{}@", meeting.id)));
    }
    assert_eq!(meetings[1].place.as_deref(), Some("Room 2, Education Centre"));
    // The mentor is told; the lead may fetch the invitation; anyone else finds nothing.
    let mentor_id = jess.mentor_user.unwrap();
    let told = kindling_store::notifications::list(app.db(), mentor_id, 1).await?.remove(0);
    assert_eq!(told.summary, "Mentoring meeting planned: Jess Taylor and Dr Kwame Mensah");
    let href = format!("{page}/meetings/{}/calendar.ics", meetings[0].id);
    assert_eq!(app.signed_in(LEAD).await?.get(&href).await?.status(), 200);
    assert_eq!(app.signed_in("clinician@demo.kindling.test").await?.get(&href).await?.status(), 404);
    assert_eq!(mentee.get(&format!("{page}/meetings/999999/calendar.ics")).await?.status(), 404);
    Ok(())
}

/// Issue 19 §2: the forms that no longer apply are gone. An offer has no notes, meetings or feedback
/// (and a note posted anyway is refused); a closed relationship keeps its feedback at closure, but
/// takes no more notes, meetings or sessions.
#[tokio::test]
async fn only_the_forms_that_apply_are_offered() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let mentee = app.signed_in("mentee@demo.kindling.test").await?;
    let page = format!("/mentoring/matches/{}", demo_pair(&app).await.id);
    let (_, offered) = mentee.get_text(&page).await?;
    for absent in ["Private notes", "Plan a meeting", "Send feedback", "Log a session"] {
        assert!(!offered.contains(absent), "{absent} on an offer");
    }
    let refused = mentee.submit(&page, &format!("{page}/notes"), &[("note", "Before we start")]).await?;
    assert_eq!(refused.status(), 409);
    location(&mentee.submit(&page, &format!("{page}/answer"), &[("answer", "accept")]).await?);
    let (_, active) = mentee.get_text(&page).await?;
    for present in ["Private notes", "Plan a meeting", "Send feedback", "Log a session", "Close the relationship"] {
        assert!(active.contains(present), "{present} missing while active");
    }
    location(&mentee.submit(&page, &format!("{page}/close"), &[("reflection", "I lead huddles now")]).await?);
    let (_, closed) = mentee.get_text(&page).await?;
    assert!(closed.contains("Send feedback"), "feedback at closure stays");
    for absent in ["Add a note", "Plan a meeting", "Log a session", "Close the relationship"] {
        assert!(!closed.contains(absent), "{absent} after closing");
    }
    assert_eq!(mentee.submit(&page, &format!("{page}/notes"), &[("note", "After")]).await?.status(), 409);
    Ok(())
}

/// Issue 19 §4: the outcomes dashboard as one page for the board, with the counts read from the
/// stored rows (not through the outcomes code) and every outcome listed.
#[tokio::test]
async fn the_outcomes_fit_on_one_page_for_the_board() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let executive = app.signed_in("executive@demo.kindling.test").await?;
    let (_, page) = executive.get_text(&format!("/mentoring/programmes/{}/outcomes", p.id)).await?;
    assert!(page.contains(&format!("href=\"/mentoring/programmes/{}/outcomes.pdf\"", p.id)), "{page}");
    let response = executive.get(&format!("/mentoring/programmes/{}/outcomes.pdf", p.id)).await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let text = crate::evidence::pdf_text(&response.bytes().await?)?;
    assert_eq!(text.matches('\u{c}').count(), 1, "one page: {text}");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mentees =
        mentoring::participants(app.db(), NORTHFIELD, p.id).await?.iter().filter(|x| x.side == Side::Mentee).count();
    assert!(text.contains(&format!("{mentees} mentees enrolled")), "{text}");
    assert!(text.contains(&format!("Mentoring outcomes: {}", p.name)));
    for outcome in ["Leavers among participants", "Leavers among staff not in the programme", "What the chart shows"] {
        assert!(text.contains(outcome), "{outcome}: {text}");
    }
    // Another organisation's programme does not exist for them.
    let riverside = app.signed_in("admin@riverside.demo.kindling.test").await?;
    assert_eq!(riverside.get(&format!("/mentoring/programmes/{}/outcomes.pdf", p.id)).await?.status(), 404);
    Ok(())
}

/// Issue 19 §4: participants against comparable staff on one chart, with the programme's start marked
/// at the month it was set up (the arithmetic is checked by hand in the domain's tests).
#[tokio::test]
async fn participants_and_comparable_staff_share_a_chart_with_the_start_marked() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let executive = app.signed_in("executive@demo.kindling.test").await?;
    let (status, page) = executive.get_text(&format!("/mentoring/programmes/{}/outcomes", p.id)).await?;
    assert_eq!(status, 200);
    let start = kindling_domain::initiatives::CivilDate::from_unix_ms(p.created_ms).unwrap();
    let start = format!("{}-{:02}", start.year, start.month);
    for (key, title) in [
        ("leavers", "Leavers: participants against staff not in the programme"),
        ("incidents", "Incidents: units with active mentoring against other units"),
    ] {
        assert!(page.contains(&format!("<title id=\"{key}-title\">{title}</title>")), "{title}");
    }
    assert!(page.contains(&format!("The programme started in {start}.")), "the start is said in words: {page}");
    assert_eq!(page.matches("(programme started)</th>").count(), 2, "and marked in both tables");
    Ok(())
}

/// Issue 19 §2: a mentee whose relationship closed can be returned to the pool; the next round keeps
/// every other pair and never offers them the mentor they had.
#[tokio::test]
async fn a_closed_mentee_returns_to_the_pool_for_a_new_mentor() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let p = programme(&app).await;
    let jess = demo_pair(&app).await;
    let lead = app.signed_in(LEAD).await?;
    let page = format!("/mentoring/participants/{}", jess.mentee);
    // While the offer stands she cannot be returned.
    assert_eq!(lead.submit(&page, &format!("{page}/rematch"), &[]).await?.status(), 409);
    let mentee = jess.mentee_user.expect("an account");
    let at = kindling_store::Actor { organisation: NORTHFIELD, user: mentee, now_ms: kindling_web::now_ms() };
    mentoring::answer(app.db(), at, &jess, MatchStatus::Active, None).await?;
    let active = mentoring::find_match(app.db(), NORTHFIELD, jess.id).await?.unwrap();
    mentoring::close(app.db(), at, &active, "We met our goals.").await?;
    let before = mentoring::pool(app.db(), NORTHFIELD, &p).await?;
    assert!(!before.mentees.iter().any(|m| m.id == jess.mentee), "closed: out of the pool");

    let (_, shown) = lead.get_text(&page).await?;
    assert!(shown.contains("Return to the pool for a new mentor"), "{shown}");
    location(&lead.submit(&page, &format!("{page}/rematch"), &[]).await?);
    let after = mentoring::pool(app.db(), NORTHFIELD, &p).await?;
    assert!(after.mentees.iter().any(|m| m.id == jess.mentee), "back in the pool");
    assert!(after.kept_apart.contains(&("NE-JT".to_owned(), "NM-KM".to_owned())), "kept apart from Dr Mensah");
    let home = format!("/mentoring/programmes/{}", p.id);
    let round = location(&lead.submit(&home, &format!("{home}/rounds"), &[]).await?);
    let round_id: i64 = round.rsplit('/').next().unwrap().parse()?;
    let entries = mentoring::entries(app.db(), round_id).await?;
    let hers = entries.iter().find(|e| e.participant == jess.mentee).expect("she is in the round");
    assert_ne!(hers.mentor, Some(jess.mentor), "never the mentor she had");
    Ok(())
}

/// Issue 19 §2: an offer with no answer for two weeks is re-sent on its own (with the digests), at
/// most once a week, and never once it has been answered.
#[tokio::test]
async fn unanswered_offers_are_re_sent_weekly_until_answered() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let jess = demo_pair(&app).await;
    let mentee = jess.mentee_user.expect("an account");
    let now = kindling_web::now_ms();
    let before = kindling_store::notifications::unread_count(app.db(), mentee).await?;
    let first = mentoring::remind_unanswered(app.db(), now).await?;
    assert!(first >= 1, "the demo pair's offer has waited months");
    assert_eq!(kindling_store::notifications::unread_count(app.db(), mentee).await?, before + 1, "Jess is told");
    assert_eq!(mentoring::remind_unanswered(app.db(), now + 60_000).await?, 0, "not again the same week");
    let week = 7 * 24 * 60 * 60 * 1000;
    assert_eq!(mentoring::remind_unanswered(app.db(), now + week).await?, first, "again a week later");
    // Once she answers, no more reminders.
    let at = kindling_store::Actor { organisation: NORTHFIELD, user: mentee, now_ms: now };
    mentoring::answer(app.db(), at, &jess, MatchStatus::Active, None).await?;
    assert_eq!(mentoring::remind_unanswered(app.db(), now + 2 * week).await?, first - 1);
    Ok(())
}

/// Issue 19 §3: feedback is asked at the programme's milestones (a month in, halfway, at closure),
/// once each, only of a side that has not given it, and never for a milestone long past.
#[tokio::test]
async fn feedback_is_asked_at_each_milestone_once() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let jess = demo_pair(&app).await;
    let (mentee, mentor) = (jess.mentee_user.expect("an account"), jess.mentor_user.expect("an account"));
    let day = 24 * 60 * 60 * 1000;
    let accepted = kindling_web::now_ms();
    let at = kindling_store::Actor { organisation: NORTHFIELD, user: mentee, now_ms: accepted };
    mentoring::answer(app.db(), at, &jess, MatchStatus::Active, None).await?;
    let jess = mentoring::find_match(app.db(), NORTHFIELD, jess.id).await?.expect("the pair");
    mentoring::ask_feedback_due(app.db(), accepted + 29 * day).await?;
    assert!(asked_of(&app, jess.id, mentee).await.is_empty(), "not before a month");
    mentoring::ask_feedback_due(app.db(), accepted + 30 * day).await?;
    assert_eq!(
        asked_of(&app, jess.id, mentee).await,
        ["Feedback on your mentoring with Dr Kwame Mensah: after the first month"]
    );
    assert_eq!(
        asked_of(&app, jess.id, mentor).await,
        ["Feedback on your mentoring with Jess Taylor: after the first month"]
    );
    mentoring::ask_feedback_due(app.db(), accepted + 31 * day).await?;
    assert_eq!(asked_of(&app, jess.id, mentee).await.len(), 1, "asked once");
    // Jess gives her halfway feedback early; at the midpoint (the demo programme runs nine months, so
    // halfway is 135 days of 30) only Dr Mensah is asked.
    assert_eq!(programme(&app).await.settings.duration_months, 9);
    let early = kindling_store::Actor { now_ms: accepted + 60 * day, ..at };
    mentoring::give_feedback(app.db(), early, jess.id, Side::Mentee, "midpoint", &[4, 4, 4, 4]).await?;
    mentoring::ask_feedback_due(app.db(), accepted + 134 * day).await?;
    assert_eq!(asked_of(&app, jess.id, mentor).await.len(), 1, "not before halfway");
    mentoring::ask_feedback_due(app.db(), accepted + 135 * day).await?;
    assert_eq!(asked_of(&app, jess.id, mentee).await.len(), 1, "she has given it");
    assert_eq!(
        asked_of(&app, jess.id, mentor).await[0],
        "Feedback on your mentoring with Jess Taylor: halfway through"
    );
    Ok(())
}

/// The feedback prompts one person was sent about one relationship, newest first.
async fn asked_of(app: &TestApp, match_id: i64, user: kindling_domain::ids::UserId) -> Vec<String> {
    kindling_store::notifications::list(app.db(), user, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.href == format!("/mentoring/matches/{match_id}") && n.summary.starts_with("Feedback on"))
        .map(|n| n.summary)
        .collect()
}
