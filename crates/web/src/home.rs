//! The home page: the viewer's organisation at a glance.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::initiatives::Stage;
use kindling_domain::paging::Page;
use kindling_store::initiatives::{self, Filter};
use serde::Serialize;

use crate::auth::Viewer;
use crate::{AppError, AppState, templates};

#[derive(Serialize)]
struct FunnelRow {
    stage: &'static str,
    count: i64,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct HomeQuery {
    notice: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Result<Viewer, AppError>,
    axum::extract::Query(query): axum::extract::Query<HomeQuery>,
) -> Result<Response, AppError> {
    let viewer = match viewer {
        Ok(viewer) => viewer,
        // An installation nobody can sign in to yet says how to set it up.
        Err(AppError::SignInRequired { .. }) if !kindling_store::accounts::is_set_up(state.db()).await? => {
            return Ok(crate::setup::instructions()?.into_response());
        }
        Err(e) => return Err(e),
    };
    // A patient partner's account opens only their spaces: that is their home.
    if viewer.is_partner() {
        return Ok(Redirect::to("/spaces").into_response());
    }
    let (recent, _) =
        initiatives::list(state.db(), viewer.organisation, &Filter::default(), Page::parse(None, 8)).await?;
    let funnel: Vec<FunnelRow> = initiatives::count_by_stage(state.db(), viewer.organisation)
        .await?
        .into_iter()
        .map(|(stage, count): (Stage, i64)| FunnelRow { stage: stage.slug(), count })
        .collect();
    Ok(templates::render(
        "home.html",
        page! { title => "Home", section => "home", viewer => viewer.view(), recent => recent, funnel => funnel, notice => query.notice },
    )?
    .into_response())
}
