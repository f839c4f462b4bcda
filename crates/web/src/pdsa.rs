//! PDSA cycle pages: plan a cycle (and mark a new phase on the measures it changes), then move it
//! through do, study and act.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::PdsaCycleId;
use kindling_domain::pdsa::{ActDecision, PdsaPlanForm, PdsaProgressForm};
use kindling_domain::validation::FieldErrors;
use kindling_store::initiatives::Initiative;
use kindling_store::measures;
use kindling_store::pdsa::{self, PdsaCycle};

use crate::auth::Viewer;
use crate::initiatives::{field_errors, load, may_edit, parse_id};
use crate::{AppError, AppState, now_ms, templates};

fn require_edit(viewer: &Viewer, item: &Initiative) -> Result<(), AppError> {
    crate::initiatives::require_edit(viewer, item, "run its PDSA cycles")
}

async fn render_plan(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    form: &PdsaPlanForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let measure_options: Vec<(String, String, bool)> =
        measures::for_initiative(state.db(), viewer.organisation, item.id)
            .await?
            .into_iter()
            .map(|m| {
                let id = m.id.get().to_string();
                let checked = form.phase_measures.contains(&id);
                (id, format!("{} ({})", m.draft.name, m.draft.kind.label().to_lowercase()), checked)
            })
            .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "pdsa/plan.html",
        page! { title => "Plan a PDSA cycle", section => "initiatives", viewer => viewer.view(), item => item, form => form, errors => errors, field_errors => field_errors(errors), measure_options => measure_options },
    )?;
    Ok((status, html).into_response())
}

pub async fn plan_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_edit(&viewer, &item)?;
    render_plan(&state, &viewer, &item, &PdsaPlanForm::default(), &FieldErrors::new()).await
}

/// The plan form has repeated checkboxes, which the standard form reader cannot collect into a list.
fn plan_from_pairs(pairs: Vec<(String, String)>) -> PdsaPlanForm {
    let mut form = PdsaPlanForm::default();
    for (key, value) in pairs {
        match key.as_str() {
            "change" => form.change = value,
            "prediction" => form.prediction = value,
            "starts_day" => form.starts_day = value,
            "starts_month" => form.starts_month = value,
            "starts_year" => form.starts_year = value,
            "phase_measure" => form.phase_measures.push(value),
            _ => {}
        }
    }
    form
}

pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_edit(&viewer, &item)?;
    let form = plan_from_pairs(pairs);
    let own: Vec<_> =
        measures::for_initiative(state.db(), viewer.organisation, item.id).await?.into_iter().map(|m| m.id).collect();
    match form.parse(|m| own.contains(&m)) {
        Err(errors) => render_plan(&state, &viewer, &item, &form, &errors).await,
        Ok(plan) => {
            let by = viewer.actor(now_ms());
            let cycle = pdsa::start(state.db(), by, item.id, &plan).await?.ok_or(AppError::NotFound)?;
            Ok(Redirect::to(&format!("/initiatives/{}/pdsa/{cycle}?notice=planned", item.id)).into_response())
        }
    }
}

async fn load_cycle(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    cycle: &str,
) -> Result<(Initiative, PdsaCycle), AppError> {
    let item = load(state, viewer, parse_id(id)?).await?;
    let cycle_id = cycle.parse::<i64>().ok().map(PdsaCycleId::new).ok_or(AppError::NotFound)?;
    let cycle = pdsa::for_initiative(state.db(), viewer.organisation, item.id)
        .await?
        .into_iter()
        .find(|c| c.id == cycle_id)
        .ok_or(AppError::NotFound)?;
    Ok((item, cycle))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CycleQuery {
    notice: String,
}

async fn render_cycle(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    cycle: &PdsaCycle,
    form: &PdsaProgressForm,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let phased: Vec<(i64, String)> = {
        let mut list = Vec::new();
        for m in measures::for_initiative(state.db(), viewer.organisation, item.id).await? {
            if measures::phases(state.db(), m.id).await?.iter().any(|p| p.pdsa_cycle == Some(cycle.id)) {
                list.push((m.id.get(), m.draft.name));
            }
        }
        list
    };
    let decisions: Vec<(&str, &str, Option<String>)> =
        ActDecision::ALL.iter().map(|d| (d.slug(), d.label(), None)).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "pdsa/show.html",
        page! { title => format!("PDSA cycle {}", cycle.number), section => "initiatives", viewer => viewer.view(), item => item, cycle => cycle, stage => cycle.stage.slug(), stage_label => cycle.stage.label(), starts_on => cycle.starts_on.long(), decision_label => cycle.decision.map(ActDecision::label), phased => phased, can_edit => may_edit(viewer, item), form => form, errors => errors, field_errors => field_errors(errors), decisions => decisions, notice => notice },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, cycle)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<CycleQuery>,
) -> Result<Response, AppError> {
    let (item, cycle) = load_cycle(&state, &viewer, &id, &cycle).await?;
    let notice = match query.notice.as_str() {
        "planned" => Some("The cycle is planned. Measures it changes start a new phase from its start date."),
        "progressed" => Some("The cycle has moved on."),
        _ => None,
    };
    render_cycle(&state, &viewer, &item, &cycle, &PdsaProgressForm::default(), &FieldErrors::new(), notice).await
}

pub async fn progress(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, cycle)): Path<(String, String)>,
    axum::Form(form): axum::Form<PdsaProgressForm>,
) -> Result<Response, AppError> {
    let (item, cycle) = load_cycle(&state, &viewer, &id, &cycle).await?;
    require_edit(&viewer, &item)?;
    match form.parse(cycle.stage) {
        Err(errors) => render_cycle(&state, &viewer, &item, &cycle, &form, &errors, None).await,
        Ok((to, step)) => {
            let by = viewer.actor(now_ms());
            if !pdsa::progress(state.db(), by, cycle.id, (cycle.stage, to), &step).await? {
                return Err(AppError::Conflict(
                    "Someone else moved this cycle on first. Reload the page to see where it is.".into(),
                ));
            }
            Ok(Redirect::to(&format!("/initiatives/{}/pdsa/{}?notice=progressed", item.id, cycle.id)).into_response())
        }
    }
}
