//! The JSON API: bearer tokens, problem+json errors, and the OpenAPI document.

use kindling_testkit::TestApp;
use serde_json::{Value, json};

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> anyhow::Result<(u16, String, Value)> {
    let mut request = kindling_testkit::http().request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let text = response.text().await?;
    Ok((status, content_type, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

#[tokio::test]
async fn without_a_valid_token_the_api_answers_401_as_a_problem() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    for token in [None, Some("kdl_not-a-real-token")] {
        let (status, content_type, body) = call(&app, reqwest::Method::GET, "/api/v1/initiatives", token, None).await?;
        assert_eq!(status, 401);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(body["status"], 401);
        assert_eq!(body["title"], "Unauthorized");
    }
    Ok(())
}

#[tokio::test]
async fn lists_reads_creates_and_moves_initiatives() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let token = app.token_for("clinician@demo.kindling.test").await?;
    let (status, _, list) = call(&app, reqwest::Method::GET, "/api/v1/initiatives", Some(&token), None).await?;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 12);
    assert_eq!(list["items"].as_array().unwrap().len(), 12);
    let (_, _, piloting) =
        call(&app, reqwest::Method::GET, "/api/v1/initiatives?stage=piloting", Some(&token), None).await?;
    assert_eq!(piloting["total"], 2);

    let (status, _, created) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/initiatives",
        Some(&token),
        Some(json!({"title": "Quiet ward rounds", "problem": "Noise", "proposed_change": "Quiet rounds", "aim": {"by_when": "2027-05-31"}, "tags": ["Noise"]})),
    )
    .await?;
    assert_eq!(status, 201);
    assert_eq!(created["stage"], "idea");
    assert_eq!(created["aim"]["by_when"], "2027-05-31");
    assert_eq!(created["tags"], json!(["noise"]));
    let id = created["id"].as_i64().unwrap();

    let (status, _, moved) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/initiatives/{id}/transitions"),
        Some(&token),
        Some(json!({"to": "shaping", "reason": "Agreed with the ward manager"})),
    )
    .await?;
    assert_eq!(status, 200);
    assert_eq!(moved["stage"], "shaping");
    assert_eq!(moved["history"][0]["reason"], "Agreed with the ward manager");

    let submit = json!({"to": "assessment", "reason": "r"});
    let path = format!("/api/v1/initiatives/{id}/transitions");
    let (status, _, early) = call(&app, reqwest::Method::POST, &path, Some(&token), Some(submit.clone())).await?;
    assert_eq!(status, 409, "facts and a risk come first");
    assert!(early["detail"].as_str().unwrap().contains("Record at least one risk"), "{early}");
    let risk = json!({"domain": "finance", "cause": "c", "event": "e", "consequence": "q",
        "now": {"consequence": 1, "likelihood": 2}, "owner": "Ward manager", "review": "2027-06-01"});
    let (status, _, _) = call(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/initiatives/{id}/facts"),
        Some(&token),
        Some(json!({"facts": []})),
    )
    .await?;
    assert_eq!(status, 200);
    let (status, _, _) =
        call(&app, reqwest::Method::POST, &format!("/api/v1/initiatives/{id}/risks"), Some(&token), Some(risk)).await?;
    assert_eq!(status, 201);
    let (status, _, submitted) = call(&app, reqwest::Method::POST, &path, Some(&token), Some(submit)).await?;
    assert_eq!(status, 200, "{submitted}");
    let (status, content_type, refused) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/initiatives/{id}/transitions"),
        Some(&token),
        Some(json!({"to": "approved", "reason": "self-approval"})),
    )
    .await?;
    assert_eq!((status, content_type.as_str()), (403, "application/problem+json"));
    assert!(refused["detail"].as_str().unwrap().contains("only approver or executive may"));
    Ok(())
}

