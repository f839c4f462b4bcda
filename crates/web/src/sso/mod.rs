//! Single sign-on with OpenID Connect: the authorization code flow with PKCE, provider discovery, and an
//! ID token checked against the provider's published keys (signature, then issuer, audience, expiry with
//! a small skew, and nonce) before anyone is signed in. Providers are the installation's own (flags and
//! environment) and each organisation's (set by its administrator on `/admin/sign-in`).
//!
//! Who signs in: the person linked to the provider's subject; failing that, the person with the token's
//! trusted email (who is then linked); failing that, a new person in an allowed domain when the provider
//! allows just-in-time creation. Anyone else is refused with a page that says why, and nothing is
//! created.
//!
//! - [`token`]: the signature check against the key set.

pub mod token;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use kindling_domain::accounts::AccountStatus;
use kindling_domain::accounts::sso::{
    Expected, Identity, check_claims, domain_allowed, map_roles, parse_role_map, trusted_email,
};
use kindling_domain::ids::OrganisationId;
use kindling_domain::people::{Email, Role};
use kindling_store::{accounts, orgs, sso as store, users};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::ClientAddr;
use crate::{AppError, AppState, now_ms, templates};

/// The installation's own provider, from `--oidc-*` flags and `KINDLING_OIDC_CLIENT_SECRET`.
#[derive(Clone, Debug)]
pub struct InstallationProvider {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub label: String,
    pub allowed_domains: Vec<String>,
    /// Create people in allowed domains on first sign-in, in the installation's first organisation.
    pub create_people: bool,
    pub default_role: Role,
    pub roles_claim: String,
    pub role_map: Vec<(String, Role)>,
}

/// Whether an issuer may be used: https, or http on a loopback address (tests), with a warning.
pub fn issuer_allowed(issuer: &str) -> Result<(), String> {
    if issuer.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = issuer.strip_prefix("http://") else {
        return Err("The issuer must be an https:// address".into());
    };
    let host = rest.split('/').next().unwrap_or("");
    let host =
        host.rsplit_once(':').map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host });
    if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        tracing::warn!(issuer, "single sign-on over plain http: accepted on a loopback address only, for tests");
        Ok(())
    } else {
        Err("The issuer must be an https:// address (http:// is accepted only on a loopback address, for tests)".into())
    }
}

/// The installation's key for sealing organisations' client secrets (ChaCha20-Poly1305).
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// From 64 hex digits.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let hex = hex.trim();
        if hex.len() != 64 {
            return None;
        }
        let mut key = [0_u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(key))
    }

    fn aead(&self) -> ring::aead::LessSafeKey {
        ring::aead::LessSafeKey::new(
            ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &self.0).expect("a 32-byte key"),
        )
    }

    /// The secret sealed under a fresh random nonce, as base64 of nonce and ciphertext.
    pub fn seal(&self, secret: &str) -> String {
        let mut nonce = [0_u8; 12];
        getrandom::fill(&mut nonce).expect("the operating system's random source");
        let mut data = secret.as_bytes().to_vec();
        self.aead()
            .seal_in_place_append_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::empty(),
                &mut data,
            )
            .expect("sealing cannot fail for a short secret");
        let mut out = nonce.to_vec();
        out.extend(data);
        STANDARD.encode(out)
    }

    /// The secret, if `sealed` was sealed with this key and not altered.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed).ok()?;
        let (nonce, data) = (bytes.get(..12)?, bytes.get(12..)?);
        let mut data = data.to_vec();
        let nonce = ring::aead::Nonce::assume_unique_for_key(nonce.try_into().ok()?);
        let plain = self.aead().open_in_place(nonce, ring::aead::Aad::empty(), &mut data).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

