//! Risk, gates, routing and decisions over HTTP: the AI triage story end to end, and the bad-input
//! cases (impossible scores, a pack with a missing band, a decision by someone without the role, a
//! second decision on a closed request), each refused clearly with nothing changed.

use kindling_domain::ids::OrganisationId;
use kindling_domain::paging::Page;
use kindling_store::initiatives::{self, Filter};
use kindling_store::{approvals, policy};
use kindling_testkit::{Browser, TestApp};

const NORTHFIELD: OrganisationId = OrganisationId::new(1);
const RIVERSIDE: OrganisationId = OrganisationId::new(2);

async fn demo_initiative(app: &TestApp, prefix: &str) -> i64 {
    let (all, _) = initiatives::list(app.db(), NORTHFIELD, &Filter::default(), Page::parse(None, 100)).await.unwrap();
    all.iter().find(|i| i.title.starts_with(prefix)).unwrap().id.get()
}

fn risk(domain: &str, c: &str, l: &str) -> Vec<(&'static str, String)> {
    vec![
        ("domain", domain.to_owned()),
        ("cause", "The tool ranks referrals from photographs".into()),
        ("event", "An urgent referral is ranked as routine".into()),
        ("consequence", "A melanoma is diagnosed late".into()),
        ("now_consequence", c.to_owned()),
        ("now_likelihood", l.to_owned()),
        ("owner", "Consultant dermatologist".into()),
        // Needed from 15 (the corporate register); harmless below.
        ("executive_owner", "Medical Director".into()),
        ("review_day", "1".into()),
        ("review_month", "3".into()),
        ("review_year", "2027".into()),
    ]
}

async fn post(
    browser: &Browser,
    from: &str,
    action: &str,
    fields: &[(&str, String)],
) -> anyhow::Result<reqwest::Response> {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.submit(from, action, &fields).await
}

/// Shapes the demo's AI triage idea as the improvement lead: facts, one patient-safety risk of 4 × 3,
/// then submits it. Returns (initiative page, approval request path).
async fn submit_ai_triage(app: &TestApp, lead: &Browser) -> anyhow::Result<(String, String)> {
    let id = demo_initiative(app, "AI-assisted triage").await;
    let page = format!("/initiatives/{id}");
    let governance = format!("{page}/governance");
    let facts = [("fact", "touches-patients"), ("fact", "uses-personal-data"), ("fact", "ai-ml")];
    assert_eq!(lead.submit(&governance, &format!("{governance}/facts"), &facts).await?.status(), 303);
    let (_, html) = lead.get_text(&governance).await?;
    for gate in [
        "Data protection impact assessment screening",
        "Clinical safety (DCB0160 hazard log)",
        "AI fairness across subgroups",
    ] {
        assert!(html.contains(gate), "{gate} is called for by the facts");
    }
    let added =
        post(lead, &format!("{page}/risks/new"), &format!("{page}/risks/new"), &risk("patient-safety", "4", "3"))
            .await?;
    assert_eq!(added.status(), 303);
    let (_, html) = lead.get_text(&governance).await?;
    assert!(html.contains("If submitted now, the decision goes to: Divisional governance."), "{html}");
    assert!(html.contains("Divisional governance: a patient safety risk scores 12, High"));
    let submitted = lead
        .submit(&page, &format!("{page}/stage"), &[("to", "assessment"), ("reason", "Shaped with the CSO")])
        .await?;
    assert_eq!(submitted.status(), 303);
    let requests = approvals::for_initiative(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(id)).await?;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].route, "divisional-governance");
    assert_eq!(requests[0].pack_id, "uk-nhs-default", "the outcome records the pack it used");
    Ok((page, format!("/approvals/{}", requests[0].id)))
}

#[tokio::test]
async fn an_ai_triage_idea_is_routed_to_divisional_governance_and_its_pilot_waits_for_its_conditions()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (page, request) = submit_ai_triage(&app, &lead).await?;

    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let (_, queue) = approver.get_text("/approvals").await?;
    assert!(queue.contains("AI-assisted triage of dermatology referrals"));
    let conditional = [
        ("outcome", "approve-with-conditions"),
        ("reason", "Worth testing once safety and fairness are signed off"),
        ("conditions", "CSO signs off the hazard log\nSubgroup sensitivity reported before go-live"),
    ];
    assert_eq!(approver.submit(&request, &request, &conditional).await?.status(), 303);
    let (_, html) = lead.get_text(&page).await?;
    assert!(html.contains("Assessment to Approved"));
    assert!(html.contains("Reason: Worth testing once safety and fairness are signed off"));

    // The pilot cannot start: each condition and each gate due before piloting is listed.
    let refused = lead.submit(&page, &format!("{page}/stage"), &[("to", "piloting"), ("reason", "Go")]).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    for missing in [
        "Not yet: Condition of approval not yet met: CSO signs off the hazard log",
        "Not yet: Condition of approval not yet met: Subgroup sensitivity reported before go-live",
        "Not yet: Data protection impact assessment screening: Complete the DPIA screening",
        "Not yet: Clinical safety (DCB0160 hazard log): Log the hazards in the hazard log",
        "Not yet: AI fairness across subgroups: Name the subgroups before any results are entered",
    ] {
        assert!(html.contains(missing), "{missing:?} missing");
    }
    let item = initiatives::get(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(page[13..].parse()?))
        .await?
        .unwrap();
    assert_eq!(item.stage, kindling_domain::initiatives::Stage::Approved, "nothing moved");
    Ok(())
}

