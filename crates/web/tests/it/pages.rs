//! Pages as people use them: sign-in, the home page, the list, the idea form and stage moves.

use kindling_testkit::TestApp;

#[tokio::test]
async fn the_clinician_sees_their_organisations_initiatives_on_the_home_page() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    let (status, html) = browser.get_text("/").await?;
    assert_eq!(status, 200);
    assert!(html.contains("Northfield Teaching Hospitals NHS Foundation Trust"));
    assert!(html.contains("Well-being huddles after difficult shifts"));
    // Riverside's initiatives belong to another organisation and never appear.
    assert!(!html.contains("Hydration rounds in the care home"));
    Ok(())
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_back() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.browser();
    let response = browser.get("/initiatives?stage=idea").await?;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/sign-in?next=/initiatives%3Fstage%3Didea");
    Ok(())
}

#[tokio::test]
async fn the_list_filters_and_paginates() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    let (_, all) = browser.get_text("/initiatives").await?;
    assert!(all.contains("12 initiatives found"), "{all}");
    let (_, piloting) = browser.get_text("/initiatives?stage=piloting").await?;
    assert!(piloting.contains("2 initiatives found"));
    assert!(piloting.contains("SSKIN bundle refresh for pressure ulcers"));
    let (_, tagged) = browser.get_text("/initiatives?tag=patient+safety").await?;
    assert!(tagged.contains("2 initiatives found"), "{tagged}");
    // Unknown filter values in a hand-edited address are ignored, not an error.
    let (status, _) = browser.get_text("/initiatives?stage=nonsense&page=-4").await?;
    assert_eq!(status, 200);
    // Fill a second page and check the pagination links.
    for n in 0..10 {
        let title = format!("Extra idea {n}");
        let response = browser
            .submit(
                "/initiatives/new",
                "/initiatives/new",
                &[("title", &title), ("problem", "p"), ("proposed_change", "c")],
            )
            .await?;
        assert_eq!(response.status(), 303);
    }
    let (_, first) = browser.get_text("/initiatives").await?;
    assert!(first.contains("22 initiatives found, page 1 of 2"), "{first}");
    assert!(first.contains("href=\"/initiatives?page=2\""));
    let (_, second) = browser.get_text("/initiatives?page=2").await?;
    assert!(second.contains("page 2 of 2") && second.contains("rel=\"prev\""));
    Ok(())
}

#[tokio::test]
async fn an_invalid_idea_is_shown_again_with_every_error_and_nothing_lost() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    let response = browser
        .submit(
            "/initiatives/new",
            "/initiatives/new",
            &[
                ("title", ""),
                ("problem", "Call bells <b>unanswered</b>"),
                ("aim_by_day", "31"),
                ("aim_by_month", "2"),
                ("aim_by_year", "2027"),
                ("site", "9999"),
            ],
        )
        .await?;
    assert_eq!(response.status(), 422);
    let html = response.text().await?;
    for message in
        ["Enter a title", "Enter the change you propose", "The date must be a real date", "Select a site from the list"]
    {
        assert!(html.contains(message), "missing {message:?}");
    }
    assert!(html.contains("<title>Error: Submit an idea – Kindling</title>"));
    // What was typed comes back, escaped.
    assert!(html.contains("Call bells &lt;b&gt;unanswered&lt;/b&gt;</textarea>"));
    assert!(html.contains("id=\"aim_by_day\" name=\"aim_by_day\" type=\"text\" inputmode=\"numeric\" value=\"31\""));
    Ok(())
}

