//! The viewer's account page: who they are, where, with which roles, and their API tokens.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::audit::AuditEvent;
use kindling_domain::ids::TokenId;
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::{audit, tokens};
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
) -> Result<Response, AppError> {
    let tokens = tokens::list(state.db(), viewer.user.id).await?;
    let roles: Vec<&str> = viewer.roles.iter().map(|r| r.label()).collect();
    let field_errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|e| (e.field, e.message.as_str())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "account.html",
        page! { title => "Your account", viewer => viewer.view(), user => &viewer.user, roles => roles, tokens => tokens, form => form, errors => errors, field_errors => field_errors, new_token => new_token },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    render(&state, &viewer, &TokenForm::default(), &FieldErrors::new(), None).await
}

async fn record(
    state: &AppState,
    viewer: &Viewer,
    action: &str,
    subject: String,
    summary: String,
) -> Result<(), AppError> {
    let mut tx = state.db().write().await?;
    let event = AuditEvent {
        at_ms: now_ms(),
        actor: Some(viewer.user.id),
        organisation: Some(viewer.organisation),
        action: action.into(),
        subject,
        summary,
    };
    audit::append(&mut tx, state.db().dialect(), &event).await?;
    tx.commit().await.map_err(kindling_store::StoreError::from)?;
    Ok(())
}

pub async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    let label = required_text(&mut errors, "label", &form.label, "a label", 80);
    if !errors.is_empty() {
        return render(&state, &viewer, &form, &errors, None).await;
    }
    let issued = tokens::issue(state.db(), viewer.user.id, &label, now_ms()).await?;
    record(&state, &viewer, "token.issued", format!("token:{}", issued.id), format!("API token \"{label}\" issued"))
        .await?;
    // Shown once, in this response only; reloading the page will not show it again.
    render(&state, &viewer, &TokenForm::default(), &FieldErrors::new(), Some(&issued.secret)).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = id.parse::<i64>().map(TokenId::new).map_err(|_| AppError::NotFound)?;
    if !tokens::revoke(state.db(), viewer.user.id, id, now_ms()).await? {
        return Err(AppError::NotFound);
    }
    record(&state, &viewer, "token.revoked", format!("token:{id}"), "API token revoked".into()).await?;
    Ok(Redirect::to("/account").into_response())
}