#[tokio::test]
async fn a_blocking_hazard_cannot_be_signed_off_and_only_the_cso_signs() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (page, _) = submit_ai_triage(&app, &lead).await?;
    let gate = format!("{page}/gates/clinical-safety");
    let hazard = [
        ("name", "Urgent lesion ranked routine"),
        ("cause", "Poor photograph"),
        ("effect", "Delayed review"),
        ("initial_severity", "5"),
        ("initial_likelihood", "3"),
        ("residual_severity", "5"),
        ("residual_likelihood", "2"),
    ];
    assert_eq!(lead.submit(&gate, &format!("{gate}/hazards"), &hazard).await?.status(), 303);
    let (_, html) = lead.get_text(&gate).await?;
    assert!(
        html.contains("Reduce the residual risk of &quot;Urgent lesion ranked routine&quot; below level 4 (it is 4)"),
        "{html}"
    );
    let cso = app.signed_in("clinical-safety-officer@demo.kindling.test").await?;
    let blocked = cso.submit(&gate, &format!("{gate}/sign-off"), &[("note", "Checked")]).await?;
    assert_eq!(blocked.status(), 409, "a blocked gate cannot be signed through");
    // A hazard with a lower residual level does not unblock the first one.
    let empty = lead.submit(&gate, &format!("{gate}/hazards"), &[("name", "x")]).await?;
    assert_eq!(empty.status(), 422);
    assert!(empty.text().await?.contains("Choose a severity and a likelihood"));
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let wrong_role = approver.submit(&gate, &format!("{gate}/sign-off"), &[("note", "Fine")]).await?;
    assert_eq!(wrong_role.status(), 403);
    assert!(wrong_role.text().await?.contains("Only the clinical safety officer can sign off"));
    Ok(())
}

#[tokio::test]
async fn fairness_subgroups_are_locked_before_results_with_intervals() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (page, _) = submit_ai_triage(&app, &lead).await?;
    let gate = format!("{page}/gates/fairness");
    let early = lead
        .submit(&gate, &format!("{gate}/results"), &[("subgroup", "Women"), ("n", "10"), ("successes", "8")])
        .await?;
    assert_eq!(early.status(), 422);
    assert!(early.text().await?.contains("Lock the subgroups before entering any result"));
    let named =
        [("metric", "Sensitivity for urgent lesions"), ("subgroups", "Fitzpatrick I to III\nFitzpatrick IV to VI")];
    assert_eq!(lead.submit(&gate, &format!("{gate}/subgroups"), &named).await?.status(), 303);
    assert_eq!(lead.submit(&gate, &format!("{gate}/lock"), &[]).await?.status(), 303);
    let renamed = lead.submit(&gate, &format!("{gate}/subgroups"), &[("metric", "m"), ("subgroups", "A\nB")]).await?;
    assert_eq!(renamed.status(), 422, "locked subgroups cannot change");
    for (subgroup, n, k) in [("Fitzpatrick I to III", "263", "81"), ("Fitzpatrick IV to VI", "148", "15")] {
        let saved = lead
            .submit(&gate, &format!("{gate}/results"), &[("subgroup", subgroup), ("n", n), ("successes", k)])
            .await?;
        assert_eq!(saved.status(), 303);
    }
    let (_, html) = lead.get_text(&gate).await?;
    // Wilson 95% intervals, Newcombe (1998) table I: 81/263 → 25.5 to 36.6; 15/148 → 6.2 to 16.1 (6.24 to 16.05).
    assert!(html.contains("30.8% (25.5 to 36.6)"), "{html}");
    assert!(html.contains("10.1% (6.2 to 16.0)") || html.contains("10.1% (6.2 to 16.1)"), "{html}");
    assert!(html.contains("Awaiting sign-off"));
    Ok(())
}

#[tokio::test]
async fn a_decision_needs_the_routes_role_and_a_closed_request_stays_closed() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    // The demo's insulin checklist waits on the service manager route, overdue and escalated.
    let id = demo_initiative(&app, "Ward-round checklist").await;
    let open = approvals::for_initiative(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(id)).await?;
    let request = format!("/approvals/{}", open[0].id);
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let (_, queue) = approver.get_text("/approvals").await?;
    assert!(queue.contains("Escalated to Divisional governance"), "{queue}");

    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let (_, page) = clinician.get_text(&request).await?;
    assert!(page.contains("Only an approver or an executive can decide on the Service manager route"), "{page}");
    let approve = [("outcome", "approve"), ("reason", "Fine by me")];
    let no_reason = approver.submit(&request, &request, &[("outcome", "approve"), ("reason", "")]).await?;
    assert_eq!(no_reason.status(), 422, "a decision needs a reason");
    // The clinician's form is refused by role (the token comes from a page they can read).
    let by_clinician = clinician.submit("/approvals", &request, &approve).await?;
    assert_eq!(by_clinician.status(), 403);
    assert!(approvals::get(app.db(), NORTHFIELD, open[0].id).await?.unwrap().outcome.is_none(), "nothing changed");

    assert_eq!(approver.submit(&request, &request, &approve).await?.status(), 303);
    let again = approver.submit(&request, &request, &[("outcome", "decline"), ("reason", "Changed my mind")]).await?;
    assert_eq!(again.status(), 409);
    assert!(again.text().await?.contains("already decided"));
    let closed = approvals::get(app.db(), NORTHFIELD, open[0].id).await?.unwrap();
    assert_eq!(closed.outcome, Some(kindling_domain::approvals::Outcome::Approve), "the first decision stands");
    let item = initiatives::get(app.db(), NORTHFIELD, closed.initiative).await?.unwrap();
    assert_eq!(item.stage, kindling_domain::initiatives::Stage::Approved);
    Ok(())
}

