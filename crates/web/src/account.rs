//! The viewer's account page: who they are, where, with which roles; their password; two-factor sign-in
//! (enrol, new recovery codes, remove); the sessions they have open (end any of them); and their API
//! tokens (scope, expiry, last use).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::accounts::{MAX_TOKEN_DAYS, TokenScope, check_new_password, totp};
use kindling_domain::ids::{OrganisationId, TokenId};
use kindling_domain::notifications::Digest;
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::secrets::{hash_password, verify_password};
use kindling_store::users::User;
use kindling_store::{accounts, orgs, sessions, tokens};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::{AppError, AppState, now_ms, templates};

/// What the page's forms hold when one of them is refused.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AccountForms {
    label: String,
    scope: String,
    days: String,
    /// Which form was refused, so its errors show beside it.
    form: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    forms: &AccountForms,
    errors: &FieldErrors,
    new_token: Option<&str>,
    notice: &str,
) -> Result<Response, AppError> {
    let now = now_ms();
    let tokens = tokens::list(state.db(), viewer.user.id).await?;
    let digest = kindling_store::notifications::digest_preference(state.db(), viewer.user.id).await?;
    let digests: Vec<(&str, &str, Option<String>)> = Digest::ALL.iter().map(|d| (d.slug(), d.label(), None)).collect();
    let roles: Vec<&str> = viewer.roles.iter().map(|r| r.label()).collect();
    let field_errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|e| (e.field, e.message.as_str())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let open_sessions = sessions::list(state.db(), viewer.user.id, now).await?;
    let policy = orgs::sign_in_policy(state.db(), viewer.organisation).await?;
    let codes_left = accounts::recovery_codes_left(state.db(), viewer.user.id).await?;
    let scopes: Vec<(&str, &str, Option<String>)> =
        TokenScope::ALL.iter().map(|s| (s.slug(), s.label(), None)).collect();
    let html = templates::render(
        "account.html",
        page! { title => "Your account", viewer => viewer.view(), user => &viewer.user, roles => roles, tokens => tokens, forms => forms, errors => errors, field_errors => field_errors, new_token => new_token, digest => digest.slug(), digests => digests, notice => notice, sessions => open_sessions, this_session => &viewer.session_id, two_factor_required => policy.two_factor.requires(&viewer.roles), passwords_allowed => policy.passwords_allowed, codes_left => codes_left, scopes => scopes, now => now },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AccountQuery {
    notice: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AccountQuery>,
) -> Result<Response, AppError> {
    render(&state, &viewer, &AccountForms::default(), &FieldErrors::new(), None, &query.notice).await
}

/// Token changes made on this page are made by the viewer, in their organisation.
fn audited(viewer: &Viewer) -> tokens::Audited {
    tokens::Audited { actor: Some(viewer.user.id), organisation: Some(viewer.organisation), now_ms: now_ms() }
}

pub async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(forms): axum::Form<AccountForms>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let label = required_text(&mut errors, "label", &forms.label, "a label", 80);
    let scope = forms.scope.parse::<TokenScope>().ok();
    if scope.is_none() {
        errors.add("scope", "Select what the token may do");
    }
    let days = match forms.days.trim() {
        "" => Some(90),
        raw => raw.parse::<i64>().ok().filter(|d| (1..=MAX_TOKEN_DAYS).contains(d)),
    };
    if days.is_none() {
        errors.add("days", format!("Enter how many days the token lasts, from 1 to {MAX_TOKEN_DAYS}"));
    }
    let (Some(scope), Some(days)) = (scope, days) else {
        let forms = AccountForms { form: "token".into(), ..forms };
        return render(&state, &viewer, &forms, &errors, None, "").await;
    };
    if !errors.is_empty() {
        let forms = AccountForms { form: "token".into(), ..forms };
        return render(&state, &viewer, &forms, &errors, None, "").await;
    }
    let grant = tokens::Grant { scope, expires_ms: Some(now_ms() + days * 24 * 60 * 60 * 1000) };
    let issued = tokens::issue(state.db(), viewer.user.id, &label, grant, audited(&viewer)).await?;
    // Shown once, in this response only; reloading the page will not show it again.
    render(&state, &viewer, &AccountForms::default(), &FieldErrors::new(), Some(&issued.secret), "").await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = id.parse::<i64>().map(TokenId::new).map_err(|_| AppError::NotFound)?;
    if !tokens::revoke(state.db(), viewer.user.id, id, audited(&viewer)).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/account?notice=token-revoked").into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
}

/// Changing a password needs the current one; every other session of the person ends.
pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let stored = accounts::password_hash(state.db(), viewer.user.id).await?.unwrap_or_default();
    let current = form.current.clone();
    let right = tokio::task::spawn_blocking(move || verify_password(&current, &stored)).await.unwrap_or(false);
    if !right {
        errors.add("current", "Enter your current password");
    }
    if let Err(problem) = check_new_password(&form.password, &form.confirm, &viewer.user.email) {
        let field =
            if problem == kindling_domain::accounts::PasswordProblem::Mismatch { "confirm" } else { "password" };
        errors.add(field, problem.to_string());
    }
    if !errors.is_empty() {
        let forms = AccountForms { form: "password".into(), ..AccountForms::default() };
        return render(&state, &viewer, &forms, &errors, None, "").await;
    }
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    accounts::change_password(
        state.db(),
        viewer.user.id,
        Some(viewer.organisation),
        &hash,
        &viewer.session_id,
        now_ms(),
    )
    .await?;
    Ok(Redirect::to("/account?notice=password-changed").into_response())
}