/// A provider ready for a sign-in: the installation's, or an organisation's.
#[derive(Clone, Debug)]
pub struct Provider {
    /// `installation`, or `organisation-<id>`: the path segment of its sign-in button.
    pub key: String,
    pub organisation: Option<OrganisationId>,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub label: String,
    pub allowed_domains: Vec<String>,
    pub create_people: bool,
    pub default_role: Role,
    pub roles_claim: String,
    pub role_map: Vec<(String, Role)>,
}

/// Every provider people can sign in with, for the sign-in page's buttons.
pub async fn providers(state: &AppState) -> Result<Vec<Provider>, AppError> {
    let mut all = Vec::new();
    if let Some(p) = &state.config().sso {
        all.push(installation(p));
    }
    for p in store::providers(state.db()).await? {
        if let Some(p) = from_store(state, &p) {
            all.push(p);
        }
    }
    Ok(all)
}

fn installation(p: &InstallationProvider) -> Provider {
    Provider {
        key: "installation".into(),
        organisation: None,
        issuer: p.issuer.clone(),
        client_id: p.client_id.clone(),
        client_secret: p.client_secret.clone(),
        label: p.label.clone(),
        allowed_domains: p.allowed_domains.clone(),
        create_people: p.create_people,
        default_role: p.default_role,
        roles_claim: p.roles_claim.clone(),
        role_map: p.role_map.clone(),
    }
}

/// An organisation's provider with its secret opened (sealed in the database, or
/// `KINDLING_OIDC_CLIENT_SECRET_ORG_<id>` in the environment); `None` if the secret is unavailable.
fn from_store(state: &AppState, p: &store::Provider) -> Option<Provider> {
    let from_env = std::env::var(format!("KINDLING_OIDC_CLIENT_SECRET_ORG_{}", p.organisation)).ok();
    let secret =
        from_env.or_else(|| state.config().secret_key.as_ref().and_then(|k| k.open(&p.client_secret_sealed)))?;
    Some(Provider {
        key: format!("organisation-{}", p.organisation),
        organisation: Some(p.organisation),
        issuer: p.issuer.clone(),
        client_id: p.client_id.clone(),
        client_secret: secret,
        label: p.label.clone(),
        allowed_domains: p.allowed_domains.clone(),
        create_people: p.create_people,
        default_role: p.default_role.parse().unwrap_or(Role::Clinician),
        roles_claim: p.roles_claim.clone(),
        role_map: parse_role_map(&p.role_map).unwrap_or_default(),
    })
}

async fn provider_by_key(state: &AppState, key: &str) -> Result<Option<Provider>, AppError> {
    Ok(providers(state).await?.into_iter().find(|p| p.key == key))
}

/// What a provider publishes about itself, and its keys, fetched once an hour at most (and again when a
/// token names a key not yet seen).
#[derive(Clone, Debug, Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    end_session_endpoint: Option<String>,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

struct Discovered {
    metadata: Metadata,
    keys: token::Jwks,
    fetched: Instant,
}

/// The HTTP client and what has been discovered, shared by every request.
pub struct SsoClient {
    http: reqwest::Client,
    discovered: tokio::sync::Mutex<HashMap<String, Arc<Discovered>>>,
}

impl std::fmt::Debug for SsoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SsoClient")
    }
}

impl Default for SsoClient {
    fn default() -> Self {
        // One process-wide TLS provider (ring), whichever of reqwest and lettre asks first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self { http, discovered: tokio::sync::Mutex::new(HashMap::new()) }
    }
}

/// Why a sign-in through a provider failed: each becomes a page saying what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SsoFailure {
    #[error("the identity provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the identity provider answered with an error: {0}")]
    ProviderError(String),
    #[error("the sign-in could not be matched to one that was started here")]
    State,
    #[error("the identity token was refused: {0}")]
    Token(String),
    #[error("{0} is not in a domain allowed to sign in here")]
    Domain(String),
    #[error("no active Kindling account for {0}")]
    NoAccount(String),
}