#[tokio::test]
async fn impossible_scores_are_refused_by_form_and_api_and_nothing_is_stored() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let id = demo_initiative(&app, "AI-assisted triage").await;
    let new = format!("/initiatives/{id}/risks/new");
    let bad = post(&lead, &new, &new, &risk("patient-safety", "6", "0")).await?;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await?;
    assert!(html.contains("Choose a consequence and a likelihood, each from 1 to 5"));
    assert!(html.contains("The tool ranks referrals from photographs"), "what was typed is kept");
    let token = app.token_for("improvement-lead@demo.kindling.test").await?;
    let response = kindling_testkit::http()
        .post(app.url(&format!("/api/v1/initiatives/{id}/risks")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"domain": "weather", "cause": "c", "event": "e", "consequence": "q",
            "now": {"consequence": 9, "likelihood": 1}, "owner": "o", "review": "2027-02-30"}))
        .send()
        .await?;
    assert_eq!(response.status(), 422);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = response.json().await?;
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["domain", "now", "review"], "{problem}");
    assert!(
        kindling_store::risk::for_initiative(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(id))
            .await?
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn a_pack_with_a_missing_band_is_refused_naming_the_key_and_a_good_copy_is_put_in_force() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in("admin@demo.kindling.test").await?;
    let broken = kindling_domain::policy::UK_DEFAULT.replace("min = 15\nmax = 25", "min = 16\nmax = 25");
    let refused = admin.submit("/admin/policy", "/admin/policy", &[("body", broken.as_str())]).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("risk.bands: no band covers the score 15"), "{html}");
    assert!(html.contains("min = 16"), "the pasted pack is kept for fixing");
    assert_eq!(policy::active(app.db(), NORTHFIELD).await?.row, 0, "the built-in pack is still in force");

    // A check signed off under the built-in pack, before the new version is put in force.
    let id = demo_initiative(&app, "Ward-round checklist").await;
    let lead = kindling_store::Actor {
        organisation: NORTHFIELD,
        user: user_id(&app, "improvement-lead@demo.kindling.test").await?,
        now_ms: kindling_web::now_ms(),
    };
    let built_in = policy::active(app.db(), NORTHFIELD).await?.pack.pack;
    let initiative = kindling_domain::ids::InitiativeId::new(id);
    let measurement = kindling_domain::policy::GateKind::Measurement;
    assert!(kindling_store::gates::sign_off(app.db(), lead, initiative, measurement, "Agreed", &built_in).await?);

    let edited =
        kindling_domain::policy::UK_DEFAULT.replace("version = \"2026.12.1\"", "version = \"2026.12.1-northfield\"");
    assert_eq!(admin.submit("/admin/policy", "/admin/policy", &[("body", edited.as_str())]).await?.status(), 303);
    assert_eq!(policy::active(app.db(), NORTHFIELD).await?.pack.pack.version, "2026.12.1-northfield");

    // The governance page names the pack each check and request was assessed under, not only the
    // newest (issue 18 §2): the demo's records were written under the built-in version.
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let (_, html) = clinician.get_text(&format!("/initiatives/{id}/governance")).await?;
    assert!(html.contains("The policy pack in force is") && html.contains("version 2026.12.1-northfield"), "{html}");
    assert!(
        html.contains("Assessed under uk-nhs-default 2026.12.1 (an earlier version than the one in force)"),
        "{html}"
    );
    assert!(html.contains("Routed under uk-nhs-default 2026.12.1."), "{html}");
    assert_eq!(clinician.get_text("/admin/policy").await?.0, 403);
    Ok(())
}

#[tokio::test]
async fn another_organisation_sees_none_of_it() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let id = demo_initiative(&app, "Ward-round checklist").await;
    let open = approvals::for_initiative(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(id)).await?;
    let riverside = app.signed_in("admin@riverside.demo.kindling.test").await?;
    for path in [
        format!("/initiatives/{id}/governance"),
        format!("/initiatives/{id}/gates/research"),
        format!("/approvals/{}", open[0].id),
    ] {
        assert_eq!(riverside.get_text(&path).await?.0, 404, "{path}");
    }
    let (_, queue) = riverside.get_text("/approvals").await?;
    assert!(!queue.contains("Ward-round checklist"));
    let (_, register) = riverside.get_text("/risks").await?;
    assert!(!register.contains("insulin"));
    Ok(())
}

#[tokio::test]
async fn the_register_filters_and_the_decision_times_are_charted() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let executive = app.signed_in("executive@demo.kindling.test").await?;
    let (status, all) = executive.get_text("/risks").await?;
    assert_eq!(status, 200);
    // The demo seeds 12 risk items on the 9 submitted Northfield initiatives; the stopped handover
    // project's one leaves the register.
    assert!(all.contains("<h3>11 risks</h3>"), "{all}");
    let (_, safety) = executive.get_text("/risks?domain=patient-safety").await?;
    assert!(safety.contains("<h3>4 risks</h3>"), "{safety}");
    let (_, moderate) = executive.get_text("/risks?band=moderate").await?;
    // Moderate is 4–6: discharge (2 × 3), falls (3 × 2, 2 × 3), insulin (2 × 2), virtual ward (3 × 2),
    // mealtimes (2 × 2) and SSKIN (2 × 2).
    assert!(moderate.contains("<h3>7 risks</h3>"), "{moderate}");
    let (status, chart) = executive.get_text("/approvals/performance").await?;
    assert_eq!(status, 200);
    assert!(chart.contains("8 decisions"), "{chart}");
    assert!(chart.contains("<svg"));
    Ok(())
}

async fn user_id(app: &TestApp, email: &str) -> anyhow::Result<kindling_domain::ids::UserId> {
    let email = kindling_domain::people::Email::parse(email).map_err(anyhow::Error::msg)?;
    Ok(kindling_store::users::find_by_email(app.db(), &email).await?.unwrap().id)
}

