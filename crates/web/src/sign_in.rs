//! Signing in and out: email and password checked against an argon2id hash, attempts throttled, then a
//! code from an authenticator app when the person has one (or must: administrators, or everyone when
//! their organisation says so, who enrol on the spot), and a fresh server-side session. The sign-in page
//! also offers each single sign-on provider (`crate::sso`).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::accounts::totp;
use kindling_domain::ids::UserId;
use kindling_domain::people::Email;
use kindling_domain::validation::FieldErrors;
use kindling_store::secrets::{dummy_password_hash, random_token, verify_password};
use kindling_store::{accounts, orgs, sessions, throttle, users};
use serde::{Deserialize, Serialize};

use crate::auth::{ClientAddr, Viewer, anonymous_csrf, cookie, csrf_cookie_name, read_cookie, session_cookie_name};
use crate::{AppError, AppState, now_ms, templates};

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SignInForm {
    email: String,
    #[serde(skip_serializing)]
    password: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInQuery {
    next: String,
    notice: String,
}

/// Only same-site paths are followed after sign-in, so a crafted link cannot bounce someone elsewhere.
/// Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so `/\t/evil.example`
/// and `/\evil.example` both lead off-site: any control character, whitespace or backslash sends the
/// person home instead, as does anything that is not a path.
pub(crate) fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if local { next } else { "/" }
}

/// The cookie holding the second step's token between the password and the code.
fn second_step_cookie(secure: bool) -> &'static str {
    if secure { "__Host-kindling_second_step" } else { "kindling_second_step" }
}

fn field_errors(errors: &FieldErrors) -> std::collections::BTreeMap<&str, &str> {
    errors.iter().map(|e| (e.field, e.message.as_str())).collect()
}

/// The anonymous double-submit CSRF token (reused if the visitor has one) and, if new, its cookie.
pub(crate) fn anonymous_token(state: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    let secure = state.config().secure_cookies;
    match anonymous_csrf(headers, secure) {
        Some(existing) => (existing.to_owned(), None),
        None => {
            let token = random_token();
            let set = cookie(csrf_cookie_name(secure), &token, 2 * 60 * 60, secure);
            (token, Some(set))
        }
    }
}

