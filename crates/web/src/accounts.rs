//! The pages of an account's life before sign-in: choosing a password at a one-time link (setup,
//! invitation, reset), asking for a reset, and the emails that carry those links, sent at once (not in
//! the digest), as plain text with an HTML alternative in the NHS style.
//!
//! Every answer about an email address is the same whether or not it has an account.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::accounts::{LinkPurpose, PasswordProblem, check_new_password};
use kindling_domain::people::Email;
use kindling_domain::validation::FieldErrors;
use kindling_store::accounts::{self, LinkCheck};
use kindling_store::secrets::hash_password;
use kindling_store::{orgs, sessions, throttle, users};
use serde::{Deserialize, Serialize};

use crate::auth::ClientAddr;
use crate::sign_in::{anonymous_page, anonymous_token};
use crate::{AppError, AppState, now_ms, templates};

/// An email with a one-time link, rendered from `email/<kind>.txt` and `email/<kind>.html`.
pub(crate) struct LinkEmail<'a> {
    pub kind: &'static str,
    pub subject: String,
    pub to_name: &'a str,
    pub to_email: &'a str,
    pub link: String,
    pub organisation: &'a str,
    /// Who invited them, for invitations.
    pub from_person: Option<&'a str>,
}

/// Sends a link email at once; `false` (and the reason logged) when no transport is configured or it
/// failed, so the page can offer the link to copy instead.
pub(crate) async fn send_link_email(state: &AppState, email: &LinkEmail<'_>) -> bool {
    let Some(mailer) = &state.config().mailer else {
        tracing::info!(
            kind = email.kind,
            "no mail transport configured: the link is shown to the administrator instead"
        );
        return false;
    };
    let context = minijinja::context! {
        name => email.to_name, link => &email.link, organisation => email.organisation, from_person => email.from_person,
        valid_for => match email.kind { "reset" => "1 hour", "setup" => "24 hours", _ => "7 days" },
    };
    let rendered = templates::render_text(&format!("email/{}.txt", email.kind), &context)
        .and_then(|text| templates::render(&format!("email/{}.html", email.kind), &context).map(|html| (text, html.0)));
    let (text, html) = match rendered {
        Ok(pair) => pair,
        Err(e) => {
            tracing::error!(error = %e, kind = email.kind, "email did not render");
            return false;
        }
    };
    let outgoing = kindling_mail::Outgoing {
        to_name: email.to_name.to_owned(),
        to_email: email.to_email.to_owned(),
        subject: email.subject.clone(),
        text,
        html: Some(html),
        file_stem: format!("{}-{}-{}", now_ms(), email.kind, email.to_email.replace(['@', '/', '\\'], "_")),
    };
    match mailer.send(&outgoing).await {
        Ok(()) => {
            tracing::info!(kind = email.kind, "email sent");
            true
        }
        Err(e) => {
            tracing::warn!(kind = email.kind, error = %e, "email not sent");
            false
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LinkForm {
    token: String,
    #[serde(skip_serializing)]
    password: String,
    #[serde(skip_serializing)]
    confirm: String,
}

/// What a link page says when the link cannot be used, and what to do.
fn link_problem(check: &LinkCheck) -> Response {
    let (title, message) = match check {
        LinkCheck::Expired => (
            "This link has expired",
            "For your security, links stop working after a while. Ask your Kindling administrator to send a new invitation, or ask for a new password reset link.",
        ),
        LinkCheck::Used => (
            "This link has already been used",
            "Each link works once. If you have set your password, sign in. If you did not use this link, tell your Kindling administrator.",
        ),
        LinkCheck::Revoked => (
            "This link has been cancelled",
            "A newer link may have been sent to you: use the most recent email. Otherwise ask your Kindling administrator.",
        ),
        LinkCheck::Unknown | LinkCheck::Valid(_) => (
            "This link is not valid",
            "Check that you copied the whole link from the email. If it still does not work, ask for a new one.",
        ),
    };
    let status = if matches!(check, LinkCheck::Unknown) { StatusCode::NOT_FOUND } else { StatusCode::GONE };
    (
        status,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        templates::render_error(status.as_u16(), title, message),
    )
        .into_response()
}

const LINK_PURPOSES: [LinkPurpose; 3] = [LinkPurpose::Setup, LinkPurpose::Invitation, LinkPurpose::Reset];

async fn render_link(
    state: &AppState,
    headers: &HeaderMap,
    link: &accounts::Link,
    form: &LinkForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let person = match link.user {
        Some(user) => users::get(state.db(), user).await?,
        None => None,
    };
    let Some(person) = person else { return Ok(link_problem(&LinkCheck::Unknown)) };
    let organisation = match link.organisation.or(person.home_organisation()) {
        Some(o) => orgs::organisation(state.db(), o).await?.map(|o| o.name).unwrap_or_default(),
        None => String::new(),
    };
    let providers: Vec<(String, String)> = crate::sso::providers(state)
        .await?
        .into_iter()
        .filter(|p| p.organisation.is_none_or(|o| person.is_member_of(o)))
        .map(|p| (p.key, p.label))
        .collect();
    let (token, set) = anonymous_token(state, headers);
    let field_errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|e| (e.field, e.message.as_str())).collect();
    let title =
        if link.purpose == LinkPurpose::Reset { "Choose a new password" } else { "Set up your Kindling account" };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "accounts/set_password.html",
        page! { title => title, csrf_token => &token, form => form, errors => errors, field_errors => field_errors, person => &person, organisation => organisation, purpose => link.purpose.slug(), providers => providers, min_chars => kindling_domain::accounts::MIN_PASSWORD_CHARS },
    )?;
    Ok(anonymous_page(html, status, set))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    token: String,
}

pub async fn set_password_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Result<Response, AppError> {
    match accounts::check_link(state.db(), &query.token, &LINK_PURPOSES, now_ms()).await? {
        LinkCheck::Valid(link) => {
            let form = LinkForm { token: query.token, ..LinkForm::default() };
            render_link(&state, &headers, &link, &form, &FieldErrors::new()).await
        }
        other => {
            tracing::info!(outcome = ?other, "one-time link refused");
            Ok(link_problem(&other))
        }
    }
}

/// Sets the password and signs the person in (through two-factor enrolment when it is required of them).
pub async fn set_password_submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LinkForm>,
) -> Result<Response, AppError> {
    let now = now_ms();
    let link = match accounts::check_link(state.db(), &form.token, &LINK_PURPOSES, now).await? {
        LinkCheck::Valid(link) => link,
        other => return Ok(link_problem(&other)),
    };
    let Some(person) = (match link.user {
        Some(user) => users::get(state.db(), user).await?,
        None => None,
    }) else {
        return Ok(link_problem(&LinkCheck::Unknown));
    };
    let mut errors = FieldErrors::new();
    if let Err(problem) = check_new_password(&form.password, &form.confirm, &person.email) {
        errors.add(if problem == PasswordProblem::Mismatch { "confirm" } else { "password" }, problem.to_string());
        return render_link(&state, &headers, &link, &form, &errors).await;
    }
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let Some(user) = accounts::set_password_with_link(state.db(), &form.token, &hash, now).await? else {
        // Someone else used the link a moment ago.
        return Ok(link_problem(&LinkCheck::Used));
    };
    let person = users::get(state.db(), user).await?.ok_or(AppError::NotFound)?;
    let organisation = link.organisation.filter(|o| person.is_member_of(*o)).or(person.home_organisation());
    let policy = match organisation {
        Some(o) => orgs::sign_in_policy(state.db(), o).await?,
        None => orgs::SignInPolicy {
            two_factor: kindling_domain::accounts::TwoFactorPolicy::Administrators,
            passwords_allowed: true,
        },
    };
    let roles = organisation.map(|o| person.roles_in(o)).unwrap_or_default();
    if person.two_factor || policy.two_factor.requires(&roles) {
        // The second step: enrol now (or give a code), exactly as at sign-in.
        return crate::sign_in::to_second_step(&state, user, !person.two_factor, "/").await;
    }
    let origin = sessions::Origin {
        device: crate::auth::describe_device(&headers),
        place: client,
        method: "password".into(),
        id_token_hint: None,
    };
    crate::auth::establish_session(&state, user, organisation, &origin, "/?notice=welcome").await
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

pub async fn forgot_form(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    render_forgot(&state, &headers, &ForgotForm::default(), &FieldErrors::new(), false).await
}

async fn render_forgot(
    state: &AppState,
    headers: &HeaderMap,
    form: &ForgotForm,
    errors: &FieldErrors,
    sent: bool,
) -> Result<Response, AppError> {
    let (token, set) = anonymous_token(state, headers);
    let field_errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|e| (e.field, e.message.as_str())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "accounts/forgot.html",
        page! { title => if sent { "Check your email" } else { "Reset your password" }, csrf_token => &token, form => form, errors => errors, field_errors => field_errors, sent => sent },
    )?;
    Ok(anonymous_page(html, status, set))
}