#[tokio::test]
async fn invalid_input_is_a_problem_with_field_details_and_changes_nothing() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let token = app.token_for("clinician@demo.kindling.test").await?;
    let (status, content_type, problem) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/initiatives",
        Some(&token),
        Some(json!({"title": " ", "problem": "p", "proposed_change": "c", "site_id": 424242, "tags": ["ok", "bad!"]})),
    )
    .await?;
    assert_eq!((status, content_type.as_str()), (422, "application/problem+json"));
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "site_id", "tags"]);
    let (status, _, problem) =
        call(&app, reqwest::Method::POST, "/api/v1/initiatives", Some(&token), Some(json!({"title": 5}))).await?;
    assert_eq!(status, 422);
    assert_eq!(problem["type"], "/problems/malformed-body");
    let (status, _, problem) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/initiatives",
        Some(&token),
        Some(json!({"title": "t", "problem": "p", "proposed_change": "c", "aim": {"by_when": "2027-02-30"}})),
    )
    .await?;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "aim.by_when");
    let (status, _, problem) =
        call(&app, reqwest::Method::GET, "/api/v1/initiatives?stage=nope", Some(&token), None).await?;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("stage")));
    let (status, _, _) =
        call(&app, reqwest::Method::GET, "/api/v1/initiatives/not-a-number", Some(&token), None).await?;
    assert_eq!(status, 404);
    let (status, _, _) = call(&app, reqwest::Method::GET, "/api/v1/nothing-here", Some(&token), None).await?;
    assert_eq!(status, 404);
    let (_, _, list) = call(&app, reqwest::Method::GET, "/api/v1/initiatives", Some(&token), None).await?;
    assert_eq!(list["total"], 12, "nothing was created");
    Ok(())
}

#[tokio::test]
async fn the_openapi_document_is_openapi_3_1_and_covers_the_api() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (status, content_type, doc) = call(&app, reqwest::Method::GET, "/api/openapi.json", None, None).await?;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/initiatives",
        "/api/v1/initiatives/{id}",
        "/api/v1/initiatives/{id}/transitions",
        "/api/v1/initiatives/{id}/measures",
        "/api/v1/measures/{id}",
        "/api/v1/measures/{id}/data",
        "/api/v1/initiatives/{id}/facts",
        "/api/v1/initiatives/{id}/risks",
        "/api/v1/initiatives/{id}/governance",
        "/api/v1/approvals",
        "/api/v1/approvals/{id}/decision",
        "/api/v1/initiatives/{id}/learning-review",
        "/api/v1/learning-reviews/{id}",
        "/api/v1/search",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    // The whole document is the API's contract with integrations: any change to it must be seen and
    // accepted in review (the snapshot was read and checked with openapi-spec-validator when made).
    insta::assert_json_snapshot!("openapi", doc);
    Ok(())
}

#[tokio::test]
async fn measures_are_created_read_and_fed_all_or_nothing() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let token = app.token_for("improvement-lead@demo.kindling.test").await?;
    let t = Some(token.as_str());
    let input = json!({
        "name": "Minutes to first antibiotic", "kind": "process", "category": "clinical-outcome",
        "numerator": "Minutes from triage to the first dose", "source": "ED system", "frequency": "weekly",
        "direction": "decrease", "data_type": "value", "target": 60.0
    });
    let (status, _, created) =
        call(&app, reqwest::Method::POST, "/api/v1/initiatives/3/measures", t, Some(input)).await?;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["chart"], "xmr");
    assert_eq!(created["signal"], "too-few-points");
    let id = created["id"].as_i64().unwrap();

    // One bad point among good ones: nothing is stored, and each problem is named by position.
    let bad = json!({"data": [
        {"period": "2025-01-06", "value": 70.0},
        {"period": "2025-13-01", "value": 65.0},
        {"period": "2025-01-06", "value": 64.0}
    ]});
    let (status, content_type, problem) =
        call(&app, reqwest::Method::POST, &format!("/api/v1/measures/{id}/data"), t, Some(bad)).await?;
    assert_eq!((status, content_type.as_str()), (422, "application/problem+json"));
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["data[1].period", "data[2].period"]);
    let (_, _, detail) = call(&app, reqwest::Method::GET, &format!("/api/v1/measures/{id}"), t, None).await?;
    assert_eq!(detail["data"].as_array().unwrap().len(), 0);

    // Twenty good weeks at about 70 minutes: limits appear, and the 60-minute target is out of reach.
    let data: Vec<Value> = (0..20)
        .map(|k| json!({"period": format!("2025-{:02}-{:02}", 1 + (k * 7) / 28, 1 + (k * 7) % 28), "value": 70.0 + f64::from(k % 3)}))
        .collect();
    let (status, _, after) =
        call(&app, reqwest::Method::POST, &format!("/api/v1/measures/{id}/data"), t, Some(json!({"data": data})))
            .await?;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["points"], 20);
    assert_eq!(after["assurance"], "fail");
    let (_, _, list) = call(&app, reqwest::Method::GET, "/api/v1/initiatives/3/measures", t, None).await?;
    assert!(list["items"].as_array().unwrap().iter().any(|m| m["id"] == id));

    // Another organisation sees none of it.
    let other = app.token_for("admin@riverside.demo.kindling.test").await?;
    let (status, _, _) =
        call(&app, reqwest::Method::GET, &format!("/api/v1/measures/{id}"), Some(&other), None).await?;
    assert_eq!(status, 404);
    let (status, _, _) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/measures/{id}/data"),
        Some(&other),
        Some(json!({"data": []})),
    )
    .await?;
    assert_eq!(status, 404);
    Ok(())
}

