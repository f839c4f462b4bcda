//! The organisation dashboard: the portfolio by stage, and the SPC summary of every measure (variation
//! and assurance icons, last value, target), filterable. Everything is computed from three queries.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use kindling_domain::measures::{MeasureCategory, MeasureKind, Signal};
use kindling_store::{initiatives, measures};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::evidence::{self, MeasureView};
use crate::{AppError, AppState, templates};

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Filters {
    kind: String,
    category: String,
    signal: String,
}

#[derive(Serialize)]
struct Row {
    initiative_id: i64,
    initiative_title: String,
    initiative_stage: &'static str,
    m: MeasureView,
}

/// The SPC summary rows, filtered, for the page and for the performance test.
pub async fn rows(state: &AppState, viewer: &Viewer, filters: &Filters) -> Result<Vec<impl Serialize>, AppError> {
    let organisation = viewer.organisation;
    let (all, mut points, mut phases) = (
        measures::for_organisation(state.db(), organisation).await?,
        measures::points_for_organisation(state.db(), organisation).await?,
        measures::phases_for_organisation(state.db(), organisation).await?,
    );
    let kind = filters.kind.parse::<MeasureKind>().ok();
    let category = filters.category.parse::<MeasureCategory>().ok();
    let mut rows = Vec::new();
    for item in all {
        let m = &item.measure;
        if kind.is_some_and(|k| k != m.draft.kind) || category.is_some_and(|c| c != m.draft.category) {
            continue;
        }
        let view =
            evidence::evaluate(m, &points.remove(&m.id).unwrap_or_default(), &phases.remove(&m.id).unwrap_or_default())
                .view;
        if !filters.signal.is_empty() && view.signal.slug() != filters.signal {
            continue;
        }
        rows.push(Row {
            initiative_id: m.initiative.get(),
            initiative_title: item.initiative_title,
            initiative_stage: item.initiative_stage.label(),
            m: view,
        });
    }
    Ok(rows)
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &viewer, &filters).await?;
    let funnel = initiatives::count_by_stage(state.db(), viewer.organisation).await?;
    let largest = funnel.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let funnel: Vec<(&str, i64, i64)> = funnel.iter().map(|(s, n)| (s.label(), *n, n * 100 / largest)).collect();
    let any = |label: &str| (String::new(), label.to_owned());
    let kinds: Vec<(String, String)> = std::iter::once(any("Any type"))
        .chain(MeasureKind::ALL.iter().map(|k| (k.slug().to_owned(), k.label().to_owned())))
        .collect();
    let categories: Vec<(String, String)> = std::iter::once(any("Any category"))
        .chain(MeasureCategory::ALL.iter().map(|c| (c.slug().to_owned(), c.label().to_owned())))
        .collect();
    let signals: Vec<(String, String)> = std::iter::once(any("Any signal"))
        .chain(Signal::ALL.iter().map(|s| (s.slug().to_owned(), s.label().to_owned())))
        .collect();
    Ok(templates::render(
        "dashboard.html",
        page! { title => "Dashboard", section => "dashboard", viewer => viewer.view(), rows => rows, funnel => funnel, filters => &filters, kinds => kinds, categories => categories, signals => signals },
    )?
    .into_response())
}