/// Issue 18 §1, as found: after a conditional approval a team member unticked "AI" on the risk page and
/// the fairness gate vanished, the team marked the CSO's condition met itself, and the pilot started
/// with the approver never told. Now the decision's basis is kept, the change reopens it on the same
/// route, the approver is told what changed, and only the named confirmer confirms a condition.
#[tokio::test]
async fn a_material_change_after_approval_reopens_it_and_only_the_named_confirmer_confirms() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (page, request) = submit_ai_triage(&app, &lead).await?;
    let id = kindling_domain::ids::InitiativeId::new(page[13..].parse()?);
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let (_, form) = approver.get_text(&request).await?;
    assert!(form.contains("Who confirms condition 1 is met"), "{form}");
    let next_year =
        (kindling_domain::initiatives::CivilDate::from_unix_ms(kindling_web::now_ms()).unwrap().year + 1).to_string();
    // A due date in the past and a condition without text but with a date are refused, keeping what was typed.
    let past = [
        ("outcome", "approve-with-conditions"),
        ("reason", "Worth testing once safety is signed off"),
        ("condition-1", "CSO signs off the hazard log"),
        ("confirmer-1", "clinical-safety-officer"),
        ("due-1_day", "1"),
        ("due-1_month", "1"),
        ("due-1_year", "2020"),
    ];
    let refused = approver.submit(&request, &request, &past).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("Condition 1&#39;s due date must be today or later"), "{html}");
    assert!(html.contains("value=\"CSO signs off the hazard log\""), "what was typed is kept");
    let conditional = [
        ("outcome", "approve-with-conditions"),
        ("reason", "Worth testing once safety is signed off"),
        ("condition-1", "CSO signs off the hazard log"),
        ("confirmer-1", "clinical-safety-officer"),
        ("due-1_day", "1"),
        ("due-1_month", "3"),
        ("due-1_year", next_year.as_str()),
        ("condition-2", "Staff briefed on every shift"),
        ("confirmer-2", "decider"),
    ];
    assert_eq!(approver.submit(&request, &request, &conditional).await?.status(), 303);

    // The conditions, who confirms them and when they are due are on the initiative page and in the
    // team's notification of the decision.
    let (_, html) = lead.get_text(&page).await?;
    assert!(html.contains("Conditions of the approval"), "{html}");
    assert!(
        html.contains(&format!("CSO signs off the hazard log <span class=\"nhsuk-body-s\">(confirmed by the clinical safety officer; due 1 March {next_year})")),
        "{html}"
    );
    let lead_id = user_id(&app, "improvement-lead@demo.kindling.test").await?;
    let told = kindling_store::notifications::list(app.db(), lead_id, 5).await?;
    assert!(
        told.iter().any(|n| n
            .summary
            .contains("CSO signs off the hazard log (confirmed by the clinical safety officer, due 1 March")),
        "{told:?}"
    );
    let cso_id = user_id(&app, "clinical-safety-officer@demo.kindling.test").await?;
    let cso_told = kindling_store::notifications::list(app.db(), cso_id, 5).await?;
    assert!(cso_told.iter().any(|n| n.summary.starts_with("A condition for you to confirm")), "{cso_told:?}");

    // The team cannot confirm the CSO's condition; the CSO's empty note gives the form back.
    let decided = approvals::for_initiative(app.db(), NORTHFIELD, id).await?.remove(0);
    assert!(decided.basis.is_some(), "the basis is frozen with the decision");
    let cso_condition = decided.conditions.iter().find(|c| c.text.starts_with("CSO")).unwrap().id;
    let governance = format!("{page}/governance");
    let confirm = format!("{request}/conditions/{cso_condition}");
    let self_certified = lead.submit(&governance, &confirm, &[("note", "Done"), ("back", "governance")]).await?;
    assert_eq!(self_certified.status(), 403);
    assert!(self_certified.text().await?.contains("Only the clinical safety officer can confirm"));
    let cso = app.signed_in("clinical-safety-officer@demo.kindling.test").await?;
    let empty = cso.submit(&governance, &confirm, &[("note", "  "), ("back", "governance")]).await?;
    assert_eq!(empty.status(), 422);
    let html = empty.text().await?;
    assert!(html.contains("Say how the condition was met") && html.contains("href=\"#note\""), "{html}");
    assert_eq!(
        cso.submit(&governance, &confirm, &[("note", "Hazard log reviewed"), ("back", "governance")]).await?.status(),
        303
    );

    // Unticking "AI" after the decision removes the fairness gate: a material change, so the decision
    // is reopened on the same route, the initiative is back in assessment and the pilot cannot start.
    let fewer = [("fact", "touches-patients"), ("fact", "uses-personal-data")];
    let saved = lead.submit(&governance, &format!("{governance}/facts"), &fewer).await?;
    assert_eq!(saved.status(), 303);
    assert!(saved.headers()["location"].to_str()?.contains("notice=reopened"));
    let requests = approvals::for_initiative(app.db(), NORTHFIELD, id).await?;
    assert_eq!(requests.len(), 2);
    let reopened = &requests[0];
    assert_eq!((reopened.route.as_str(), reopened.reopens), ("divisional-governance", Some(decided.id)));
    assert!(reopened.outcome.is_none());
    let changes: Vec<&str> = reopened.changes.iter().filter(|c| c.material).map(|c| c.text.as_str()).collect();
    assert_eq!(
        changes,
        [
            "The Clinical safety (DCB0160 hazard log) gate no longer applies",
            "The AI fairness across subgroups gate no longer applies"
        ]
    );
    let item = initiatives::get(app.db(), NORTHFIELD, id).await?.unwrap();
    assert_eq!(item.stage, kindling_domain::initiatives::Stage::Assessment);
    let approver_id = user_id(&app, "approver@demo.kindling.test").await?;
    let approver_told = kindling_store::notifications::list(app.db(), approver_id, 1).await?.remove(0);
    assert!(approver_told.summary.starts_with("A decision to take again"), "{approver_told:?}");
    assert_eq!(approver_told.href, format!("/approvals/{}", reopened.id));
    let (_, html) = approver.get_text(&approver_told.href).await?;
    assert!(html.contains("Reopened") && html.contains("gate no longer applies"), "{html}");
    let pilot = lead.submit(&page, &format!("{page}/stage"), &[("to", "piloting"), ("reason", "Go")]).await?;
    assert_ne!(pilot.status(), 303, "the pilot waits for the decision");

    // A change that is not material (the problem statement) leaves an approval in force alone.
    let again = format!("/approvals/{}", reopened.id);
    let approve = [("outcome", "approve"), ("reason", "Still fine without the AI part")];
    assert_eq!(approver.submit(&again, &again, &approve).await?.status(), 303);
    // A risk in a higher band than any the decision saw reopens it too, naming the risk.
    let added =
        post(&lead, &format!("{page}/risks/new"), &format!("{page}/risks/new"), &risk("patient-safety", "5", "4"))
            .await?;
    assert!(added.headers()["location"].to_str()?.contains("notice=reopened"));
    let requests = approvals::for_initiative(app.db(), NORTHFIELD, id).await?;
    assert_eq!(requests.len(), 3);
    let texts: Vec<&str> = requests[0].changes.iter().filter(|c| c.material).map(|c| c.text.as_str()).collect();
    assert!(
        texts.contains(&"A patient safety risk now scores 20, Extreme, above the highest the decision saw (12, High)"),
        "{texts:?}"
    );
    Ok(())
}