#[tokio::test]
async fn notifications_recognition_and_complexity_over_the_api() -> anyhow::Result<()> {
    use reqwest::Method;
    let app = TestApp::spawn().await?;
    let clinician = app.token_for("clinician@demo.kindling.test").await?;
    let lead = app.token_for("improvement-lead@demo.kindling.test").await?;
    let (_, _, initiatives) = call(&app, Method::GET, "/api/v1/initiatives?per_page=100", Some(&lead), None).await?;
    let id_of = |prefix: &str| {
        initiatives["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"].as_str().unwrap().starts_with(prefix))
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let mealtimes = id_of("Protected mealtimes");

    // Recognition: bad input is a problem naming each field, and nothing is stored.
    let (status, content_type, problem) = call(
        &app,
        Method::POST,
        "/api/v1/recognition",
        Some(&clinician),
        Some(json!({"kind": "award", "initiative_id": mealtimes, "title": "", "message": "Great"})),
    )
    .await?;
    assert_eq!((status, content_type.as_str()), (422, "application/problem+json"));
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["kind", "title"]);
    let (_, _, before) = call(&app, Method::GET, "/api/v1/recognition", Some(&lead), None).await?;
    let count = before["items"].as_array().unwrap().len();
    let (status, _, created) = call(
        &app,
        Method::POST,
        "/api/v1/recognition",
        Some(&clinician),
        Some(json!({"kind": "thanks", "initiative_id": mealtimes, "title": "Volunteers", "message": "Thank you all."})),
    )
    .await?;
    assert_eq!(status, 201, "{created}");
    let (_, _, after) = call(&app, Method::GET, "/api/v1/recognition", Some(&lead), None).await?;
    assert_eq!(after["items"].as_array().unwrap().len(), count + 1);
    assert_eq!(after["items"][0]["recognition"]["title"], "Volunteers");

    // The team of protected mealtimes (its submitter, the clinician) is told; the giver is not told
    // about their own thanks, but the lead's notifications include the demo's history.
    let (_, _, mine) = call(&app, Method::GET, "/api/v1/notifications", Some(&lead), None).await?;
    let unread = mine["unread"].as_i64().unwrap();
    assert_eq!(mine["digest"], "daily");
    let (_, _, marked) = call(&app, Method::POST, "/api/v1/notifications/read", Some(&lead), Some(json!({}))).await?;
    assert_eq!(marked["marked"].as_i64(), Some(unread));
    let (_, _, mine) = call(&app, Method::GET, "/api/v1/notifications", Some(&lead), None).await?;
    assert_eq!(mine["unread"], 0);
    let (status, _, _) =
        call(&app, Method::PUT, "/api/v1/me/digest", Some(&lead), Some(json!({"digest": "hourly"}))).await?;
    assert_eq!(status, 422);

    // The demo's profile of protected mealtimes: complex only in its adopters.
    let path = format!("/api/v1/initiatives/{mealtimes}/complexity");
    let (_, _, profile) = call(&app, Method::GET, &path, Some(&lead), None).await?;
    assert_eq!(
        (profile["support_level"].as_str(), profile["headline"].as_str()),
        (Some("facilitated"), Some("Complex in 1 domain"))
    );
    let six: Vec<Value> = ["condition", "technology", "value-proposition", "adopters", "organisation", "wider-system"]
        .iter()
        .map(|d| json!({"domain": d, "rating": "simple"}))
        .collect();
    let (status, _, problem) = call(&app, Method::PUT, &path, Some(&lead), Some(json!({"ratings": six}))).await?;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "rating-embedding");
    let (_, _, unchanged) = call(&app, Method::GET, &path, Some(&lead), None).await?;
    assert_eq!(unchanged["headline"], "Complex in 1 domain", "a refused profile changes nothing");
    let mut seven = six.clone();
    seven.push(json!({"domain": "embedding", "rating": "simple"}));
    let (status, _, saved) = call(&app, Method::PUT, &path, Some(&lead), Some(json!({"ratings": seven}))).await?;
    assert_eq!((status, saved["support_level"].as_str()), (200, Some("light-touch")));

    let (status, _, problem) =
        call(&app, Method::GET, "/api/v1/search?q=falls&setting=moon", Some(&lead), None).await?;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "setting");
    Ok(())
}

