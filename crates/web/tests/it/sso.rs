//! Single sign-on's refusals, end to end through the callback: an ID token with a wrong signature,
//! issuer, audience or nonce, or one that has expired, is refused with a plain page and creates nobody;
//! so is a person outside the allowed domains, a replayed state, and a provider that is down.
//!
//! A certified provider never issues such tokens, so these tests stand in for one: a small server here
//! publishes discovery metadata and a key set, and its token endpoint answers with whatever ID token the
//! test signed. The happy path through a real, certified provider (the `oidc-provider` npm package) is
//! the browser journey `e2e/tests/sso.spec.js`.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kindling_domain::people::Role;
use kindling_testkit::{TestApp, test_config};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

const CLIENT: &str = "kindling-test-client";

/// The stand-in provider: its address, the key it publishes, and the ID token its token endpoint returns.
struct Provider {
    issuer: String,
    key: EcdsaKeyPair,
    next_token: Arc<Mutex<String>>,
    server: tokio::task::JoinHandle<()>,
}

fn new_key() -> EcdsaKeyPair {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn start_provider() -> Provider {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let key = new_key();
    let public = key.public_key().as_ref().to_vec();
    let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig", "alg": "ES256",
        "x": b64(&public[1..33]), "y": b64(&public[33..65])}]});
    let discovery = json!({
        "issuer": issuer, "authorization_endpoint": format!("{issuer}/auth"), "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"), "end_session_endpoint": format!("{issuer}/logout"),
    });
    let next_token = Arc::new(Mutex::new(String::new()));
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(move || async move { Json(discovery) }))
        .route("/jwks", get(move || async move { Json(jwks) }))
        .route(
            "/token",
            post(|State(next): State<Arc<Mutex<String>>>| async move {
                Json(json!({"access_token": "a", "token_type": "Bearer", "id_token": *next.lock().unwrap()}))
            }),
        )
        .with_state(next_token.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Provider { issuer, key, next_token, server }
}

impl Provider {
    fn sign(&self, key: &EcdsaKeyPair, claims: &Value) -> String {
        let header = b64(json!({"alg": "ES256", "kid": "k1", "typ": "JWT"}).to_string().as_bytes());
        let body = b64(claims.to_string().as_bytes());
        let message = format!("{header}.{body}");
        let signature = key.sign(&SystemRandom::new(), message.as_bytes()).unwrap();
        format!("{message}.{}", b64(signature.as_ref()))
    }
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

/// Starts a sign-in at the app, as the button does: the state and nonce it sent to the provider.
async fn begin(browser: &kindling_testkit::Browser) -> anyhow::Result<(String, String)> {
    let response = browser.get("/sign-in/sso/installation?next=/initiatives").await?;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str()?.to_owned();
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(get("code_challenge_method"), "S256");
    assert_eq!(get("client_id"), CLIENT);
    assert!(get("redirect_uri").ends_with("/sign-in/sso/callback"));
    Ok((get("state"), get("nonce")))
}

fn claims(provider: &Provider, nonce: &str, email: &str) -> Value {
    let now = kindling_testkit::now_ms() / 1000;
    json!({
        "iss": provider.issuer, "aud": CLIENT, "sub": format!("sub-{email}"), "iat": now, "exp": now + 300,
        "nonce": nonce, "email": email, "email_verified": true, "name": "Nia Okoro", "groups": ["kindling-leads"],
    })
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
    *provider.next_token.lock().unwrap() =
        provider.sign(&provider.key, &claims(&provider, &nonce, "Nia.Okoro@northfield.nhs.uk"));
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
    *provider.next_token.lock().unwrap() =
        provider.sign(&provider.key, &claims(&provider, &nonce, "nia.okoro@northfield.nhs.uk"));
    assert_eq!(again.get(&format!("/sign-in/sso/callback?code=abc&state={state}")).await?.status(), 303);
    // Signing out also signs out at the provider.
    let out = again.submit("/initiatives", "/sign-out", &[]).await?;
    assert!(out.headers()["location"].to_str()?.starts_with(&format!("{}/logout?id_token_hint=", provider.issuer)));
    provider.server.abort();
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
        *provider.next_token.lock().unwrap() = provider.sign(&provider.key, &c);
        let response = browser.get(&format!("/sign-in/sso/callback?code=abc&state={state}")).await?;
        assert_eq!(response.status().as_u16(), status, "{what}");
        assert!(response.text().await?.contains(says), "{what}");
        assert_eq!(browser.get("/initiatives").await?.status(), 303, "{what}: not signed in");
    }
    // Signed by a key the provider does not publish.
    let browser = app.browser();
    let (state, nonce) = begin(&browser).await?;
    *provider.next_token.lock().unwrap() =
        provider.sign(&other_key, &claims(&provider, &nonce, "forged@northfield.nhs.uk"));
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
    let server = std::mem::replace(&mut provider.server, tokio::spawn(async {}));
    server.abort();
    let _ = server.await;
    // A fresh app has discovered nothing yet, so it must reach the provider, which is down.
    let cold = app_with(&provider).await?;
    let down = cold.browser().get("/sign-in/sso/installation").await?;
    assert_eq!(down.status(), 502);
    assert!(down.text().await?.contains("Sign-in with your organisation did not work"));
    Ok(())
}
