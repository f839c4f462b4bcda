//! Who is asking: session cookies, the signed-in [`Viewer`], and the CSRF guard on every
//! state-changing form.
//!
//! Architecture invariant: every POST to a page route passes [`csrf_guard`], which checks the request
//! came from this site (Origin / Sec-Fetch-Site) and that its `csrf_token` field matches the session's
//! token (or, before sign-in, the double-submit cookie). Handlers never need to remember to check.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kindling_domain::ids::OrganisationId;
use kindling_domain::initiatives::Standing;
use kindling_domain::people::{Role, partner_only};
use kindling_domain::spaces::partner_may_request;
use kindling_store::orgs;
use kindling_store::sessions::{self, Session};
use kindling_store::users::User;
use serde::Serialize;

use crate::{AppError, AppState, now_ms};

/// How many bodies larger than a form (participant files, spread package files) are read at once.
static LARGE_UPLOADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Cookie names. Over https the session cookie takes the `__Host-` prefix, which browsers only accept
/// with `Secure`, `Path=/` and no `Domain`, so no other site or subdomain can plant one.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-kindling_session" } else { "kindling_session" }
}

pub fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-kindling_csrf" } else { "kindling_csrf" }
}

/// A `Set-Cookie` value with the flags every Kindling cookie carries.
pub fn cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}")
}

/// The value of cookie `name` in the request, if any.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The signed-in person, in the organisation they are working in.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user: User,
    /// The organisation chosen in the header's switcher (the person's home organisation until they
    /// choose), checked against their memberships on every request.
    pub organisation: OrganisationId,
    pub organisation_name: String,
    pub roles: Vec<Role>,
    pub csrf_token: String,
    /// The session token from the cookie, so sign-out can end exactly this session.
    pub session_token: String,
    /// The session's stored id (the hash of its token): how the account page names it.
    pub session_id: String,
    /// The provider's ID token when the person signed in with single sign-on (to sign out there too).
    pub id_token_hint: Option<String>,
    /// Every organisation the person belongs to, for the switcher, by name.
    pub organisations: Vec<(OrganisationId, String)>,
    /// Notifications not yet read (shown in the header on every page).
    pub unread: i64,
    /// The hub's cache revision read with the session (see the `cache` module).
    pub cache_revision: i64,
}

/// What templates see of the viewer.
#[derive(Serialize)]
pub struct ViewerView<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub organisation_name: &'a str,
    pub organisation_id: i64,
    pub organisations: Vec<(i64, &'a str)>,
    pub csrf_token: &'a str,
    pub unread: i64,
    pub is_admin: bool,
    pub is_hub_admin: bool,
    /// A patient partner's limited account: the menu offers only their spaces.
    pub is_partner: bool,
}

/// What a partner's limited account is told when it asks for anything else.
pub const PARTNER_LIMIT: &str =
    "A patient partner's account opens the collaborative spaces you take part in, and your account settings.";

impl Viewer {
    pub fn view(&self) -> ViewerView<'_> {
        ViewerView {
            name: &self.user.name,
            email: &self.user.email,
            organisation_name: &self.organisation_name,
            organisation_id: self.organisation.get(),
            organisations: self.organisations.iter().map(|(id, name)| (id.get(), name.as_str())).collect(),
            csrf_token: &self.csrf_token,
            unread: self.unread,
            is_admin: self.roles.contains(&Role::Admin),
            is_hub_admin: self.user.hub_admin,
            is_partner: self.is_partner(),
        }
    }

    /// The viewer acting in their organisation at `now_ms`, as the store's writes take it.
    pub fn actor(&self, now_ms: i64) -> kindling_store::Actor {
        kindling_store::Actor { organisation: self.organisation, user: self.user.id, now_ms }
    }

    /// The viewer's standing towards an initiative of their organisation.
    /// Whether the viewer signs in here as a patient partner only (a limited account).
    pub fn is_partner(&self) -> bool {
        partner_only(&self.roles)
    }

    pub fn standing(&self, is_submitter: bool, is_team_member: bool) -> Standing {
        Standing { roles: self.roles.clone(), is_submitter, is_team_member }
    }
}