/// Ends one of the viewer's sessions (this one too, if they choose it).
pub async fn end_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if !sessions::end_by_id(state.db(), viewer.user.id, &id, Some(viewer.organisation), now_ms()).await? {
        return Err(AppError::NotFound);
    }
    if id == viewer.session_id {
        return Ok(Redirect::to("/sign-in?notice=signed-out").into_response());
    }
    Ok(Redirect::to("/account?notice=session-ended#sessions").into_response())
}

/// What the enrolment page shows: the QR code, the secret as text for typing in, and the account name.
#[derive(Debug, Serialize)]
pub struct Enrolment {
    pub qr: String,
    /// The secret in groups of four, easier to type.
    pub secret_grouped: String,
    pub account: String,
    pub issuer: String,
}

impl Enrolment {
    pub async fn new(state: &AppState, person: &User, secret_base32: &str) -> Result<Self, AppError> {
        let organisation = match person.home_organisation() {
            Some(o) => orgs::organisation(state.db(), o).await?.map(|o| o.name),
            None => None,
        };
        let issuer = match organisation {
            Some(name) => format!("Kindling ({name})"),
            None => "Kindling".to_owned(),
        };
        let secret = totp::base32_decode(secret_base32).unwrap_or_default();
        let uri = totp::otpauth_uri(&secret, &issuer, &person.email);
        let qr = crate::qr::svg(&uri, 200, "QR code to scan with your authenticator app")
            .ok_or_else(|| AppError::BadRequest("The enrolment code could not be drawn.".into()))?;
        let grouped = secret_base32
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Self { qr, secret_grouped: grouped, account: person.email.clone(), issuer })
    }
}

/// Enrols an authenticator whose first code was right, with ten new recovery codes, which are returned
/// (to be shown once) and stored hashed.
pub async fn enrol(
    state: &AppState,
    person: &User,
    organisation: Option<OrganisationId>,
    secret_base32: &str,
    step: i64,
) -> Result<Vec<String>, AppError> {
    let codes = new_recovery_codes()?;
    let hashes: Vec<String> = codes.iter().map(|c| accounts::code_hash(&totp::normalise_recovery_code(c))).collect();
    accounts::enrol_totp(state.db(), person.id, organisation, secret_base32, step, &hashes, now_ms()).await?;
    Ok(codes)
}

fn new_recovery_codes() -> Result<Vec<String>, AppError> {
    (0..totp::RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0_u8; 5];
            getrandom::fill(&mut bytes).map_err(|e| AppError::BadRequest(e.to_string()))?;
            Ok(totp::recovery_code(bytes))
        })
        .collect()
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct EnrolForm {
    #[serde(skip_serializing)]
    code: String,
    secret: String,
}

async fn render_enrol(
    state: &AppState,
    viewer: &Viewer,
    form: &EnrolForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let enrolment = Enrolment::new(state, &viewer.user, &form.secret).await?;
    let field_errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|e| (e.field, e.message.as_str())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "accounts/enrol.html",
        page! { title => "Set up two-factor sign-in", viewer => viewer.view(), csrf_token => &viewer.csrf_token, form => form, errors => errors, field_errors => field_errors, enrolment => enrolment, action => "/account/two-factor", next => "/account" },
    )?;
    Ok((status, html).into_response())
}

/// A signed-in person sets up (or replaces) their authenticator.
pub async fn two_factor_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let mut secret = [0_u8; totp::SECRET_BYTES];
    getrandom::fill(&mut secret).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let form = EnrolForm { secret: totp::base32_encode(&secret), ..EnrolForm::default() };
    render_enrol(&state, &viewer, &form, &FieldErrors::new()).await
}

pub async fn two_factor_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<EnrolForm>,
) -> Result<Response, AppError> {
    let secret = totp::base32_decode(&form.secret).filter(|s| s.len() == totp::SECRET_BYTES);
    let step = secret.as_deref().and_then(|s| totp::accept(s, &form.code, now_ms(), None));
    let Some(step) = step else {
        let mut errors = FieldErrors::new();
        errors.add("code", "The code is not right. Enter the 6-digit code your app shows now");
        return render_enrol(&state, &viewer, &form, &errors).await;
    };
    let codes = enrol(&state, &viewer.user, Some(viewer.organisation), &form.secret, step).await?;
    let html = templates::render(
        "accounts/recovery_codes.html",
        page! { title => "Save your recovery codes", viewer => viewer.view(), codes => codes, next => "/account", signed_in => true },
    )?;
    Ok((StatusCode::OK, [(axum::http::header::CACHE_CONTROL, "no-store")], html).into_response())
}

/// Removes the viewer's authenticator, unless their organisation requires it of them.
pub async fn two_factor_remove(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let policy = orgs::sign_in_policy(state.db(), viewer.organisation).await?;
    if policy.two_factor.requires(&viewer.roles) {
        return Err(AppError::Forbidden(
            "Your organisation requires two-factor sign-in for you. To use a new phone, set up two-factor sign-in again instead.".into(),
        ));
    }
    accounts::remove_totp(state.db(), viewer.user.id, viewer.user.id, Some(viewer.organisation), now_ms()).await?;
    Ok(Redirect::to("/account?notice=two-factor-removed").into_response())
}