/// A page for someone not signed in, with the CSRF cookie set when needed.
pub(crate) fn anonymous_page(
    html: axum::response::Html<String>,
    status: StatusCode,
    set_cookie: Option<String>,
) -> Response {
    let mut response = (status, [(header::CACHE_CONTROL, "no-store")], html).into_response();
    if let Some(value) = set_cookie.and_then(|v| v.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    form: &SignInForm,
    errors: &FieldErrors,
    status: StatusCode,
    notice: &str,
) -> Result<Response, AppError> {
    let (token, set) = anonymous_token(state, headers);
    let providers: Vec<(String, String)> =
        crate::sso::providers(state).await?.into_iter().map(|p| (p.key, p.label)).collect();
    let html = templates::render(
        "sign_in.html",
        page! { title => "Sign in", csrf_token => &token, form => form, errors => errors, field_errors => field_errors(errors), next => safe_next(&form.next), next_encoded => crate::error::percent_encode(safe_next(&form.next)), demo => state.config().demo, providers => providers, notice => notice },
    )?;
    Ok(anonymous_page(html, status, set))
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Result<Response, AppError> {
    let form = SignInForm { next: query.next, ..SignInForm::default() };
    render(&state, &headers, &form, &FieldErrors::new(), StatusCode::OK, &query.notice).await
}

pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SignInForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let email = match Email::parse(&form.email) {
        Ok(email) => Some(email),
        Err(e) => {
            errors.add("email", e.to_string());
            None
        }
    };
    if form.password.is_empty() {
        errors.add("password", "Enter your password");
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return render(&state, &headers, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY, "").await;
    };
    let now = now_ms();
    let secure = state.config().secure_cookies;
    // A browser that has signed in to this account before is not slowed by others' failures.
    let device = read_cookie(&headers, device_cookie_name(secure)).map(str::to_owned);
    let known = match &device {
        Some(token) => throttle::device_known(state.db(), token, email.as_str()).await?,
        None => false,
    };
    if !known {
        let wait = throttle::wait_ms(state.db(), email.as_str(), &client, now).await?;
        if wait > 0 {
            tracing::warn!(client = %client, wait_ms = wait, "sign-in throttled");
            let seconds = (wait + 999) / 1000;
            errors.add(
                "email",
                format!(
                    "There have been too many attempts to sign in. Wait {seconds} second{}, then try again.",
                    if seconds == 1 { "" } else { "s" }
                ),
            );
            return render(&state, &headers, &form, &errors, StatusCode::TOO_MANY_REQUESTS, "").await;
        }
    }
    let credentials = users::credentials(state.db(), &email).await?;
    let stored = credentials.as_ref().map_or_else(|| dummy_password_hash().to_owned(), |(_, hash)| hash.clone());
    let password = form.password.clone();
    // Argon2 is deliberately slow; keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.unwrap_or(false);
    let user = credentials.filter(|_| matches).map(|(id, _)| id);
    throttle::record(state.db(), email.as_str(), &client, user.is_some(), now).await?;
    if let (Some(token), true) = (&device, known) {
        throttle::device_attempt(state.db(), token, email.as_str(), user.is_some(), now).await?;
    }
    let Some(user) = user else {
        tracing::info!(client = %client, "sign-in refused: wrong email or password");
        // Failed sign-ins are in the audit log too, for whoever investigates an attack.
        let failed = kindling_domain::audit::AuditEvent {
            at_ms: now,
            actor: None,
            organisation: None,
            action: "session.sign_in_failed".into(),
            subject: format!("email:{email}"),
            summary: format!("Failed sign-in from {client}"),
        };
        kindling_store::audit::append_alone(state.db(), &failed).await?;
        errors.add("email", "Enter a correct email address and password");
        return render(&state, &headers, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY, "").await;
    };
    let person = users::get(state.db(), user).await?.ok_or(AppError::NotFound)?;
    let organisation = person.home_organisation();
    let policy = match organisation {
        Some(o) => orgs::sign_in_policy(state.db(), o).await?,
        None => orgs::SignInPolicy {
            two_factor: kindling_domain::accounts::TwoFactorPolicy::Administrators,
            passwords_allowed: true,
        },
    };
    if !policy.passwords_allowed {
        errors.add("email", "Your organisation signs in with its own account system. Use the button below this form.");
        return render(&state, &headers, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY, "").await;
    }
    let roles = organisation.map(|o| person.roles_in(o)).unwrap_or_default();
    let must_enrol = !person.two_factor && policy.two_factor.requires(&roles);
    let mut response = if person.two_factor || must_enrol {
        to_second_step(&state, user, must_enrol, &form.next).await?
    } else {
        let origin = sessions::Origin {
            device: crate::auth::describe_device(&headers),
            place: client,
            method: "password".into(),
            id_token_hint: None,
        };
        crate::auth::establish_session(&state, user, organisation, &origin, &form.next).await?
    };
    if !known {
        let token = throttle::remember_device(state.db(), email.as_str(), now).await?;
        let set = cookie(device_cookie_name(secure), &token, 365 * 24 * 60 * 60, secure);
        response
            .headers_mut()
            .append(header::SET_COOKIE, set.parse().map_err(|_| AppError::BadRequest("cookie".into()))?);
    }
    Ok(response)
}

/// The device cookie: this browser has signed in to an account before (`throttle::remember_device`).
fn device_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-kindling_device" } else { "kindling_device" }
}