#[tokio::test]
async fn a_stage_move_needs_a_reason_and_the_submitter_sees_it() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let created = clinician
        .submit(
            "/initiatives/new",
            "/initiatives/new",
            &[("title", "Named call-bell responder"), ("problem", "p"), ("proposed_change", "c")],
        )
        .await?;
    let location = created.headers()["location"].to_str()?.to_owned();
    let page = location.split('?').next().unwrap_or_default().to_owned();
    let action = format!("{page}/stage");

    let refused = clinician.submit(&page, &action, &[("to", "shaping"), ("reason", "  ")]).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Enter the reason for this decision"));

    let skipped = clinician.submit(&page, &action, &[("to", "approved"), ("reason", "please")]).await?;
    assert_eq!(skipped.status(), 422);
    assert!(skipped.text().await?.contains("An initiative cannot move from Idea to Approved"));

    let moved = clinician.submit(&page, &action, &[("to", "shaping"), ("reason", "Ward manager agrees")]).await?;
    assert_eq!(moved.status(), 303);
    let (_, html) = clinician.get_text(&page).await?;
    assert!(html.contains("Idea to Shaping</strong>"));
    assert!(html.contains("Reason: Ward manager agrees"));

    // Submitting needs the facts and a risk first, and says so.
    let early = clinician.submit(&page, &action, &[("to", "assessment"), ("reason", "Ready")]).await?;
    assert_eq!(early.status(), 422);
    let html = early.text().await?;
    assert!(html.contains("Not yet: Record the facts about what the initiative involves"), "{html}");
    assert!(html.contains("Not yet: Record at least one risk"));
    let governance = format!("{page}/governance");
    assert_eq!(clinician.submit(&governance, &format!("{governance}/facts"), &[]).await?.status(), 303);
    let risk = [
        ("domain", "finance"),
        ("cause", "Buying call-bell badges"),
        ("event", "The badges cost more than planned"),
        ("consequence", "A small overspend"),
        ("now_consequence", "1"),
        ("now_likelihood", "2"),
        ("owner", "Ward manager"),
        ("review_day", "1"),
        ("review_month", "6"),
        ("review_year", "2027"),
    ];
    assert_eq!(
        clinician.submit(&format!("{page}/risks/new"), &format!("{page}/risks/new"), &risk).await?.status(),
        303
    );

    // A clinician cannot approve; the approver decides on the request, and the submitter sees the reason.
    let submit = clinician.submit(&page, &action, &[("to", "assessment"), ("reason", "Ready")]).await?;
    assert_eq!(submit.status(), 303);
    let self_approve = clinician.submit(&page, &action, &[("to", "approved"), ("reason", "I approve")]).await?;
    assert_eq!(self_approve.status(), 422);
    assert!(self_approve.text().await?.contains("only approver or executive may"));
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let redirected = approver.submit(&page, &action, &[("to", "approved"), ("reason", "Low risk: go ahead")]).await?;
    assert_eq!(redirected.status(), 303, "the decision is taken on the request");
    let request = redirected.headers()["location"].to_str()?.to_owned();
    assert!(request.starts_with("/approvals/"), "{request}");
    let (_, html) = approver.get_text(&request).await?;
    assert!(html.contains("Team lead: no rule asks for more: the highest risk scores 2, Low"), "{html}");
    let decided =
        approver.submit(&request, &request, &[("outcome", "approve"), ("reason", "Low risk: go ahead")]).await?;
    assert_eq!(decided.status(), 303);
    let (_, html) = clinician.get_text(&page).await?;
    assert!(html.contains("Reason: Low risk: go ahead"));
    assert!(html.contains("Assessment to Approved"));
    Ok(())
}

#[tokio::test]
async fn comments_and_team_members_are_added_and_validated() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    let empty = browser.submit("/initiatives/1", "/initiatives/1/comments", &[("body", " ")]).await?;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await?.contains("Enter a comment"));
    assert_eq!(
        browser.submit("/initiatives/1", "/initiatives/1/comments", &[("body", "Great idea")]).await?.status(),
        303
    );
    let (_, html) = browser.get_text("/initiatives/1").await?;
    assert!(html.contains("Great idea"));

    // A person from another organisation cannot be added to the team.
    let stranger = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("carer@riverside.demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    let refused = browser
        .submit(
            "/initiatives/1",
            "/initiatives/1/team",
            &[("member", &stranger.id.to_string()), ("team_role", "Member")],
        )
        .await?;
    assert_eq!(refused.status(), 422);
    let pharmacist = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("pharmacist@demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    let added = browser
        .submit(
            "/initiatives/1",
            "/initiatives/1/team",
            &[("member", &pharmacist.id.to_string()), ("team_role", "Medicines advisor")],
        )
        .await?;
    assert_eq!(added.status(), 303);
    let (_, html) = browser.get_text("/initiatives/1").await?;
    assert!(
        html.contains("Aisha Rahman")
            && html.contains("Medicines advisor")
            && html.contains("Professions on the team: Nurse, Pharmacist.")
    );
    Ok(())
}

#[tokio::test]
async fn editing_is_for_the_team_and_keeps_history() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let mentor = app.signed_in("mentor@demo.kindling.test").await?;
    assert_eq!(mentor.get("/initiatives/1/edit").await?.status(), 403);
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let (status, form) = clinician.get_text("/initiatives/1/edit").await?;
    assert_eq!(status, 200);
    assert!(form.contains("value=\"Discharge letters drafted at the board round\""));
    let saved = clinician
        .submit(
            "/initiatives/1/edit",
            "/initiatives/1/edit",
            &[
                ("title", "Discharge letters at the board round"),
                ("problem", "p2"),
                ("proposed_change", "c2"),
                ("tags", "discharge"),
            ],
        )
        .await?;
    assert_eq!(saved.status(), 303);
    let entries = kindling_store::audit::for_subject(app.db(), "initiative:1").await?;
    let last = entries.last().unwrap();
    assert_eq!(last.event.action, "initiative.updated");
    assert_eq!(last.event.summary, "Changed title, problem, proposed change, aim, site, tags");
    Ok(())
}

