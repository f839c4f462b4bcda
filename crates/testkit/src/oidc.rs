//! A stand-in OpenID provider for tests and benchmarks that need ID tokens a certified provider would
//! never issue (a wrong nonce, an expired token, another key's signature) or need it to answer in no time:
//! it publishes discovery metadata and a key set, and its token endpoint returns whatever ID token was
//! registered for the code. The happy path through a real provider is the browser journey
//! `e2e/tests/sso.spec.js` against the `oidc-provider` package.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

/// The client id the stand-in expects Kindling to be configured with.
pub const CLIENT_ID: &str = "kindling-test-client";

pub struct StandInProvider {
    pub issuer: String,
    pub key: EcdsaKeyPair,
    tokens: Arc<Mutex<HashMap<String, String>>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for StandInProvider {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// A new P-256 signing key.
pub fn new_key() -> EcdsaKeyPair {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("a key");
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("a key")
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(serde::Deserialize)]
struct TokenRequest {
    code: String,
}

impl StandInProvider {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let issuer = format!("http://{}", listener.local_addr().expect("an address"));
        let key = new_key();
        let public = key.public_key().as_ref().to_vec();
        let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig", "alg": "ES256",
            "x": b64(&public[1..33]), "y": b64(&public[33..65])}]});
        let discovery = json!({
            "issuer": issuer, "authorization_endpoint": format!("{issuer}/auth"), "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"), "end_session_endpoint": format!("{issuer}/logout"),
        });
        let tokens: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let app =
            Router::new()
                .route("/.well-known/openid-configuration", get(move || async move { Json(discovery) }))
                .route("/jwks", get(move || async move { Json(jwks) }))
                .route(
                    "/token",
                    post(
                        |State(tokens): State<Arc<Mutex<HashMap<String, String>>>>,
                         Form(request): Form<TokenRequest>| async move {
                            let id_token =
                                tokens.lock().map(|mut t| t.remove(&request.code)).ok().flatten().unwrap_or_default();
                            Json(json!({"access_token": "a", "token_type": "Bearer", "id_token": id_token}))
                        },
                    ),
                )
                .with_state(tokens.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { issuer, key, tokens, server: Some(server) }
    }

    /// Registers the ID token the token endpoint will return for `code`, once.
    pub fn issue(&self, code: &str, id_token: String) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(code.to_owned(), id_token);
        }
    }

    /// `claims` as a compact JWS signed with `key` (the provider's own, or another).
    pub fn sign(&self, key: &EcdsaKeyPair, claims: &Value) -> String {
        let header = b64(json!({"alg": "ES256", "kid": "k1", "typ": "JWT"}).to_string().as_bytes());
        let body = b64(claims.to_string().as_bytes());
        let message = format!("{header}.{body}");
        let signature = key.sign(&SystemRandom::new(), message.as_bytes()).expect("signing");
        format!("{message}.{}", b64(signature.as_ref()))
    }

    /// Stops answering, as a provider that is down.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// Good claims for `email` with the nonce Kindling sent.
    pub fn claims(&self, nonce: &str, email: &str) -> Value {
        let now = crate::now_ms() / 1000;
        json!({
            "iss": self.issuer, "aud": CLIENT_ID, "sub": format!("sub-{}", email.to_lowercase()), "iat": now, "exp": now + 300,
            "nonce": nonce, "email": email, "email_verified": true, "name": "Nia Okoro", "groups": ["kindling-leads"],
        })
    }
}

/// Starts a sign-in at the app, as its button does, and returns the state and nonce sent to the provider.
pub async fn begin_sign_in(browser: &crate::Browser, key: &str) -> anyhow::Result<(String, String)> {
    let response = browser.get(&format!("/sign-in/sso/{key}?next=/initiatives")).await?;
    anyhow::ensure!(response.status() == 303, "the sign-in did not start: {}", response.status());
    let location = response.headers()["location"].to_str()?.to_owned();
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    anyhow::ensure!(get("code_challenge_method") == "S256", "PKCE with S256");
    Ok((get("state"), get("nonce")))
}
