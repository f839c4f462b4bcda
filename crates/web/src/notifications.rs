//! The viewer's notifications, and how often they want them by email.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::notifications::Digest;
use kindling_store::notifications;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::{AppError, AppState, now_ms, templates};

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let items = notifications::list(state.db(), viewer.user.id, 100).await?;
    let digest = notifications::digest_preference(state.db(), viewer.user.id).await?;
    let html = templates::render(
        "notifications.html",
        page! { title => "Notifications", viewer => viewer.view(), items => items, digest => digest.label() },
    )?;
    Ok(html.into_response())
}

/// Marks every notification read.
pub async fn mark_all_read(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    notifications::mark_read(state.db(), viewer.user.id, None, now_ms()).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// Follows a notification: marks it read and goes to what it is about. Another person's notification
/// is not found.
pub async fn open(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let href = notifications::open(state.db(), viewer.user.id, id, now_ms()).await?.ok_or(AppError::NotFound)?;
    // Links are written by Kindling as paths; anything else goes back to the list.
    let next = if href.starts_with('/') && !href.starts_with("//") { href } else { "/notifications".into() };
    Ok(Redirect::to(&next).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DigestForm {
    digest: String,
}

pub async fn set_digest(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<DigestForm>,
) -> Result<Response, AppError> {
    let Ok(digest) = form.digest.parse::<Digest>() else {
        return Err(AppError::BadRequest("Choose how often to get the email digest.".into()));
    };
    notifications::set_digest_preference(state.db(), viewer.actor(now_ms()), digest).await?;
    Ok(Redirect::to("/account?notice=digest").into_response())
}