#[tokio::test]
async fn driver_diagrams_support_and_public_pages_over_the_api() -> anyhow::Result<()> {
    use reqwest::Method;
    let app = TestApp::spawn().await?;
    let clinician = app.token_for("clinician@demo.kindling.test").await?;
    let lead = app.token_for("improvement-lead@demo.kindling.test").await?;
    let (_, _, list) = call(&app, Method::GET, "/api/v1/initiatives?per_page=100", Some(&clinician), None).await?;
    let falls = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"].as_str().unwrap().starts_with("Falls prevention"))
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    let nodes = format!("/api/v1/initiatives/{falls}/driver-diagram/nodes");
    let (status, _, created) = call(
        &app,
        Method::POST,
        &nodes,
        Some(&clinician),
        Some(json!({"kind": "primary", "label": "Staff present where falls happen"})),
    )
    .await?;
    assert_eq!(status, 201);
    let primary = created["id"].as_i64().unwrap();
    let (status, _, problem) = call(
        &app,
        Method::POST,
        &nodes,
        Some(&clinician),
        Some(json!({"kind": "secondary", "label": "Rota", "parent_id": 999_999})),
    )
    .await?;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("parent")));
    call(
        &app,
        Method::POST,
        &nodes,
        Some(&clinician),
        Some(json!({"kind": "change", "label": "Bay tag", "parent_id": primary})),
    )
    .await?;
    let (_, _, diagram) =
        call(&app, Method::GET, &format!("/api/v1/initiatives/{falls}/driver-diagram"), Some(&clinician), None).await?;
    let kinds: Vec<(&str, Option<&str>)> = diagram["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["kind"].as_str().unwrap(), n["tested"].as_str()))
        .collect();
    assert_eq!(kinds, [("primary", None), ("change", Some("not-yet"))]);

    let (_, _, offers) = call(&app, Method::GET, "/api/v1/support/offers", Some(&clinician), None).await?;
    let coaching = offers["items"].as_array().unwrap().iter().find(|o| o["kind"] == "qi-coaching").unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _, asked) = call(
        &app,
        Method::POST,
        &format!("/api/v1/initiatives/{falls}/support-requests"),
        Some(&clinician),
        Some(json!({"offer_id": coaching, "message": "Help with our run chart"})),
    )
    .await?;
    assert_eq!(status, 201);
    let answer = format!("/api/v1/support-requests/{}/answer", asked["id"]);
    let (status, _, _) = call(&app, Method::POST, &answer, Some(&clinician), Some(json!({"answer": "accept"}))).await?;
    assert_eq!(status, 403, "the asker cannot answer their own request");
    let (status, _, problem) =
        call(&app, Method::POST, &answer, Some(&lead), Some(json!({"answer": "decline"}))).await?;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("note")));
    let (status, _, answered) =
        call(&app, Method::POST, &answer, Some(&lead), Some(json!({"answer": "accept"}))).await?;
    assert_eq!((status, answered["status"].as_str()), (200, Some("accepted")));

    let page = format!("/api/v1/initiatives/{falls}/public-page");
    // Every initiative has a page: an empty draft until the team writes it.
    let (status, _, blank) = call(&app, Method::GET, &page, Some(&clinician), None).await?;
    assert_eq!((status, blank["status"].as_str()), (200, Some("draft")));
    assert!(blank["page"].is_null() && blank["published"].is_null(), "{blank}");
    let text = json!({
        "what_changing": "A member of staff stays in each bay.",
        "why": "Most falls happened when nobody was there.",
        "how_helps": "Someone can help you get up safely.",
        "learned": "Fewer people fell.",
        "feedback_how": "Scan the code on the poster."
    });
    let (status, _, saved) = call(&app, Method::PUT, &page, Some(&clinician), Some(text)).await?;
    assert_eq!((status, saved["status"].as_str()), (200, Some("in-review")));
    assert!(saved["reading_age"].as_u64().unwrap() <= 11, "{saved}");
    let (status, _, problem) = call(
        &app,
        Method::PUT,
        &page,
        Some(&clinician),
        Some(json!({"what_changing": "x", "why": "Mrs Patel asked", "how_helps": "x", "learned": "x", "feedback_how": "x"})),
    )
    .await?;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("why")));
    let (_, _, unchanged) = call(&app, Method::GET, &page, Some(&lead), None).await?;
    assert_eq!(unchanged["page"]["why"], "Most falls happened when nobody was there.");
    Ok(())
}

