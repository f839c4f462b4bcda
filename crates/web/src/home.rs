//! The home page: the viewer's organisation at a glance.

use axum::extract::State;
use axum::response::Html;
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

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, AppError> {
    let (recent, _) =
        initiatives::list(state.db(), viewer.organisation, &Filter::default(), Page::parse(None, 8)).await?;
    let funnel: Vec<FunnelRow> = initiatives::count_by_stage(state.db(), viewer.organisation)
        .await?
        .into_iter()
        .map(|(stage, count): (Stage, i64)| FunnelRow { stage: stage.slug(), count })
        .collect();
    templates::render(
        "home.html",
        page! { title => "Home", section => "home", viewer => viewer.view(), recent => recent, funnel => funnel },
    )
}