/// Issue 18 §2, as found: a hazard logged at residual Major × High blocked the gate for good, with no
/// edit, close or delete anywhere. Now the team re-scores it with new controls (kept in its history),
/// only the clinical safety officer can close or transfer it, and the CSO reviews each hazard with a note.
#[tokio::test]
async fn a_hazard_has_a_life_with_history_and_only_the_cso_takes_it_out_of_the_gate() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (page, _) = submit_ai_triage(&app, &lead).await?;
    let id = kindling_domain::ids::InitiativeId::new(page[13..].parse()?);
    let gate = format!("{page}/gates/clinical-safety");
    let hazard = [
        ("name", "Urgent lesion ranked routine"),
        ("cause", "Poor photograph"),
        ("effect", "Delayed review"),
        ("initial_severity", "4"),
        ("initial_likelihood", "5"),
        ("residual_severity", "4"),
        ("residual_likelihood", "4"),
    ];
    assert_eq!(lead.submit(&gate, &format!("{gate}/hazards"), &hazard).await?.status(), 303);
    let (_, html) = lead.get_text(&gate).await?;
    assert!(html.contains("(it is 4)"), "Major × High is level 4 in the pack's matrix, which blocks: {html}");
    let logged = kindling_store::gates::hazards(app.db(), NORTHFIELD, id).await?.remove(0);
    let edit = format!("{page}/hazards/{}", logged.id);
    let (status, form) = lead.get_text(&edit).await?;
    assert_eq!(status, 200);
    assert!(form.contains("Not changed since it was logged"));

    // The team cannot close it; nothing changes.
    let mut closing: Vec<(&str, &str)> = hazard.to_vec();
    closing.push(("status", "closed"));
    let refused = lead.submit(&edit, &edit, &closing).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Only the clinical safety officer can close or transfer a hazard"));
    assert_eq!(kindling_store::gates::hazards(app.db(), NORTHFIELD, id).await?[0].status.slug(), "open");

    // New controls and a re-scored residual (Major × Low is level 3): the gate is no longer blocked,
    // and the history says what changed.
    let mitigated = [
        ("status", "mitigated"),
        ("owner", "Dermatology lead nurse"),
        ("name", "Urgent lesion ranked routine"),
        ("cause", "Poor photograph"),
        ("effect", "Delayed review"),
        ("controls", "A consultant reviews every routine ranking within 48 hours"),
        ("initial_severity", "4"),
        ("initial_likelihood", "5"),
        ("residual_severity", "4"),
        ("residual_likelihood", "2"),
    ];
    assert_eq!(lead.submit(&edit, &edit, &mitigated).await?.status(), 303);
    let (_, html) = lead.get_text(&gate).await?;
    assert!(!html.contains("(it is 4)"), "{html}");
    assert!(html.contains("Owner: Dermatology lead nurse"));
    let (_, form) = lead.get_text(&edit).await?;
    assert!(
        form.contains("status Open → Mitigated; residual severity 4 × likelihood 4 (level 4) → 4 × 2 (level 3)"),
        "{form}"
    );

    // The clinical safety officer reviews it (an empty note is given back) and may close it.
    let cso = app.signed_in("clinical-safety-officer@demo.kindling.test").await?;
    let review = format!("{edit}/review");
    let empty = cso.submit(&gate, &review, &[("note", " ")]).await?;
    assert_eq!(empty.status(), 422);
    let html = empty.text().await?;
    assert!(html.contains("Say what you checked") && html.contains("href=\"#review\""), "{html}");
    assert_eq!(cso.submit(&gate, &review, &[("note", "Control seen working in clinic")]).await?.status(), 303);
    let (_, html) = cso.get_text(&gate).await?;
    assert!(html.contains("Control seen working in clinic"), "{html}");

    // The safety case report, from the log, for the CSO to sign: the hazard with its controls, its
    // residual level, its owner, the review and the history; and the space to sign.
    assert!(html.contains("/safety-case.pdf"), "the gate page offers it");
    let (status, report) = cso.get_text(&format!("{page}/safety-case")).await?;
    assert_eq!(status, 200);
    for expected in [
        "Clinical safety case report: AI-assisted triage",
        "1 hazard logged: 0 open, 1 mitigated, 0 closed, 0 transferred.",
        "No open or mitigated hazard has a residual level at which the deployment is blocked.",
        "A consultant reviews every routine ranking within 48 hours",
        "Mitigated; Dermatology lead nurse",
        "Control seen working in clinic",
        "status Open → Mitigated",
        "Professional registration: ",
    ] {
        assert!(report.contains(expected), "{expected}: {report}");
    }
    let pdf = cso.get(&format!("{page}/safety-case.pdf")).await?;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let text = crate::evidence::pdf_text(&pdf.bytes().await?)?;
    assert!(text.contains("Clinical safety case report") && text.contains("status Open → Mitigated"), "{text}");
    let other = app.signed_in("admin@riverside.demo.kindling.test").await?;
    assert_eq!(other.get_text(&format!("{page}/safety-case")).await?.0, 404, "another organisation's is not found");

    let mut closed: Vec<(&str, &str)> = mitigated.iter().filter(|(k, _)| *k != "status").copied().collect();
    closed.push(("status", "closed"));
    assert_eq!(cso.submit(&edit, &edit, &closed).await?.status(), 303);
    let now = kindling_store::gates::hazards(app.db(), NORTHFIELD, id).await?.remove(0);
    assert_eq!(now.status.slug(), "closed");
    assert_eq!(now.history.len(), 3, "two changes and a review: {:?}", now.history);
    assert!(now.reviewed_ms.is_none(), "a change clears the review of the earlier version");
    let (_, html) = cso.get_text(&gate).await?;
    assert!(html.contains("No open hazards; 1 closed or transferred"), "not an empty log: {html}");
    // Someone outside the team and without the role cannot change it.
    let clinician = app.signed_in("clinician@demo.kindling.test").await?;
    let (status, _) = clinician.get_text(&edit).await?;
    assert_eq!(status, 403);
    Ok(())
}

