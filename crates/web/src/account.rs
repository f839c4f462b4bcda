//! The viewer's account page: who they are, where, with which roles, and their API tokens.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::TokenId;
use kindling_domain::notifications::Digest;
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::tokens;
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::{AppError, AppState, now_ms, templates};

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TokenForm {
    label: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    form: &TokenForm,
    errors: &FieldErrors,
    new_token: Option<&str>,
    notice: &str,
) -> Result<Response, AppError> {
    let tokens = tokens::list(state.db(), viewer.user.id).await?;
    let digest = kindling_store::notifications::digest_preference(state.db(), viewer.user.id).await?;
    let digests: Vec<(&str, &str, Option<String>)> = Digest::ALL.iter().map(|d| (d.slug(), d.label(), None)).collect();
    let roles: Vec<&str> = viewer.roles.iter().map(|r| r.label()).collect();
    let field_errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|e| (e.field, e.message.as_str())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "account.html",
        page! { title => "Your account", viewer => viewer.view(), user => &viewer.user, roles => roles, tokens => tokens, form => form, errors => errors, field_errors => field_errors, new_token => new_token, digest => digest.slug(), digests => digests, notice => notice },
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
    render(&state, &viewer, &TokenForm::default(), &FieldErrors::new(), None, &query.notice).await
}

/// Token changes made on this page are made by the viewer, in their organisation.
fn audited(viewer: &Viewer) -> tokens::Audited {
    tokens::Audited { actor: Some(viewer.user.id), organisation: Some(viewer.organisation), now_ms: now_ms() }
}

pub async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let label = required_text(&mut errors, "label", &form.label, "a label", 80);
    if !errors.is_empty() {
        return render(&state, &viewer, &form, &errors, None, "").await;
    }
    let issued = tokens::issue(state.db(), viewer.user.id, &label, audited(&viewer)).await?;
    // Shown once, in this response only; reloading the page will not show it again.
    render(&state, &viewer, &TokenForm::default(), &FieldErrors::new(), Some(&issued.secret), "").await
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
    Ok(Redirect::to("/account").into_response())
}