#[tokio::test]
async fn pathway_progress_and_appraisal_records_over_the_api() -> anyhow::Result<()> {
    use reqwest::Method;
    let app = TestApp::spawn().await?;
    let clinician = app.token_for("clinician@demo.kindling.test").await?;
    let pharmacist = app.token_for("pharmacist@demo.kindling.test").await?;
    let (status, _, _) =
        call(&app, Method::POST, "/api/v1/pathways/pdsa/steps/plan", Some(&clinician), Some(json!({}))).await?;
    assert_eq!(status, 204);
    let (status, _, _) =
        call(&app, Method::POST, "/api/v1/pathways/pdsa/steps/nonsense", Some(&clinician), Some(json!({}))).await?;
    assert_eq!(status, 404);
    let (status, _, problem) = call(
        &app,
        Method::POST,
        "/api/v1/pathways/pdsa/steps/do",
        Some(&clinician),
        Some(json!({"initiative_id": 999_999})),
    )
    .await?;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("initiative_id")));
    let (_, _, list) = call(&app, Method::GET, "/api/v1/pathways", Some(&clinician), None).await?;
    let pdsa = list["items"].as_array().unwrap().iter().find(|p| p["slug"] == "pdsa").unwrap();
    assert_eq!(pdsa["done"], json!(["plan"]), "the refused step was not recorded");

    let me = kindling_store::users::find_by_email(
        app.db(),
        &kindling_domain::people::Email::parse("clinician@demo.kindling.test").unwrap(),
    )
    .await?
    .unwrap();
    let path = format!("/api/v1/people/{}/appraisal", me.id);
    let (status, _, record) = call(&app, Method::GET, &path, Some(&clinician), None).await?;
    assert_eq!(status, 200);
    assert_eq!(record["title"], format!("Appraisal record: {}", me.name));
    let skills = record["sections"].as_array().unwrap().iter().find(|s| s["heading"] == "Skills pathways").unwrap();
    assert_eq!(skills["bullets"][0], "Running a PDSA cycle (in progress, 1 of 4 steps): Plan with a prediction");
    let (status, content_type, _) = call(&app, Method::GET, &path, Some(&pharmacist), None).await?;
    assert_eq!((status, content_type.as_str()), (403, "application/problem+json"));
    Ok(())
}

/// Issue 17: during a database outage the API answered 500. It answers 503 with `Retry-After` and a
/// problem document; pages answer the NHS "service unavailable" page.
#[tokio::test]
async fn a_database_outage_is_answered_as_unavailable_not_as_a_bug() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let token = app.token_for("clinician@demo.kindling.test").await?;
    let browser = app.signed_in("clinician@demo.kindling.test").await?;
    app.db().close().await;
    let api = kindling_testkit::http().get(app.url("/api/v1/initiatives")).bearer_auth(&token).send().await?;
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers()["retry-after"], "5");
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = api.json().await?;
    assert_eq!(problem["title"], "Service Unavailable");
    let page = browser.get("/initiatives").await?;
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "5");
    assert!(page.text().await?.contains("Sorry, the service is unavailable"));
    Ok(())
}