/// Issue 18 §2, as found: the data protection officer signed off the DPIA screening without seeing it.
/// The gate page now shows the reviewer the ticked criteria and the rationale before the sign-off box.
#[tokio::test]
async fn the_dpo_sees_the_criteria_and_the_rationale_they_sign() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (page, _) = submit_ai_triage(&app, &lead).await?;
    let gate = format!("{page}/gates/dpia");
    let screening = [
        ("criterion", "large-scale-special-category"),
        ("rationale", "Photographs of skin lesions of every referred patient, processed by the triage tool"),
    ];
    assert_eq!(lead.submit(&gate, &format!("{gate}/record"), &screening).await?.status(), 303);
    let dpo = app.signed_in("data-protection-officer@demo.kindling.test").await?;
    let (status, html) = dpo.get_text(&gate).await?;
    assert_eq!(status, 200);
    let recorded = html.find("What the team recorded").expect("the record is shown to the reviewer");
    let criterion =
        html.find("Large-scale processing of special category (for example health) data").expect(&html[recorded..]);
    let rationale = html.find("Photographs of skin lesions of every referred patient").unwrap();
    let sign_off = html.find("/gates/dpia/sign-off").expect("the sign-off form");
    assert!(recorded < criterion && criterion < sign_off && rationale < sign_off, "shown before the sign-off box");
    Ok(())
}

/// Issue 18 §2, the risk lifecycle: a risk in the pack's corporate-register band needs a named
/// executive and is listed on the corporate register; an action is completed with its date and
/// evidence; re-scoring adds to the risk's trend; closing needs a reason, keeps the risk on record
/// and takes it off the register.
#[tokio::test]
async fn a_risk_is_escalated_worked_down_and_closed_with_its_history_kept() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let id = demo_initiative(&app, "AI-assisted triage").await;
    let page = format!("/initiatives/{id}");
    let new = format!("{page}/risks/new");
    // 4 × 4 = 16 is Extreme in the UK pack, whose corporate register starts at 15.
    let mut fields: Vec<(&str, String)> =
        risk("patient-safety", "4", "4").into_iter().filter(|(k, _)| *k != "executive_owner").collect();
    let refused = post(&lead, &new, &new, &fields).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("the executive who owns this risk on the corporate register"), "{html}");
    assert!(html.contains("An urgent referral is ranked as routine"), "what was typed is kept");
    fields.push(("executive_owner", "Medical Director".into()));
    assert_eq!(post(&lead, &new, &new, &fields).await?.status(), 303);
    let risk = kindling_store::risk::for_initiative(app.db(), NORTHFIELD, kindling_domain::ids::InitiativeId::new(id))
        .await?
        .into_iter()
        .find(|r| r.draft.event == "An urgent referral is ranked as routine")
        .unwrap();
    let (_, register) = lead.get_text("/risks").await?;
    let corporate =
        &register[register.find("Corporate risk register").unwrap()..register.find("All open risks").unwrap()];
    assert!(corporate.contains("An urgent referral is ranked as routine") && corporate.contains("Medical Director"));

    // An action, completed with a date and evidence (a future date is refused, the form kept).
    let risk_page = format!("{page}/risks/{}", risk.id);
    let action = [
        ("action", "Second reader for every urgent-looking photograph"),
        ("action_owner", "Lead dermatologist"),
        ("due_day", "1"),
        ("due_month", "2"),
        ("due_year", "2027"),
    ];
    assert_eq!(lead.submit(&risk_page, &format!("{risk_page}/actions"), &action).await?.status(), 303);
    let stored = kindling_store::risk::for_initiative(app.db(), NORTHFIELD, risk.initiative).await?;
    let action_id = stored.iter().find(|r| r.id == risk.id).unwrap().actions[0].id.to_string();
    let done = format!("{risk_page}/actions/done");
    let evidence = "Audit of 40 referrals: all had a second reader";
    let future = [
        ("done_action", action_id.as_str()),
        ("done_day", "1"),
        ("done_month", "1"),
        ("done_year", "2099"),
        ("evidence", evidence),
    ];
    let refused = lead.submit(&risk_page, &done, &future).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("must be today or in the past") && html.contains(evidence), "{html}");
    let past = [
        ("done_action", action_id.as_str()),
        ("done_day", "2"),
        ("done_month", "1"),
        ("done_year", "2026"),
        ("evidence", evidence),
    ];
    assert_eq!(lead.submit(&risk_page, &done, &past).await?.status(), 303);
    let (_, html) = lead.get_text(&risk_page).await?;
    assert!(html.contains(&format!("2 January 2026: {evidence}")), "{html}");

    // Re-scored to 3 × 2 = 6: the trend holds both scores, oldest first.
    let mut rescored = fields.clone();
    for (k, v) in &mut rescored {
        match *k {
            "now_consequence" => *v = "3".into(),
            "now_likelihood" => *v = "2".into(),
            _ => {}
        }
    }
    assert_eq!(post(&lead, &risk_page, &risk_page, &rescored).await?.status(), 303);
    let (_, html) = lead.get_text(&risk_page).await?;
    assert!(html.contains("Scores, oldest first: 16 on") && html.contains("; 6 on"), "{html}");

    // Closing needs a reason; then the risk is off the register but on record, and counts no more.
    let close = format!("{risk_page}/close");
    let refused = lead.submit(&risk_page, &close, &[("reason", "  ")]).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("why the risk can be closed"));
    let reason = "Second reading is now standard practice; the residual risk is tolerable";
    assert_eq!(lead.submit(&risk_page, &close, &[("reason", reason)]).await?.status(), 303);
    let (_, register) = lead.get_text("/risks").await?;
    assert!(!register.contains("An urgent referral is ranked as routine"), "closed risks leave the register");
    let (_, governance) = lead.get_text(&format!("{page}/governance")).await?;
    assert!(governance.contains(&format!("Closed: {reason}")), "{governance}");
    let again = lead.submit(&risk_page, &format!("{risk_page}/actions"), &action).await?;
    assert_eq!(again.status(), 409, "a closed risk takes no new actions");
    let stored = kindling_store::risk::for_initiative(app.db(), NORTHFIELD, risk.initiative).await?;
    let closed = stored.iter().find(|r| r.id == risk.id).unwrap();
    assert_eq!(closed.actions.len(), 1);
    assert_eq!(closed.scores.iter().map(|s| s.score.value()).collect::<Vec<_>>(), [16, 6]);
    assert_eq!(closed.closed.as_ref().map(|c| c.reason.as_str()), Some(reason));
    Ok(())
}