/// Sends a reset link if the address has an active account; the answer is the same either way, and
/// requests are throttled per address and client so nobody can flood an inbox.
pub async fn forgot_submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ForgotForm>,
) -> Result<Response, AppError> {
    let email = match Email::parse(&form.email) {
        Ok(email) => email,
        Err(e) => {
            let mut errors = FieldErrors::new();
            errors.add("email", e.to_string());
            return render_forgot(&state, &headers, &form, &errors, false).await;
        }
    };
    let now = now_ms();
    let key = format!("reset:{email}");
    if throttle::wait_ms(state.db(), &key, &client, now).await? > 0 {
        tracing::warn!(client = %client, "password reset requests throttled");
    } else {
        // Each request counts towards the limit, whatever its outcome.
        throttle::record(state.db(), &key, &client, false, now).await?;
        if let Some((person, token)) = accounts::request_reset(state.db(), &email, now).await? {
            let organisation = match person.home_organisation() {
                Some(o) => orgs::organisation(state.db(), o).await?.map(|o| o.name).unwrap_or_default(),
                None => String::new(),
            };
            let link = state.config().link(&format!("/set-password?token={token}"));
            let email = LinkEmail {
                kind: "reset",
                subject: "Reset your Kindling password".into(),
                to_name: &person.name,
                to_email: &person.email,
                link,
                organisation: &organisation,
                from_person: None,
            };
            send_link_email(&state, &email).await;
        }
    }
    Ok(Redirect::to(&format!("/password/forgot/sent?email={}", crate::error::percent_encode(email.as_str())))
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SentQuery {
    email: String,
}

pub async fn forgot_sent(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SentQuery>,
) -> Result<Response, AppError> {
    render_forgot(&state, &headers, &ForgotForm { email: query.email }, &FieldErrors::new(), true).await
}
