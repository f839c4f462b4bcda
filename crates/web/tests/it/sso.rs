//! Single sign-on's refusals, end to end through the callback: an ID token with a wrong signature,
//! issuer, audience or nonce, or one that has expired, is refused with a plain page and creates nobody;
//! so is a person outside the allowed domains, a replayed state, and a provider that is down.
//!
//! A certified provider never issues such tokens, so these tests stand in for one: a small server here
//! publishes discovery metadata and a key set, and its token endpoint answers with whatever ID token the
//! test signed. The happy path through a real, certified provider (the `oidc-provider` npm package) is
//! the browser journey `e2e/tests/sso.spec.js`.

use kindling_domain::people::Role;
use kindling_testkit::oidc::{CLIENT_ID as CLIENT, StandInProvider as Provider, begin_sign_in, new_key};
use kindling_testkit::{TestApp, test_config};
use serde_json::{Value, json};

async fn start_provider() -> Provider {
    Provider::start().await
}

async fn app_with(provider: &Provider) -> anyhow::Result<TestApp> {
    let sso = kindling_web::sso::InstallationProvider {
        issuer: provider.issuer.clone(),
        client_id: CLIENT.into(),
        client_secret: "test-secret".into(),
        label: "Sign in with Northfield".into(),
        allowed_domains: vec!["northfield.nhs.uk".into()],
        create_people: true,
        default_role: Role::Clinician,
        roles_claim: "groups".into(),
        role_map: vec![("kindling-leads".into(), Role::ImprovementLead)],
    };
    TestApp::spawn_with(kindling_web::Config { sso: Some(sso), ..test_config() }).await
}

async fn begin(browser: &kindling_testkit::Browser) -> anyhow::Result<(String, String)> {
    begin_sign_in(browser, "installation").await
}

fn claims(provider: &Provider, nonce: &str, email: &str) -> Value {
    provider.claims(nonce, email)
}

async fn people_count(app: &TestApp) -> anyhow::Result<i64> {
    let (_, total) = kindling_store::people::list(
        app.db(),
        kindling_domain::ids::OrganisationId::new(1),
        &Default::default(),
        kindling_domain::paging::Page::parse(None, 1),
    )
    .await?;
    Ok(total as i64)
}

#[tokio::test]
async fn a_good_token_creates_a_person_in_an_allowed_domain_and_signs_them_in() -> anyhow::Result<()> {
    let provider = start_provider().await;
    let app = app_with(&provider).await?;
    let browser = app.browser();
    let (state, nonce) = begin(&browser).await?;
    provider.issue("abc", provider.sign(&provider.key, &claims(&provider, &nonce, "Nia.Okoro@northfield.nhs.uk")));
    let callback = browser.get(&format!("/sign-in/sso/callback?code=abc&state={state}")).await?;
    assert_eq!(callback.status(), 303, "{}", callback.text().await?);
    assert_eq!(callback.headers()["location"], "/initiatives");
    assert_eq!(browser.get("/initiatives").await?.status(), 200);
    let email = kindling_domain::people::Email::parse("nia.okoro@northfield.nhs.uk").unwrap();
    let nia = kindling_store::users::find_by_email(app.db(), &email).await?.expect("created just in time");
    assert_eq!(
        nia.roles_in(kindling_domain::ids::OrganisationId::new(1)),
        [Role::ImprovementLead],
        "mapped from her group"
    );
    // The state was used: the same callback again is refused.
    let replay = app.browser().get(&format!("/sign-in/sso/callback?code=abc&state={state}")).await?;
    assert_eq!(replay.status(), 400);
    assert!(replay.text().await?.contains("already been used or has expired"));
    // Signed in again later, she is found by her subject, not created twice.
    let again = app.browser();
    let (state, nonce) = begin(&again).await?;
    provider.issue("abc", provider.sign(&provider.key, &claims(&provider, &nonce, "nia.okoro@northfield.nhs.uk")));
    assert_eq!(again.get(&format!("/sign-in/sso/callback?code=abc&state={state}")).await?.status(), 303);
    // Signing out also signs out at the provider.
    let out = again.submit("/initiatives", "/sign-out", &[]).await?;
    assert!(out.headers()["location"].to_str()?.starts_with(&format!("{}/logout?id_token_hint=", provider.issuer)));
    Ok(())
}

#[tokio::test]
async fn a_token_failing_any_check_is_refused_and_creates_nothing() -> anyhow::Result<()> {
    let mut provider = start_provider().await;
    let app = app_with(&provider).await?;
    let before = people_count(&app).await?;
    let other_key = new_key();
    let now = kindling_testkit::now_ms() / 1000;
    type Fault = fn(&mut Value, i64);
    let faults: [(&str, Fault, u16, &str); 6] = [
        ("wrong issuer", |c, _| c["iss"] = json!("https://evil.example"), 400, "could not be verified"),
        ("wrong audience", |c, _| c["aud"] = json!("someone-else"), 400, "could not be verified"),
        ("wrong nonce", |c, _| c["nonce"] = json!("not-this-sign-in"), 400, "could not be verified"),
        ("expired", |c, now| c["exp"] = json!(now - 3600), 400, "could not be verified"),
        ("outside the allowed domains", |c, _| c["email"] = json!("someone@evil.example"), 403, "cannot be used here"),
        (
            "unverified email outside the domains",
            |c, _| {
                c["email"] = json!("nia@gmail.example");
                c["email_verified"] = json!(false);
            },
            403,
            "cannot be used here",
        ),
    ];
    for (what, fault, status, says) in faults {
        let browser = app.browser();
        let (state, nonce) = begin(&browser).await?;
        let mut c = claims(&provider, &nonce, &format!("{}@northfield.nhs.uk", what.replace(' ', ".")));
        fault(&mut c, now);
        provider.issue("abc", provider.sign(&provider.key, &c));
        let response = browser.get(&format!("/sign-in/sso/callback?code=abc&state={state}")).await?;
        assert_eq!(response.status().as_u16(), status, "{what}");
        assert!(response.text().await?.contains(says), "{what}");
        assert_eq!(browser.get("/initiatives").await?.status(), 303, "{what}: not signed in");
    }
    // Signed by a key the provider does not publish.
    let browser = app.browser();
    let (state, nonce) = begin(&browser).await?;
    provider.issue("abc", provider.sign(&other_key, &claims(&provider, &nonce, "forged@northfield.nhs.uk")));
    let forged = browser.get(&format!("/sign-in/sso/callback?code=abc&state={state}")).await?;
    assert_eq!(forged.status(), 400);
    assert_eq!(people_count(&app).await?, before, "nobody was created");
    // The provider's own refusal, and the provider being down.
    let browser = app.browser();
    let (state, _) = begin(&browser).await?;
    let refused = browser
        .get(&format!("/sign-in/sso/callback?error=access_denied&error_description=User+cancelled&state={state}"))
        .await?;
    assert_eq!(refused.status(), 502);
    provider.stop().await;
    // A fresh app has discovered nothing yet, so it must reach the provider, which is down.
    let cold = app_with(&provider).await?;
    let down = cold.browser().get("/sign-in/sso/installation").await?;
    assert_eq!(down.status(), 502);
    assert!(down.text().await?.contains("Sign-in with your organisation did not work"));
    Ok(())
}