/// Issue 18 §2: the two gates the UK pack lacked. A change of access calls for an equality and
/// health inequalities impact assessment, which the approver signs off seeing what was recorded; a
/// medical device claim calls for its status, and a device without marking and registration blocks
/// the gate.
#[tokio::test]
async fn equality_and_medical_device_gates_follow_the_facts() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let id = demo_initiative(&app, "AI-assisted triage").await;
    let governance = format!("/initiatives/{id}/governance");
    let facts = [("fact", "touches-patients"), ("fact", "changes-access"), ("fact", "medical-device")];
    assert_eq!(lead.submit(&governance, &format!("{governance}/facts"), &facts).await?.status(), 303);
    let (_, html) = lead.get_text(&governance).await?;
    assert!(html.contains("Equality and health inequalities impact assessment"), "{html}");
    assert!(html.contains("Medical device status (UKCA or CE marking, MHRA registration)"), "{html}");

    let equality = format!("/initiatives/{id}/gates/equality");
    let refused = lead.submit(&equality, &format!("{equality}/record"), &[("group", "age"), ("impact", "")]).await?;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await?;
    assert!(html.contains("how the change could affect each group differently"), "{html}");
    assert!(html.contains(r#"value="age" checked"#), "the ticked group is kept");
    let assessment = [
        ("group", "age"),
        ("group", "digital-exclusion"),
        ("impact", "Older people without smartphones cannot send photographs."),
        ("mitigation", "A clinic slot instead of a photograph; referrals broken down by age band."),
    ];
    assert_eq!(lead.submit(&equality, &format!("{equality}/record"), &assessment).await?.status(), 303);
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let (_, html) = approver.get_text(&equality).await?;
    assert!(html.contains("2 groups could be affected differently"), "{html}");
    assert!(html.contains("<li>People without digital access or skills</li>"), "the reviewer sees what they sign");
    assert!(html.contains("A clinic slot instead of a photograph"));
    assert_eq!(
        approver.submit(&equality, &format!("{equality}/sign-off"), &[("note", "Proportionate")]).await?.status(),
        303
    );

    let device = format!("/initiatives/{id}/gates/medical-device");
    let claim = [
        ("is_device", "yes"),
        ("device_rationale", "It ranks referrals for diagnosis: software as a medical device."),
        ("device_class", "IIa"),
        ("marked", "yes"),
        ("registered", "no"),
    ];
    assert_eq!(lead.submit(&device, &format!("{device}/record"), &claim).await?.status(), 303);
    let (_, html) = lead.get_text(&device).await?;
    assert!(html.contains("A class IIa medical device without MHRA registration"), "{html}");
    assert!(html.contains("Blocked"));
    let unclassed = [("is_device", "yes"), ("device_rationale", "Diagnosis"), ("marked", "yes"), ("registered", "yes")];
    let refused = lead.submit(&device, &format!("{device}/record"), &unclassed).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Select the device"));
    Ok(())
}

/// Issue 18 §2: an organisation in Wales chooses the Wales pack; it is then in force, its duties are
/// shown to whoever decides, and what is computed from then on records it. Another organisation keeps
/// its own pack.
#[tokio::test]
async fn an_organisation_in_wales_chooses_the_wales_pack() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = app.signed_in("admin@demo.kindling.test").await?;
    let (_, html) = admin.get_text("/admin/policy").await?;
    assert!(html.contains("NHS Wales default (nhs-wales-default"), "{html}");
    let refused = admin.submit("/admin/policy", "/admin/policy/built-in", &[("jurisdiction", "Atlantis")]).await?;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await?.contains("Choose England or Wales"));
    let chosen = admin.submit("/admin/policy", "/admin/policy/built-in", &[("jurisdiction", "Wales")]).await?;
    assert_eq!(chosen.status(), 303);
    let active = policy::active(app.db(), NORTHFIELD).await?.pack;
    assert_eq!((active.pack.id.as_str(), active.pack.jurisdiction.as_str()), ("nhs-wales-default", "Wales"));
    let (_, html) = admin.get_text("/admin/policy").await?;
    assert!(html.contains("Duty of quality") && html.contains("Health and Care Quality Standards 2023"), "{html}");
    assert_eq!(policy::active(app.db(), RIVERSIDE).await?.pack.pack.id, "uk-nhs-default", "others keep theirs");

    // The approver sees the Welsh duties beside the decision; a risk recorded now is scored under it.
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let id = demo_initiative(&app, "AI-assisted triage").await;
    let page = format!("/initiatives/{id}");
    let governance = format!("{page}/governance");
    let facts = [("fact", "touches-patients"), ("fact", "ai-ml")];
    assert_eq!(lead.submit(&governance, &format!("{governance}/facts"), &facts).await?.status(), 303);
    let new = format!("{page}/risks/new");
    assert_eq!(post(&lead, &new, &new, &risk("patient-safety", "4", "3")).await?.status(), 303);
    let (_, html) = lead.get_text(&governance).await?;
    // The Welsh pack names the route as a health board does.
    assert!(
        html.contains("If submitted now, the decision goes to: Division or directorate quality and safety group."),
        "{html}"
    );
    let submitted = lead.submit(&page, &format!("{page}/stage"), &[("to", "assessment"), ("reason", "Shaped")]).await?;
    assert_eq!(submitted.status(), 303);
    let initiative = kindling_domain::ids::InitiativeId::new(id);
    let requests = approvals::for_initiative(app.db(), NORTHFIELD, initiative).await?;
    assert_eq!(requests[0].pack_id, "nhs-wales-default", "the outcome records the pack it used");
    let approver = app.signed_in("approver@demo.kindling.test").await?;
    let (_, html) = approver.get_text(&format!("/approvals/{}", requests[0].id)).await?;
    assert!(html.contains("Duties this decision weighs") && html.contains("Duty of quality"), "{html}");
    assert!(html.contains("Duty of Candour Procedure (Wales) Regulations 2023"), "{html}");
    let risks = kindling_store::risk::for_initiative(app.db(), NORTHFIELD, initiative).await?;
    assert!(risks.iter().any(|r| r.pack_id == "nhs-wales-default"), "{risks:?}");
    Ok(())
}