/// Finds the live session for the request's cookie, once per request (the CSRF guard leaves it in the
/// request's extensions for the [`Viewer`] extractor).
async fn session_for(state: &AppState, headers: &HeaderMap) -> Result<Option<(String, Session)>, AppError> {
    let Some(token) = read_cookie(headers, session_cookie_name(state.config().secure_cookies)) else {
        return Ok(None);
    };
    Ok(sessions::find(state.db(), token, now_ms()).await?.map(|s| (token.to_owned(), s)))
}

/// The organisation a person works in: the one their session chose if they still belong to it,
/// otherwise their home organisation. `None` if they no longer belong anywhere.
pub fn working_organisation(user: &User, chosen: Option<OrganisationId>) -> Option<OrganisationId> {
    chosen.filter(|o| user.is_member_of(*o)).or_else(|| user.home_organisation())
}

/// Every organisation a person belongs to, with its name, by name.
pub async fn organisations_of(state: &AppState, user: &User) -> Result<Vec<(OrganisationId, String)>, AppError> {
    let mut named = Vec::with_capacity(user.memberships.len());
    for m in &user.memberships {
        let name = orgs::organisation(state.db(), m.organisation).await?.map(|o| o.name).unwrap_or_default();
        named.push((m.organisation, name));
    }
    named.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(named)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let found = match parts.extensions.get::<(String, Session)>() {
            Some(found) => Some(found.clone()),
            None => session_for(state, &parts.headers).await?,
        };
        let next = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        let sign_in =
            || AppError::SignInRequired { next: if parts.method == Method::GET { next.clone() } else { "/".into() } };
        let Some((session_token, session)) = found else {
            return Err(sign_in());
        };
        // The person and their organisations change rarely: cached at the session's revision.
        let Some(person) = crate::cache::person(state, session.user, session.cache_revision).await? else {
            return Err(sign_in());
        };
        let Some(organisation) = working_organisation(&person.user, session.organisation) else {
            return Err(AppError::Forbidden(
                "Your account is not a member of any organisation. Ask an administrator to add you.".into(),
            ));
        };
        let organisation_name =
            person.organisations.iter().find(|(id, _)| *id == organisation).map(|(_, n)| n.clone()).unwrap_or_default();
        let roles = person.user.roles_in(organisation);
        // A patient partner's limited account opens its spaces and itself, nothing else: refused here,
        // once for every page, rather than by each page remembering to.
        if partner_only(&roles) && !partner_may_request(parts.method.as_str(), parts.uri.path()) {
            return Err(AppError::Forbidden(PARTNER_LIMIT.into()));
        }
        Ok(Viewer {
            user: person.user.clone(),
            organisation,
            organisation_name,
            roles,
            csrf_token: session.csrf_token,
            session_token,
            session_id: session.id,
            id_token_hint: session.id_token_hint,
            organisations: person.organisations.clone(),
            unread: session.unread,
            cache_revision: session.cache_revision,
        })
    }
}

/// The token expected in a form posted by someone not yet signed in (the sign-in form itself).
pub fn anonymous_csrf(headers: &HeaderMap, secure: bool) -> Option<&str> {
    read_cookie(headers, csrf_cookie_name(secure)).filter(|v| v.len() == 64)
}

