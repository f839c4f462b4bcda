//! First run through the browser. On an empty database `kindling serve` prints a one-time setup token in
//! its log (never in a page); `/setup?token=…` then offers the same form as `kindling setup`: the first
//! organisation and its first administrator, who gets a one-time link to choose a password or sign in
//! with single sign-on. Without the token the page does not exist, and once set up it is gone (404).
//! Until then the home page says how to set up.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kindling_domain::people::Email;
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::accounts::{self, FirstRun};
use serde::{Deserialize, Serialize};

use crate::sign_in::{anonymous_page, anonymous_token};
use crate::{AppError, AppState, now_ms, templates};

/// The kinds of organisation the forms offer (the command line takes any text).
pub const ORGANISATION_KINDS: [&str; 7] = [
    "NHS trust",
    "Integrated care board",
    "Primary care network",
    "GP practice",
    "Local authority",
    "Care provider",
    "Other",
];

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SetupForm {
    token: String,
    organisation: String,
    kind: String,
    admin_email: String,
    admin_name: String,
}

/// Whether `token` is this server's setup token and the installation still needs setting up. Compared
/// in constant time; any other answer is a 404.
async fn may_set_up(state: &AppState, token: &str) -> Result<(), AppError> {
    let expected = state.config().setup_token.as_deref().unwrap_or("");
    let matches = !expected.is_empty()
        && token.len() == expected.len()
        && token.bytes().zip(expected.bytes()).fold(0_u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if !matches || accounts::is_set_up(state.db()).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    form: &SetupForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let (token, set) = anonymous_token(state, headers);
    let field_errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|e| (e.field, e.message.as_str())).collect();
    let kinds: Vec<(&str, &str)> =
        std::iter::once(("", "Choose a kind")).chain(ORGANISATION_KINDS.iter().map(|k| (*k, *k))).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "setup/form.html",
        page! { title => "Set up Kindling", csrf_token => &token, form => form, errors => errors, field_errors => field_errors, kinds => kinds },
    )?;
    Ok(anonymous_page(html, status, set))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupQuery {
    token: String,
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SetupQuery>,
) -> Result<Response, AppError> {
    may_set_up(&state, &query.token).await?;
    render(&state, &headers, &SetupForm { token: query.token, ..SetupForm::default() }, &FieldErrors::new()).await
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SetupForm>,
) -> Result<Response, AppError> {
    may_set_up(&state, &form.token).await?;
    let mut errors = FieldErrors::new();
    let organisation = required_text(&mut errors, "organisation", &form.organisation, "the organisation's name", 120);
    if !ORGANISATION_KINDS.contains(&form.kind.as_str()) {
        errors.add("kind", "Choose the kind of organisation");
    }
    let email = Email::parse(&form.admin_email).map_err(|e| errors.add("admin_email", e.to_string())).ok();
    let name = required_text(&mut errors, "admin_name", &form.admin_name, "the administrator's name", 120);
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return render(&state, &headers, &form, &errors).await;
    };
    let first = FirstRun { organisation: &organisation, kind: &form.kind, admin_email: &email, admin_name: &name };
    let Some(done) = accounts::setup(state.db(), &first, now_ms()).await? else {
        return Err(AppError::NotFound);
    };
    tracing::info!(organisation.id = %done.organisation, "Kindling set up from the setup page");
    let link = state.config().link(&format!("/set-password?token={}", done.token));
    let email_sent = crate::accounts::send_link_email(
        &state,
        &crate::accounts::LinkEmail {
            kind: "setup",
            subject: "Kindling is set up: choose your password".into(),
            to_name: &name,
            to_email: email.as_str(),
            link: link.clone(),
            organisation: &organisation,
            from_person: None,
        },
    )
    .await;
    let (token, set) = anonymous_token(&state, &headers);
    let html = templates::render(
        "setup/done.html",
        page! { title => "Kindling is set up", csrf_token => &token, link => link, email => email.as_str(), email_sent => email_sent, organisation => organisation },
    )?;
    Ok(anonymous_page(html, StatusCode::OK, set))
}

/// The home page of an installation not yet set up: how to set it up (the token is in the log only).
pub fn instructions() -> Result<axum::response::Html<String>, AppError> {
    templates::render("setup/instructions.html", page! { title => "Set up Kindling" })
}