impl SsoClient {
    async fn discover(&self, issuer: &str, fresh: bool) -> Result<Arc<Discovered>, SsoFailure> {
        let mut cache = self.discovered.lock().await;
        if let Some(found) = cache.get(issuer)
            && !fresh
            && found.fetched.elapsed() < Duration::from_secs(3600)
        {
            return Ok(found.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
        let metadata: Metadata = self.get_json(&url).await?;
        if metadata.issuer != issuer {
            return Err(SsoFailure::ProviderError(format!("it calls itself {:?}, not {issuer:?}", metadata.issuer)));
        }
        let keys: token::Jwks = self.get_json(&metadata.jwks_uri).await?;
        let found = Arc::new(Discovered { metadata, keys, fetched: Instant::now() });
        cache.insert(issuer.to_owned(), found.clone());
        Ok(found)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, SsoFailure> {
        let response = self.http.get(url).send().await.map_err(|e| SsoFailure::Unreachable(e.to_string()))?;
        if !response.status().is_success() {
            return Err(SsoFailure::Unreachable(format!("{url} answered {}", response.status())));
        }
        response.json().await.map_err(|e| SsoFailure::ProviderError(format!("{url}: {e}")))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StartQuery {
    next: String,
}

fn redirect_uri(state: &AppState) -> String {
    state.config().link("/sign-in/sso/callback")
}

/// Sends the browser to the provider, remembering the state, nonce and PKCE verifier.
pub async fn start(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<StartQuery>,
) -> Result<Response, AppError> {
    let Some(provider) = provider_by_key(&state, &key).await? else { return Err(AppError::NotFound) };
    let discovered = match state.sso().discover(&provider.issuer, false).await {
        Ok(d) => d,
        Err(e) => return Ok(failure_page(&provider.label, &e)),
    };
    let (sign_in_state, nonce, verifier) = (accounts::fresh_token(), accounts::fresh_token(), accounts::fresh_token());
    let pending = store::Pending {
        provider: provider.key.clone(),
        nonce: nonce.clone(),
        verifier: verifier.clone(),
        next: crate::sign_in::safe_next(&query.next).to_owned(),
    };
    store::put_pending(state.db(), &sign_in_state, &pending, now_ms()).await?;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let params = [
        ("response_type", "code"),
        ("client_id", provider.client_id.as_str()),
        ("redirect_uri", &redirect_uri(&state)),
        ("scope", "openid email profile"),
        ("state", &sign_in_state),
        ("nonce", &nonce),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    let query = serde_urlencoded::to_string(params).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let endpoint = &discovered.metadata.authorization_endpoint;
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{endpoint}{separator}{query}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    code: String,
    state: String,
    error: String,
    error_description: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

/// The provider sends the browser back here: exchange the code, check the ID token, sign the person in.
pub async fn callback(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let now = now_ms();
    let pending =
        if query.state.is_empty() { None } else { store::take_pending(state.db(), &query.state, now).await? };
    let Some(pending) = pending else {
        tracing::warn!(client = %client, "single sign-on callback with an unknown or used state");
        return Ok(failure_page("your identity provider", &SsoFailure::State));
    };
    let Some(provider) = provider_by_key(&state, &pending.provider).await? else { return Err(AppError::NotFound) };
    if !query.error.is_empty() {
        let failure =
            SsoFailure::ProviderError(format!("{} {}", query.error, query.error_description).trim().to_owned());
        tracing::warn!(provider = %provider.key, error = %failure, "single sign-on refused by the provider");
        return Ok(failure_page(&provider.label, &failure));
    }
    match finish(&state, &provider, &pending, &query.code, now).await {
        Ok((user, organisation, id_token)) => {
            let origin = kindling_store::sessions::Origin {
                device: crate::auth::describe_device(&headers),
                place: client,
                method: "sso".into(),
                id_token_hint: Some(id_token),
            };
            crate::auth::establish_session(&state, user, organisation, &origin, &pending.next).await
        }
        Err(failure) => {
            tracing::warn!(provider = %provider.key, error = %failure, "single sign-on refused");
            Ok(failure_page(&provider.label, &failure))
        }
    }
}

/// The code exchanged, the token checked and the person found or created: who signs in, where, and the
/// ID token to sign out at the provider with.
async fn finish(
    state: &AppState,
    provider: &Provider,
    pending: &store::Pending,
    code: &str,
    now: i64,
) -> Result<(kindling_domain::ids::UserId, Option<OrganisationId>, String), SsoFailure> {
    let discovered = state.sso().discover(&provider.issuer, false).await?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &redirect_uri(state)),
        ("code_verifier", &pending.verifier),
    ];
    // client_secret_basic (RFC 6749, 2.3.1): both parts form-encoded before joining.
    let basic = format!(
        "{}:{}",
        serde_urlencoded::to_string([("", provider.client_id.as_str())]).unwrap_or_default().trim_start_matches('='),
        serde_urlencoded::to_string([("", provider.client_secret.as_str())])
            .unwrap_or_default()
            .trim_start_matches('=')
    );
    let response = state
        .sso()
        .http
        .post(&discovered.metadata.token_endpoint)
        .header("authorization", format!("Basic {}", STANDARD.encode(basic)))
        .form(&form)
        .send()
        .await
        .map_err(|e| SsoFailure::Unreachable(e.to_string()))?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        return Err(SsoFailure::ProviderError(format!(
            "the token endpoint answered {status}: {}",
            body.chars().take(200).collect::<String>()
        )));
    }
    let tokens: TokenResponse = response.json().await.map_err(|e| SsoFailure::ProviderError(e.to_string()))?;
    let id_token = tokens.id_token.ok_or_else(|| SsoFailure::ProviderError("no ID token was returned".into()))?;
    let mut identity = verify_id_token(state, provider, &id_token, &pending.nonce, now).await?;
    if identity.email.is_none()
        && let (Some(endpoint), Some(access)) = (&discovered.metadata.userinfo_endpoint, &tokens.access_token)
    {
        complete_from_userinfo(state, endpoint, access, &mut identity).await?;
    }
    let (user, organisation) = resolve_person(state, provider, &identity, now).await?;
    Ok((user, organisation, id_token))
}

/// Fills in the email and name from the UserInfo endpoint, for providers that keep them out of the ID
/// token (as OpenID Connect Core 5.4 allows). The answer must be about the same subject (5.3.4).
async fn complete_from_userinfo(
    state: &AppState,
    endpoint: &str,
    access: &str,
    identity: &mut Identity,
) -> Result<(), SsoFailure> {
    let response = state
        .sso()
        .http
        .get(endpoint)
        .bearer_auth(access)
        .send()
        .await
        .map_err(|e| SsoFailure::Unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(SsoFailure::ProviderError(format!("the UserInfo endpoint answered {}", response.status())));
    }
    let info: serde_json::Value = response.json().await.map_err(|e| SsoFailure::ProviderError(e.to_string()))?;
    if info.get("sub").and_then(|v| v.as_str()) != Some(identity.subject.as_str()) {
        return Err(SsoFailure::Token("the UserInfo answer is about another subject".into()));
    }
    identity.email = info.get("email").and_then(|v| v.as_str()).map(str::to_lowercase);
    identity.email_verified = matches!(info.get("email_verified"), Some(serde_json::Value::Bool(true)));
    if identity.name.is_none() {
        identity.name = info.get("name").and_then(|v| v.as_str()).map(str::to_owned);
    }
    Ok(())
}

/// The identity in an ID token whose signature and claims pass every check. Keys are fetched again once
/// if the token names one not yet seen (the provider rotated its keys).
pub(crate) async fn verify_id_token(
    state: &AppState,
    provider: &Provider,
    id_token: &str,
    nonce: &str,
    now: i64,
) -> Result<Identity, SsoFailure> {
    let discovered = state.sso().discover(&provider.issuer, false).await?;
    let claims = match token::verify(id_token, &discovered.keys) {
        Err(problem) if problem.may_be_rotation() => {
            let fresh = state.sso().discover(&provider.issuer, true).await?;
            token::verify(id_token, &fresh.keys)
        }
        other => other,
    }
    .map_err(|e| SsoFailure::Token(e.to_string()))?;
    let expected = Expected { issuer: &provider.issuer, client_id: &provider.client_id, nonce, now_s: now / 1000 };
    check_claims(&claims, &expected, &provider.roles_claim).map_err(|e| SsoFailure::Token(e.to_string()))
}

/// The Kindling person for an identity: linked by subject, else matched by trusted email (and linked),
/// else created in an allowed domain when the provider allows it. Nothing is created for anyone refused.
async fn resolve_person(
    state: &AppState,
    provider: &Provider,
    identity: &Identity,
    now: i64,
) -> Result<(kindling_domain::ids::UserId, Option<OrganisationId>), SsoFailure> {
    let db = state.db();
    let store_err = |e: kindling_store::StoreError| SsoFailure::Unreachable(e.to_string());
    let member_ok = |user: &users::User| {
        user.status == AccountStatus::Active && provider.organisation.is_none_or(|o| user.is_member_of(o))
    };
    if let Some(id) = store::linked_user(db, &provider.issuer, &identity.subject).await.map_err(store_err)? {
        let user = users::get(db, id).await.map_err(store_err)?.filter(member_ok);
        let Some(user) = user else {
            return Err(SsoFailure::NoAccount(identity.email.clone().unwrap_or_else(|| "this identity".into())));
        };
        return Ok((user.id, provider.organisation.or(user.home_organisation())));
    }
    let email = trusted_email(identity, &provider.allowed_domains)
        .ok_or_else(|| SsoFailure::Domain(identity.email.clone().unwrap_or_else(|| "This identity".into())))?;
    if !provider.allowed_domains.is_empty() && !domain_allowed(&email, &provider.allowed_domains) {
        return Err(SsoFailure::Domain(email));
    }
    let parsed = Email::parse(&email).map_err(|_| SsoFailure::Domain(email.clone()))?;
    if let Some(user) = users::find_by_email(db, &parsed).await.map_err(store_err)? {
        if !member_ok(&user) {
            return Err(SsoFailure::NoAccount(email));
        }
        let organisation = provider.organisation.or(user.home_organisation());
        store::link(db, &provider.issuer, &identity.subject, user.id, organisation, now).await.map_err(store_err)?;
        return Ok((user.id, organisation));
    }
    if !provider.create_people || provider.allowed_domains.is_empty() {
        return Err(SsoFailure::NoAccount(email));
    }
    let organisation = match provider.organisation {
        Some(o) => o,
        None => orgs::all(db)
            .await
            .map_err(store_err)?
            .iter()
            .map(|o| o.id)
            .min()
            .ok_or_else(|| SsoFailure::NoAccount(email.clone()))?,
    };
    let roles = map_roles(&identity.groups, &provider.role_map, provider.default_role);
    let name = identity.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| email.clone());
    let who = store::NewIdentity {
        organisation,
        email: &parsed,
        name: &name,
        roles: &roles,
        issuer: &provider.issuer,
        subject: &identity.subject,
    };
    let user = store::create_person(db, &who, now).await.map_err(store_err)?;
    tracing::info!(user.id = %user, organisation.id = %organisation, "person created on first single sign-on");
    Ok((user, Some(organisation)))
}

/// The page for a sign-in that failed: what happened, and what to do.
fn failure_page(label: &str, failure: &SsoFailure) -> Response {
    let (status, title, message) = match failure {
        SsoFailure::Unreachable(_) | SsoFailure::ProviderError(_) => (
            StatusCode::BAD_GATEWAY,
            "Sign-in with your organisation did not work",
            format!(
                "Kindling could not complete the sign-in with {label}. Try again in a few minutes; if it keeps happening, tell your IT service desk."
            ),
        ),
        SsoFailure::State => (
            StatusCode::BAD_REQUEST,
            "This sign-in link has already been used or has expired",
            "Go back to the sign-in page and choose your organisation's sign-in button again.".to_owned(),
        ),
        SsoFailure::Token(_) => (
            StatusCode::BAD_REQUEST,
            "Your sign-in could not be verified",
            format!(
                "The answer from {label} failed Kindling's security checks, so you have not been signed in. Try again; if it keeps happening, tell your IT service desk."
            ),
        ),
        SsoFailure::Domain(email) => (
            StatusCode::FORBIDDEN,
            "Your account cannot be used here",
            format!(
                "{email} is not in an email domain that may sign in to Kindling. Ask your Kindling administrator to invite you."
            ),
        ),
        SsoFailure::NoAccount(email) => (
            StatusCode::FORBIDDEN,
            "You do not have a Kindling account yet",
            format!(
                "You signed in with {label} as {email}, but there is no active Kindling account for you. Ask your Kindling administrator to invite you."
            ),
        ),
    };
    let html = templates::render_error(status.as_u16(), title, &message);
    (status, [(axum::http::header::CACHE_CONTROL, "no-store")], html).into_response()
}

/// Where to send the browser to sign out at the provider too, when it offers an end-session endpoint.
pub async fn end_session_url(state: &AppState, id_token_hint: &str) -> Option<String> {
    for provider in providers(state).await.ok()? {
        let Ok(discovered) = state.sso().discover(&provider.issuer, false).await else { continue };
        // The hint names its issuer and audience; only that provider's endpoint is used.
        let claims = id_token_hint.split('.').nth(1).and_then(|c| URL_SAFE_NO_PAD.decode(c).ok());
        let claims: Option<serde_json::Value> = claims.and_then(|c| serde_json::from_slice(&c).ok());
        if claims.as_ref().and_then(|c| c.get("iss")).and_then(|v| v.as_str()) != Some(provider.issuer.as_str()) {
            continue;
        }
        let endpoint = discovered.metadata.end_session_endpoint.clone()?;
        let params = [
            ("id_token_hint", id_token_hint),
            ("post_logout_redirect_uri", &state.config().link("/sign-in")),
            ("client_id", &provider.client_id),
        ];
        let query = serde_urlencoded::to_string(params).ok()?;
        let separator = if endpoint.contains('?') { '&' } else { '?' };
        return Some(format!("{endpoint}{separator}{query}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_must_be_https_except_on_loopback() {
        assert!(issuer_allowed("https://login.microsoftonline.com/tenant/v2.0").is_ok());
        assert!(issuer_allowed("http://127.0.0.1:9000").is_ok());
        assert!(issuer_allowed("http://localhost:9000/oidc").is_ok());
        assert!(issuer_allowed("http://idp.example.nhs.uk").is_err());
        assert!(issuer_allowed("http://127.0.0.1.evil.example").is_err());
        assert!(issuer_allowed("ftp://x").is_err());
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_unaltered() {
        let key = SecretKey::from_hex(&"ab".repeat(32)).unwrap();
        let sealed = key.seal("client-secret");
        assert_ne!(sealed, key.seal("client-secret"), "a fresh nonce each time");
        assert_eq!(key.open(&sealed).as_deref(), Some("client-secret"));
        let other = SecretKey::from_hex(&"cd".repeat(32)).unwrap();
        assert_eq!(other.open(&sealed), None);
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        bytes[14] ^= 1;
        assert_eq!(key.open(&STANDARD.encode(bytes)), None);
        assert!(SecretKey::from_hex("short").is_none());
    }
}