/// Sends someone whose password was right to the second step: the code form, or enrolment when they
/// must use two-factor sign-in and have not set it up. The step's token travels in a short-lived cookie.
pub(crate) async fn to_second_step(
    state: &AppState,
    user: UserId,
    enrol: bool,
    next: &str,
) -> Result<Response, AppError> {
    let token = accounts::start_second_factor(state.db(), user, now_ms()).await?;
    let secure = state.config().secure_cookies;
    let place = if enrol { "/sign-in/set-up-two-factor" } else { "/sign-in/two-factor" };
    let mut response =
        Redirect::to(&format!("{place}?next={}", crate::error::percent_encode(safe_next(next)))).into_response();
    let lifetime = kindling_domain::accounts::LinkPurpose::SecondFactor.valid_for_ms() / 1000;
    let set = cookie(second_step_cookie(secure), &token, lifetime, secure);
    response.headers_mut().append(header::SET_COOKIE, set.parse().map_err(|_| AppError::BadRequest("cookie".into()))?);
    Ok(response)
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CodeForm {
    #[serde(skip_serializing)]
    code: String,
    /// The new authenticator's secret while enrolling (Base32), carried in the form.
    secret: String,
    next: String,
}

/// Who is between their password and their code, from the second-step cookie.
async fn second_step(state: &AppState, headers: &HeaderMap) -> Result<Option<(String, UserId)>, AppError> {
    let Some(token) = read_cookie(headers, second_step_cookie(state.config().secure_cookies)) else { return Ok(None) };
    Ok(accounts::second_factor_user(state.db(), token, now_ms()).await?.map(|user| (token.to_owned(), user)))
}

fn start_again() -> Response {
    Redirect::to("/sign-in?notice=second-step-expired").into_response()
}

async fn render_code(
    state: &AppState,
    headers: &HeaderMap,
    form: &CodeForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (token, set) = anonymous_token(state, headers);
    let html = templates::render(
        "accounts/two_factor.html",
        page! { title => "Enter the code from your authenticator app", csrf_token => &token, form => form, errors => errors, field_errors => field_errors(errors), next => safe_next(&form.next) },
    )?;
    Ok(anonymous_page(html, status, set))
}

pub async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Result<Response, AppError> {
    if second_step(&state, &headers).await?.is_none() {
        return Ok(start_again());
    }
    let form = CodeForm { next: query.next, ..CodeForm::default() };
    render_code(&state, &headers, &form, &FieldErrors::new(), StatusCode::OK).await
}

/// The code (or a recovery code) for someone whose password was right.
pub async fn code_submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CodeForm>,
) -> Result<Response, AppError> {
    let Some((token, user)) = second_step(&state, &headers).await? else { return Ok(start_again()) };
    let now = now_ms();
    let mut errors = FieldErrors::new();
    // Codes are throttled like passwords, by person and by client.
    let key = format!("second-factor:{user}");
    let wait = throttle::wait_ms(state.db(), &key, &client, now).await?;
    if wait > 0 {
        errors.add(
            "code",
            format!("There have been too many wrong codes. Wait {} seconds, then try again.", (wait + 999) / 1000),
        );
        return render_code(&state, &headers, &form, &errors, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let typed = form.code.trim();
    let method = if typed.is_empty() {
        None
    } else if typed.chars().filter(char::is_ascii_digit).count() == 6 && typed.len() <= 8 {
        match accounts::totp_secret(state.db(), user).await? {
            Some((secret, last)) => {
                let secret = totp::base32_decode(&secret).unwrap_or_default();
                match totp::accept(&secret, typed, now, last) {
                    Some(step) if accounts::accept_totp_step(state.db(), user, step).await? => Some("password+totp"),
                    _ => None,
                }
            }
            None => None,
        }
    } else {
        let hash = accounts::code_hash(&totp::normalise_recovery_code(typed));
        accounts::use_recovery_code(state.db(), user, &hash, now).await?.then_some("password+recovery-code")
    };
    throttle::record(state.db(), &key, &client, method.is_some(), now).await?;
    let Some(method) = method else {
        errors.add(
            "code",
            if typed.is_empty() {
                "Enter the 6-digit code from your authenticator app"
            } else {
                "The code is not right. Enter the code your app shows now, or one of your recovery codes"
            },
        );
        return render_code(&state, &headers, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if accounts::finish_second_factor(state.db(), &token, now).await?.is_none() {
        return Ok(start_again());
    }
    let person = users::get(state.db(), user).await?.ok_or(AppError::NotFound)?;
    let origin = sessions::Origin {
        device: crate::auth::describe_device(&headers),
        place: client,
        method: method.into(),
        id_token_hint: None,
    };
    let mut response =
        crate::auth::establish_session(&state, user, person.home_organisation(), &origin, &form.next).await?;
    clear_second_step(&state, &mut response);
    Ok(response)
}

fn clear_second_step(state: &AppState, response: &mut Response) {
    let secure = state.config().secure_cookies;
    if let Ok(value) = cookie(second_step_cookie(secure), "", 0, secure).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Enrolment for someone who must use two-factor sign-in and has not set it up: a new secret shown as a
/// QR code and as text.
pub async fn enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Result<Response, AppError> {
    let Some((_, user)) = second_step(&state, &headers).await? else { return Ok(start_again()) };
    let mut secret = [0_u8; totp::SECRET_BYTES];
    getrandom::fill(&mut secret).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let form = CodeForm { next: query.next, secret: totp::base32_encode(&secret), ..CodeForm::default() };
    render_enrol(&state, &headers, user, &form, &FieldErrors::new(), StatusCode::OK).await
}

async fn render_enrol(
    state: &AppState,
    headers: &HeaderMap,
    user: UserId,
    form: &CodeForm,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let person = users::get(state.db(), user).await?.ok_or(AppError::NotFound)?;
    let enrolment = crate::account::Enrolment::new(state, &person, &form.secret).await?;
    let (token, set) = anonymous_token(state, headers);
    let html = templates::render(
        "accounts/enrol.html",
        page! { title => "Set up two-factor sign-in", csrf_token => &token, form => form, errors => errors, field_errors => field_errors(errors), next => safe_next(&form.next), enrolment => enrolment, action => "/sign-in/set-up-two-factor" },
    )?;
    Ok(anonymous_page(html, status, set))
}

/// The first code from the new authenticator: enrols it, signs the person in, and shows their recovery
/// codes once.
pub async fn enrol_submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CodeForm>,
) -> Result<Response, AppError> {
    let Some((token, user)) = second_step(&state, &headers).await? else { return Ok(start_again()) };
    let now = now_ms();
    let Some(secret) = totp::base32_decode(&form.secret).filter(|s| s.len() == totp::SECRET_BYTES) else {
        return Ok(start_again());
    };
    let Some(step) = totp::accept(&secret, &form.code, now, None) else {
        let mut errors = FieldErrors::new();
        errors.add("code", "The code is not right. Enter the 6-digit code your app shows now");
        return render_enrol(&state, &headers, user, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if accounts::finish_second_factor(state.db(), &token, now).await?.is_none() {
        return Ok(start_again());
    }
    let person = users::get(state.db(), user).await?.ok_or(AppError::NotFound)?;
    let codes = crate::account::enrol(&state, &person, person.home_organisation(), &form.secret, step).await?;
    let origin = sessions::Origin {
        device: crate::auth::describe_device(&headers),
        place: client,
        method: "password+totp".into(),
        id_token_hint: None,
    };
    let session = sessions::start(state.db(), user, person.home_organisation(), &origin, now).await?;
    let secure = state.config().secure_cookies;
    let html = templates::render(
        "accounts/recovery_codes.html",
        page! { title => "Save your recovery codes", codes => codes, next => safe_next(&form.next), signed_in => true },
    )?;
    let mut response = (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")], html).into_response();
    let set = cookie(session_cookie_name(secure), &session, sessions::SESSION_MS / 1000, secure);
    response.headers_mut().append(header::SET_COOKIE, set.parse().map_err(|_| AppError::BadRequest("cookie".into()))?);
    clear_second_step(&state, &mut response);
    Ok(response)
}

pub async fn sign_out(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    sessions::end(state.db(), &viewer.session_token, viewer.user.id, Some(viewer.organisation), now_ms()).await?;
    let secure = state.config().secure_cookies;
    // Signed in through a provider that offers it: sign out there too.
    let elsewhere = match &viewer.id_token_hint {
        Some(hint) => crate::sso::end_session_url(&state, hint).await,
        None => None,
    };
    let mut response = match elsewhere {
        Some(url) => Redirect::to(&url).into_response(),
        None => Redirect::to("/sign-in?notice=signed-out").into_response(),
    };
    let clear = cookie(session_cookie_name(secure), "", 0, secure);
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear.parse().map_err(|_| AppError::BadRequest("cookie".into()))?);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        for (next, want) in [
            ("/initiatives/3", "/initiatives/3"),
            ("/initiatives?stage=idea&page=2", "/initiatives?stage=idea&page=2"),
            ("//evil.example", "/"),
            ("https://evil.example", "/"),
            ("/\\evil", "/"),
            ("\\\\evil.example", "/"),
            // Issue 17: a tab (or a line break) between the slashes is dropped by browsers.
            ("/\t/evil.example/", "/"),
            ("/\n/evil.example/", "/"),
            ("/\r\n/evil.example", "/"),
            ("/ /evil.example", "/"),
            ("/\u{0}x", "/"),
            ("/\u{7f}", "/"),
            ("javascript:alert(1)", "/"),
            ("", "/"),
        ] {
            assert_eq!(safe_next(next), want, "{next:?}");
        }
    }
}
