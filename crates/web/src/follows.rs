//! Following a change, a topic or a saved search of the spread packages, and the list of what one
//! follows. What is followed arrives as notifications (and so in the digest), written by the store in
//! the transaction of each new adoption, package version or learning review.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::follows::{Followed, parse_search};
use kindling_domain::ids::InitiativeId;
use kindling_domain::initiatives::Tag;
use kindling_domain::validation::FieldErrors;
use kindling_store::follows;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::{AppError, AppState, now_ms, templates};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FollowForm {
    /// "change", "topic" or "search".
    kind: String,
    initiative: String,
    value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let followed = follows::list(state.db(), viewer.user.id).await?;
    let html = templates::render(
        "follows.html",
        page! { title => "What you follow", viewer => viewer.view(), followed => followed, notice => query.notice },
    )?;
    Ok(html.into_response())
}

/// Follows a change the viewer may read, a topic, or a search; a tampered form is refused.
pub async fn follow(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<FollowForm>,
) -> Result<Response, AppError> {
    let followed = match form.kind.as_str() {
        "change" => {
            let id = form.initiative.parse::<i64>().map(InitiativeId::new).map_err(|_| AppError::NotFound)?;
            // Only a change whose package or review the viewer can read: nothing else is told.
            let readable = kindling_store::packages::readable(state.db(), viewer.organisation, id).await?.is_some()
                || kindling_store::initiatives::get(state.db(), viewer.organisation, id).await?.is_some();
            if !readable {
                return Err(AppError::NotFound);
            }
            Followed::Change(id)
        }
        "topic" => Followed::Topic(Tag::parse(&form.value).map_err(AppError::BadRequest)?),
        "search" => match parse_search(&form.value) {
            Ok(words) => Followed::Search(words),
            // The library again, with what was typed and why it cannot be saved.
            Err(message) => {
                let mut errors = FieldErrors::new();
                errors.add("q", message);
                return crate::packages::render_library(&state, &viewer, &form.value, &errors).await;
            }
        },
        _ => return Err(AppError::BadRequest("Choose what to follow".into())),
    };
    follows::follow(state.db(), viewer.actor(now_ms()), &followed).await?;
    Ok(Redirect::to("/follows?notice=followed").into_response())
}

pub async fn unfollow(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    if !follows::unfollow(state.db(), viewer.actor(now_ms()), id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/follows?notice=removed").into_response())
}
