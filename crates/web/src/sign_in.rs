//! Signing in and out: email and password checked against an argon2id hash, attempts throttled, and a
//! fresh server-side session on success.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::people::Email;
use kindling_domain::validation::FieldErrors;
use kindling_store::secrets::{dummy_password_hash, random_token, verify_password};
use kindling_store::{sessions, throttle, users};
use serde::{Deserialize, Serialize};

use crate::auth::{ClientAddr, Viewer, anonymous_csrf, cookie, csrf_cookie_name, session_cookie_name};
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
}

/// Only same-site paths are followed after sign-in, so a crafted link cannot bounce someone elsewhere.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") { next } else { "/" }
}

fn render(
    state: &AppState,
    headers: &HeaderMap,
    form: &SignInForm,
    errors: &FieldErrors,
    status: axum::http::StatusCode,
) -> Response {
    let secure = state.config().secure_cookies;
    // Reuse the visitor's double-submit token if they already have one, so two open tabs both work.
    let existing = anonymous_csrf(headers, secure).map(str::to_owned);
    let token = existing.clone().unwrap_or_else(random_token);
    let field_errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|e| (e.field, e.message.as_str())).collect();
    let page = templates::render(
        "sign_in.html",
        page! { title => "Sign in", csrf_token => &token, form => form, errors => errors, field_errors => field_errors, next => safe_next(&form.next), demo => state.config().demo },
    );
    match page {
        Ok(html) => {
            let mut response = (status, html).into_response();
            if existing.is_none() {
                let set = cookie(csrf_cookie_name(secure), &token, 2 * 60 * 60, secure);
                if let Ok(value) = set.parse() {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

pub async fn form(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<SignInQuery>) -> Response {
    let form = SignInForm { next: query.next, ..SignInForm::default() };
    render(&state, &headers, &form, &FieldErrors::new(), axum::http::StatusCode::OK)
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
        return Ok(render(&state, &headers, &form, &errors, axum::http::StatusCode::UNPROCESSABLE_ENTITY));
    };
    let now = now_ms();
    if throttle::is_locked(state.db(), email.as_str(), &client, now).await? {
        tracing::warn!(client = %client, "sign-in throttled");
        errors.add("email", "There have been too many attempts to sign in. Wait 15 minutes, then try again.");
        return Ok(render(&state, &headers, &form, &errors, axum::http::StatusCode::TOO_MANY_REQUESTS));
    }
    let credentials = users::credentials(state.db(), &email).await?;
    let stored = credentials.as_ref().map_or_else(|| dummy_password_hash().to_owned(), |(_, hash)| hash.clone());
    let password = form.password.clone();
    // Argon2 is deliberately slow; keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.unwrap_or(false);
    let user = credentials.filter(|_| matches).map(|(id, _)| id);
    throttle::record(state.db(), email.as_str(), &client, user.is_some(), now).await?;
    let Some(user) = user else {
        errors.add("email", "Enter a correct email address and password");
        return Ok(render(&state, &headers, &form, &errors, axum::http::StatusCode::UNPROCESSABLE_ENTITY));
    };
    let organisation = users::get(state.db(), user).await?.and_then(|u| u.home_organisation());
    let token = sessions::start(state.db(), user, organisation, now).await?;
    tracing::info!(user.id = %user, "signed in");
    let secure = state.config().secure_cookies;
    let mut response = Redirect::to(safe_next(&form.next)).into_response();
    let set = cookie(session_cookie_name(secure), &token, sessions::SESSION_MS / 1000, secure);
    response.headers_mut().append(header::SET_COOKIE, set.parse().map_err(|_| AppError::BadRequest("cookie".into()))?);
    Ok(response)
}

pub async fn sign_out(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    sessions::end(state.db(), &viewer.session_token, viewer.user.id, Some(viewer.organisation), now_ms()).await?;
    let secure = state.config().secure_cookies;
    let mut response = Redirect::to("/sign-in").into_response();
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
            ("//evil.example", "/"),
            ("https://evil.example", "/"),
            ("/\\evil", "/"),
            ("", "/"),
        ] {
            assert_eq!(safe_next(next), want, "{next}");
        }
    }
}