/// Issue 18 §2, as found: hazards could not be changed "in the UI, API or store". Through the API the
/// team logs and re-scores a hazard, only the clinical safety officer closes it or reviews it, and
/// another organisation finds nothing.
#[tokio::test]
async fn the_api_gives_hazards_their_whole_life() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let lead = app.signed_in("improvement-lead@demo.kindling.test").await?;
    let (page, _) = submit_ai_triage(&app, &lead).await?;
    let id: i64 = page[13..].parse()?;
    let client = kindling_testkit::http();
    let lead_token = app.token_for("improvement-lead@demo.kindling.test").await?;
    let cso_token = app.token_for("clinical-safety-officer@demo.kindling.test").await?;
    let url = app.url(&format!("/api/v1/initiatives/{id}/hazards"));
    let hazard = serde_json::json!({
        "name": "Urgent lesion ranked routine", "cause": "Poor photograph", "effect": "Delayed review",
        "initial": { "consequence": 4, "likelihood": 5 }, "residual": { "consequence": 4, "likelihood": 4 }
    });
    let logged = client.post(&url).bearer_auth(&lead_token).json(&hazard).send().await?;
    assert_eq!(logged.status(), 201);
    let logged: serde_json::Value = logged.json().await?;
    assert_eq!((logged["residual_level"].as_u64(), logged["status"].as_str()), (Some(4), Some("open")));
    let one = format!("{url}/{}", logged["id"]);

    let mut closing = hazard.clone();
    closing["status"] = "closed".into();
    let refused = client.put(&one).bearer_auth(&lead_token).json(&closing).send().await?;
    assert_eq!(refused.status(), 403, "only the CSO takes a hazard out of the gate");
    let mut mitigated = hazard.clone();
    mitigated["status"] = "mitigated".into();
    mitigated["controls"] = "A consultant reviews every routine ranking within 48 hours".into();
    mitigated["residual"] = serde_json::json!({ "consequence": 4, "likelihood": 2 });
    let changed: serde_json::Value =
        client.put(&one).bearer_auth(&lead_token).json(&mitigated).send().await?.json().await?;
    assert_eq!(changed["residual_level"], 3);
    assert!(changed["history"][0].as_str().unwrap().contains("status Open → Mitigated"), "{changed}");

    let review = format!("{one}/review");
    let note = serde_json::json!({ "note": "Control seen working" });
    assert_eq!(client.post(&review).bearer_auth(&lead_token).json(&note).send().await?.status(), 403);
    let blank = serde_json::json!({ "note": "  " });
    assert_eq!(client.post(&review).bearer_auth(&cso_token).json(&blank).send().await?.status(), 422);
    let reviewed: serde_json::Value =
        client.post(&review).bearer_auth(&cso_token).json(&note).send().await?.json().await?;
    assert_eq!(reviewed["review_note"], "Control seen working");
    let mut closed = mitigated.clone();
    closed["status"] = "closed".into();
    let closed: serde_json::Value = client.put(&one).bearer_auth(&cso_token).json(&closed).send().await?.json().await?;
    assert_eq!(closed["status"], "closed");
    let list: serde_json::Value = client.get(&url).bearer_auth(&cso_token).send().await?.json().await?;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));

    // An initiative whose facts call for no hazard log: the list says so, and a hazard is refused
    // as a conflict (the initiative exists; its log does not).
    let huddles = demo_initiative(&app, "Well-being huddles").await;
    let none = app.url(&format!("/api/v1/initiatives/{huddles}/hazards"));
    let list: serde_json::Value = client.get(&none).bearer_auth(&lead_token).send().await?.json().await?;
    assert_eq!((list["applies"].as_bool(), list["items"].as_array().map(Vec::len)), (Some(false), Some(0)));
    assert_eq!(client.post(&none).bearer_auth(&lead_token).json(&hazard).send().await?.status(), 409);

    let other = app.token_for("admin@riverside.demo.kindling.test").await?;
    assert_eq!(client.get(&url).bearer_auth(&other).send().await?.status(), 404);
    assert_eq!(client.put(&one).bearer_auth(&other).json(&mitigated).send().await?.status(), 404);
    Ok(())
}