/// What schemathesis found where the API and its document disagreed, each as a client meets it.
#[tokio::test]
async fn the_api_reads_bodies_and_queries_as_its_document_says() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let token = app.token_for("clinician@demo.kindling.test").await?;
    // An aim's date is a date, empty or null; a date with spaces around it is not.
    let mut id = 0;
    for (by_when, expected) in [(json!(" 2027-05-31"), 422), (json!(""), 201), (Value::Null, 201)] {
        let input = json!({"title": "Quiet rounds", "problem": "Noise", "proposed_change": "Quiet rounds",
            "aim": {"by_when": by_when}});
        let (status, _, body) =
            call(&app, reqwest::Method::POST, "/api/v1/initiatives", Some(&token), Some(input)).await?;
        assert_eq!(status, expected, "by_when {by_when}: {body}");
        id = body["id"].as_i64().unwrap_or(id);
    }

    // JSON Schema counts 5.0 as an integer, so the API does.
    let risk = json!({"domain": "patient-safety", "cause": "Handover at shift change", "event": "A step is missed",
        "consequence": "Delayed care", "now": {"consequence": 3.0, "likelihood": 2}, "owner": "Ward manager",
        "review": "2027-01-31"});
    let (status, _, body) =
        call(&app, reqwest::Method::POST, &format!("/api/v1/initiatives/{id}/risks"), Some(&token), Some(risk.clone()))
            .await?;
    assert_eq!(status, 201, "{body}");

    // An object is an object: serde alone would read `[3, 2]` as a score, field by field.
    let mut as_array = risk.clone();
    as_array["now"] = json!([3, 2]);
    let (status, content_type, _) =
        call(&app, reqwest::Method::POST, &format!("/api/v1/initiatives/{id}/risks"), Some(&token), Some(as_array))
            .await?;
    assert_eq!((status, content_type.as_str()), (422, "application/problem+json"));

    // A malformed search query is a problem document, not plain text.
    let (status, content_type, _) =
        call(&app, reqwest::Method::GET, "/api/v1/search?stage=idea&stage=idea", Some(&token), None).await?;
    assert_eq!((status, content_type.as_str()), (400, "application/problem+json"));

    // A domain rated twice is refused instead of the later rating silently winning.
    let domains = ["condition", "technology", "value-proposition", "adopters", "organisation", "wider-system"];
    let mut ratings: Vec<Value> = domains.iter().map(|d| json!({"domain": d, "rating": "simple"})).collect();
    ratings.push(json!({"domain": "adopters", "rating": "complex"}));
    let (status, _, body) = call(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/initiatives/{id}/complexity"),
        Some(&token),
        Some(json!({"ratings": ratings})),
    )
    .await?;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("Rate the domain \\\"adopters\\\" once"), "{body}");

    // Reactivating someone who is active conflicts with their state; nobody at all is 404.
    let admin = app.token_for("admin@demo.kindling.test").await?;
    let (_, _, people) = call(&app, reqwest::Method::GET, "/api/v1/admin/people", Some(&admin), None).await?;
    let active = people["people"][0]["id"].as_i64().unwrap();
    let (status, _, _) =
        call(&app, reqwest::Method::POST, &format!("/api/v1/admin/people/{active}/reactivate"), Some(&admin), None)
            .await?;
    assert_eq!(status, 409);
    let (status, _, _) =
        call(&app, reqwest::Method::POST, "/api/v1/admin/people/999999/reactivate", Some(&admin), None).await?;
    assert_eq!(status, 404);
    Ok(())
}

/// A proportion is written as a percentage in its verdict and target, as in its table, and a gap
/// between groups in percentage points (issue 18 §3: "an average of 0.844").
#[tokio::test]
async fn a_proportion_speaks_in_percentages() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let token = app.token_for("improvement-lead@demo.kindling.test").await?;
    let (_, _, created) = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/initiatives",
        Some(&token),
        Some(json!({"title": "Screening on admission", "problem": "Missed screens", "proposed_change": "A prompt"})),
    )
    .await?;
    let id = created["id"].as_i64().unwrap();
    let measure = json!({"name": "Patients screened", "kind": "outcome", "category": "clinical-outcome",
        "numerator": "Patients screened within 6 hours", "denominator": "Patients admitted", "source": "EPR",
        "frequency": "monthly", "direction": "increase", "data_type": "proportion", "target": 0.6});
    let (status, _, measure) =
        call(&app, reqwest::Method::POST, &format!("/api/v1/initiatives/{id}/measures"), Some(&token), Some(measure))
            .await?;
    assert_eq!(status, 201, "{measure}");
    let m = measure["id"].as_i64().unwrap();
    // 80 of 100 every month for 20 months: centre 80%, limits 68% to 92%, so a 60% target is always met.
    let data: Vec<Value> = (0..20)
        .map(|i| json!({"period": format!("{}-{:02}-01", 2025 + i / 12, i % 12 + 1), "value": 80, "denominator": 100}))
        .collect();
    let (status, _, body) = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/measures/{m}/data"),
        Some(&token),
        Some(json!({"data": data})),
    )
    .await?;
    assert_eq!(status, 200, "{body}");
    let (_, _, read) = call(&app, reqwest::Method::GET, &format!("/api/v1/measures/{m}"), Some(&token), None).await?;
    let verdict = read["measure"]["verdict"].as_str().unwrap_or_default();
    assert!(verdict.contains("around an average of 80%"), "{verdict}");
    assert!(verdict.ends_with("consistently meet the target of 60%."), "{verdict}");
    Ok(())
}