#[tokio::test]
async fn the_account_page_issues_and_revokes_api_tokens() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    // A form without a choice of scope is given back with its error.
    let refused = browser.submit("/account", "/account/tokens", &[("label", "Ward dashboard")]).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Select what the token may do"));
    let fields = [("label", "Ward dashboard"), ("scope", "read"), ("days", "30")];
    let response = browser.submit("/account", "/account/tokens", &fields).await?;
    assert_eq!(response.status(), 200);
    let html = response.text().await?;
    let start = html.find("kdl_").expect("token shown once");
    let token = html[start..start + 68].to_owned();
    let api = kindling_testkit::http();
    let ok = api.get(app.url("/api/v1/initiatives")).bearer_auth(&token).send().await?;
    assert_eq!(ok.status(), 200);
    // A read-only token reads and cannot write.
    let body = serde_json::json!({"title": "t", "problem": "p", "proposed_change": "c"});
    let write = api.post(app.url("/api/v1/initiatives")).bearer_auth(&token).json(&body).send().await?;
    assert_eq!(write.status(), 403);
    let (_, page) = browser.get_text("/account").await?;
    assert!(page.contains("Read only") && page.contains("Expires on"), "the scope and expiry are shown");
    let (_, page) = browser.get_text("/account").await?;
    assert!(!page.contains(&token), "a token is never shown twice");
    let id = kindling_store::tokens::list(
        app.db(),
        kindling_store::users::find_by_email(
            app.db(),
            &kindling_domain::people::Email::parse("clinician@demo.kindling.test").unwrap(),
        )
        .await?
        .unwrap()
        .id,
    )
    .await?[0]
        .id;
    assert_eq!(browser.submit("/account", &format!("/account/tokens/{id}/revoke"), &[]).await?.status(), 303);
    let revoked = api.get(app.url("/api/v1/initiatives")).bearer_auth(&token).send().await?;
    assert_eq!(revoked.status(), 401);
    // Both changes are in the audit log, by the person who made them.
    let entries = kindling_store::audit::for_subject(app.db(), &format!("token:{id}")).await?;
    let actions: Vec<&str> = entries.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["token.issued", "token.revoked"]);
    assert!(entries.iter().all(|e| e.event.actor.is_some()));
    Ok(())
}

#[tokio::test]
async fn health_readiness_and_metrics() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.browser();
    assert_eq!(browser.get_text("/healthz").await?, (200, "ok\n".to_owned()));
    assert_eq!(browser.get_text("/readyz").await?, (200, "ready\n".to_owned()));
    let (status, metrics) = browser.get_text("/metrics").await?;
    assert_eq!(status, 200);
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/readyz\""));
    Ok(())
}

#[tokio::test]
async fn a_lost_database_fails_readiness_and_pages_say_so() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    app.db().close().await;
    let (status, body) = browser.get_text("/readyz").await?;
    assert_eq!((status, body.as_str()), (503, "database unavailable\n"));
    let (status, html) = browser.get_text("/initiatives").await?;
    assert_eq!(status, 503);
    assert!(html.contains("Sorry, the service is unavailable"));
    Ok(())
}

/// Issue 21: each node caches the person, their organisations and the organisation's sites and tags;
/// a change committed by any path (here plain SQL, as another node or an operator would write it) is
/// seen by the very next request.
#[tokio::test]
async fn cached_people_and_organisations_follow_every_committed_change() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    let (_, before) = browser.get_text("/initiatives").await?;
    assert!(!before.contains("Priya Renamed") && !before.contains("Orchard Wing") && !before.contains("cache-check"));
    // Twice, so that the second answer comes from the cache.
    browser.get_text("/initiatives").await?;
    let exec = |sql: &'static str| kindling_store::raw_execute(app.db(), sql);
    exec("UPDATE users SET name = 'Priya Renamed' WHERE email = 'clinician@demo.kindling.test'").await?;
    exec("UPDATE sites SET name = 'Orchard Wing' WHERE id = (SELECT MIN(id) FROM sites WHERE organisation_id = 1)")
        .await?;
    exec("INSERT INTO initiative_tags (initiative_id, tag) SELECT MIN(id), 'cache-check' FROM initiatives WHERE organisation_id = 1")
        .await?;
    let (_, after) = browser.get_text("/initiatives").await?;
    assert!(after.contains("Priya Renamed"), "the header shows the new name");
    assert!(after.contains("Orchard Wing"), "the site filter shows the renamed site");
    assert!(after.contains("cache-check"), "the tag filter shows the new tag");
    // Losing every membership takes effect at once, not when a cache entry expires.
    exec("DELETE FROM memberships WHERE user_id = (SELECT id FROM users WHERE email = 'clinician@demo.kindling.test')")
        .await?;
    let (status, page) = browser.get_text("/initiatives").await?;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("not a member of any organisation"));
    Ok(())
}