/// Refuses state-changing page requests that did not come from one of this site's own forms.
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The API authenticates with bearer tokens, which browsers never attach by themselves.
    if safe || request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    if !same_origin(request.headers()) {
        tracing::warn!(path = %request.uri().path(), "cross-site form post refused");
        return AppError::Csrf.into_response();
    }
    let found = match session_for(&state, request.headers()).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    // Only a signed-in person may send more than a form: every larger upload needs an account.
    let limit = if found.is_some() { crate::body_limit(request.uri().path()) } else { crate::MAX_BODY_BYTES };
    // A large upload is held in memory while it is checked and stored (about five times its size at
    // the peak for a 20 MiB file, docs/PERFORMANCE.md): at most two are read at once, the rest wait.
    // The semaphore is never closed, so acquiring cannot fail.
    let _large = if limit > crate::MAX_BODY_BYTES { LARGE_UPLOADS.acquire().await.ok() } else { None };
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, limit).await else {
        return AppError::BadRequest("The form was too large to send.".into()).into_response();
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let submitted = match crate::multipart::boundary(content_type) {
        // A file upload carries the token as one of its fields.
        Some(boundary) => crate::multipart::parse(&bytes, boundary)
            .and_then(|fields| crate::multipart::text(&fields, "csrf_token").map(str::to_owned)),
        None => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v)),
    };
    let expected = match &found {
        Some((_, session)) => Some(session.csrf_token.as_str()),
        None => anonymous_csrf(&parts.headers, state.config().secure_cookies),
    };
    let valid =
        matches!((expected, submitted.as_deref()), (Some(e), Some(s)) if constant_time_eq(e.as_bytes(), s.as_bytes()));
    if !valid {
        tracing::warn!(path = %parts.uri.path(), signed_in = found.is_some(), "form with a missing or wrong CSRF token refused");
        return AppError::Csrf.into_response();
    }
    if let Some(found) = found {
        parts.extensions.insert(found);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// True unless the browser says the request came from another site. Browsers send `Sec-Fetch-Site` (all
/// current ones) or `Origin` on form posts; non-browser clients may send neither and still need the token.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some("null"), _) => false,
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, rest)| rest == host),
        _ => true,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn same_origin_rules() {
        let check =
            |pairs: &[(&'static str, &str)], want: bool| assert_eq!(same_origin(&headers(pairs)), want, "{pairs:?}");
        check(&[("sec-fetch-site", "same-origin")], true);
        check(&[("sec-fetch-site", "cross-site"), ("origin", "http://a"), ("host", "a")], false);
        check(&[("sec-fetch-site", "same-site")], false);
        check(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")], true);
        check(&[("origin", "https://evil.example"), ("host", "127.0.0.1:8080")], false);
        check(&[("origin", "null"), ("host", "x")], false);
        check(&[], true);
    }

    #[test]
    fn cookies_are_read_from_any_cookie_header() {
        let map = headers(&[("cookie", "a=1; kindling_session=abc"), ("cookie", "b=2")]);
        assert_eq!(read_cookie(&map, "kindling_session"), Some("abc"));
        assert_eq!(read_cookie(&map, "b"), Some("2"));
        assert_eq!(read_cookie(&map, "c"), None);
    }

    #[test]
    fn cookie_flags() {
        assert_eq!(cookie("n", "v", 60, true), "n=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
        assert!(!cookie("n", "v", 60, false).contains("Secure"));
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

/// Starts a session for a person who has proved who they are, and sends them on to `next` with the
/// session cookie.
pub async fn establish_session(
    state: &AppState,
    user: kindling_domain::ids::UserId,
    organisation: Option<OrganisationId>,
    origin: &sessions::Origin,
    next: &str,
) -> Result<Response, AppError> {
    let token = sessions::start(state.db(), user, organisation, origin, now_ms()).await?;
    tracing::info!(user.id = %user, method = %origin.method, "signed in");
    let secure = state.config().secure_cookies;
    let mut response = axum::response::Redirect::to(crate::sign_in::safe_next(next)).into_response();
    let set = cookie(session_cookie_name(secure), &token, sessions::SESSION_MS / 1000, secure);
    response.headers_mut().append(header::SET_COOKIE, set.parse().map_err(|_| AppError::BadRequest("cookie".into()))?);
    Ok(response)
}

/// A short description of the browser, from its User-Agent, for the list of sessions ("Chrome on
/// Windows"); the raw header is not kept.
pub fn describe_device(headers: &HeaderMap) -> String {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .iter()
        .find(|(token, _)| agent.contains(token))
        .map(|(_, name)| *name);
    let system = [
        ("Windows", "Windows"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(token, _)| agent.contains(token))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) if agent.is_empty() => "Unknown device".to_owned(),
        (None, None) => agent.chars().take(60).collect(),
    }
}

/// The client's address, for throttling (`unknown` when the server was not started with connection info):
/// the connection's, or what a trusted reverse proxy reports (`crate::client`).
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        let addr =
            peer.map(|peer| crate::client::client_address(peer, &parts.headers, &state.config().trusted_proxies));
        Ok(ClientAddr(addr.map_or_else(|| "unknown".into(), |a| a.to_string())))
    }
}
