//! `/api/v1/…/measures`: an initiative's measures with what their data show, and adding data in bulk
//! (all or nothing, with a message per bad point).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kindling_domain::ids::MeasureId;
use kindling_domain::initiatives::CivilDate;
use kindling_domain::measures::{MeasureForm, Point};
use kindling_domain::permissions::{Action, allows};
use kindling_store::Actor;
use kindling_store::initiatives::{self, Initiative};
use kindling_store::measures::{self, Measure};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiJson, ApiUser, Problem};
use crate::{AppState, evidence, now_ms};

/// A measure and what its data show, by the Making Data Count rules.
#[derive(Serialize, ToSchema)]
pub struct MeasureDto {
    pub id: i64,
    pub initiative_id: i64,
    pub name: String,
    /// outcome, process or balancing.
    pub kind: String,
    pub category: String,
    /// value, proportion, rate, count or time-between.
    pub data_type: String,
    /// The chart used: run, xmr, p, pp, u, up, c, g or t.
    pub chart: String,
    pub chart_reason: Option<String>,
    /// increase, decrease or neither.
    pub direction: String,
    pub target: Option<f64>,
    pub unit: Option<String>,
    /// improvement, concern, change, no-change or too-few-points.
    pub signal: String,
    /// The plain-language verdict.
    pub verdict: String,
    /// The MDC variation icon (common_cause, improvement_high, …), if the chart has limits.
    pub variation: Option<String>,
    /// The MDC assurance icon (pass, fail, hit_and_miss), if there is a target and limits.
    pub assurance: Option<String>,
    pub points: usize,
}

#[derive(Serialize, ToSchema)]
pub struct MeasureList {
    pub items: Vec<MeasureDto>,
}

/// One period's data.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct PointDto {
    /// The first day of the period, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub period: String,
    /// The value, or the count for proportions and rates.
    pub value: f64,
    /// The total (proportions) or the exposure (rates).
    #[serde(default)]
    pub denominator: Option<f64>,
}

/// A measure with all its data.
#[derive(Serialize, ToSchema)]
pub struct MeasureDetail {
    pub measure: MeasureDto,
    pub data: Vec<PointDto>,
    /// Start dates of phase breaks (limits recalculated from each).
    pub phases: Vec<String>,
}

/// A new measure. Choices use the same names as the web form.
#[derive(Deserialize, ToSchema)]
pub struct MeasureInput {
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// Its role in the family of measures.
    #[schema(schema_with = super::schemas::measure_kind)]
    pub kind: String,
    #[schema(schema_with = super::schemas::measure_category)]
    pub category: String,
    /// What is counted or measured.
    #[schema(min_length = 1, max_length = 500)]
    pub numerator: String,
    /// Needed for proportions and rates.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub denominator: Option<String>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub inclusions: Option<String>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub exclusions: Option<String>,
    /// Where the data come from.
    #[schema(min_length = 1, max_length = 300)]
    pub source: String,
    #[schema(schema_with = super::schemas::frequency)]
    pub frequency: String,
    #[serde(default)]
    #[schema(max_length = 60)]
    pub unit: Option<String>,
    /// Which way is better.
    #[schema(schema_with = super::schemas::direction)]
    pub direction: String,
    #[serde(default)]
    pub target: Option<f64>,
    /// The shape of the data, from which the chart is chosen.
    #[schema(schema_with = super::schemas::data_type)]
    pub data_type: String,
    /// Omit for the recommended chart; another needs `chart_reason`.
    #[serde(default)]
    #[schema(schema_with = super::schemas::chart)]
    pub chart: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub chart_reason: Option<String>,
}

/// Points to add; a period already stored is replaced.
#[derive(Deserialize, ToSchema)]
pub struct PointsInput {
    #[schema(min_items = 1)]
    pub data: Vec<PointDto>,
}

fn dto(measure: &Measure, points: &[Point], phases: &[measures::Phase]) -> MeasureDto {
    let view = evidence::evaluate(measure, points, phases).view;
    let d = &measure.draft;
    MeasureDto {
        id: measure.id.get(),
        initiative_id: measure.initiative.get(),
        name: d.name.clone(),
        kind: d.kind.slug().into(),
        category: d.category.slug().into(),
        data_type: d.data_type.slug().into(),
        chart: d.chart().name().into(),
        chart_reason: d.chart_override.as_ref().map(|o| o.reason.clone()),
        direction: d.direction.slug().into(),
        target: d.target,
        unit: d.unit.clone(),
        signal: view.signal.slug().into(),
        verdict: view.verdict,
        variation: view.variation.map(Into::into),
        assurance: view.assurance.map(Into::into),
        points: points.len(),
    }
}

async fn full_dto(
    state: &AppState,
    measure: &Measure,
) -> Result<(MeasureDto, Vec<Point>, Vec<measures::Phase>), ApiError> {
    let points = measures::points(state.db(), measure.id).await?;
    let phases = measures::phases(state.db(), measure.id).await?;
    Ok((dto(measure, &points, &phases), points, phases))
}

async fn load_initiative(state: &AppState, who: &ApiUser, raw: &str) -> Result<Initiative, ApiError> {
    let id = raw.parse::<i64>().ok().filter(|i| *i > 0).map(kindling_domain::ids::InitiativeId::new);
    let id = id.ok_or_else(ApiError::not_found)?;
    initiatives::get(state.db(), who.organisation, id).await?.ok_or_else(ApiError::not_found)
}

async fn load_measure(state: &AppState, who: &ApiUser, raw: &str) -> Result<Measure, ApiError> {
    let id = raw.parse::<i64>().ok().filter(|i| *i > 0).map(MeasureId::new).ok_or_else(ApiError::not_found)?;
    measures::get(state.db(), who.organisation, id).await?.ok_or_else(ApiError::not_found)
}

fn require_edit(who: &ApiUser, item: &Initiative) -> Result<(), ApiError> {
    let standing = kindling_domain::initiatives::Standing {
        roles: who.roles.clone(),
        is_submitter: item.submitter.id == who.user.id,
        is_team_member: item.is_team_member(who.user.id),
    };
    if allows(&standing, Action::EditInitiative) && !item.stage.is_terminal() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Only the team, improvement leads and administrators can change an open initiative's measures.".into(),
        ))
    }
}

fn actor(who: &ApiUser) -> Actor {
    Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() }
}

/// An initiative's measures, each with its signal and verdict.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/measures", operation_id = "list_measures", tag = "measures", params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success", body = MeasureList), (status = 404, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MeasureList>, ApiError> {
    let item = load_initiative(&state, &who, &id).await?;
    let mut items = Vec::new();
    for m in measures::for_initiative(state.db(), who.organisation, item.id).await? {
        items.push(full_dto(&state, &m).await?.0);
    }
    Ok(Json(MeasureList { items }))
}

/// Add a measure to an initiative.
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/measures", operation_id = "create_measure", tag = "measures", request_body = MeasureInput, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 201, description = "Created", body = MeasureDto), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The request is not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MeasureInput>,
) -> Result<Response, ApiError> {
    let item = load_initiative(&state, &who, &id).await?;
    require_edit(&who, &item)?;
    let form = MeasureForm {
        name: input.name,
        kind: input.kind,
        category: input.category,
        numerator: input.numerator,
        denominator: input.denominator.unwrap_or_default(),
        inclusions: input.inclusions.unwrap_or_default(),
        exclusions: input.exclusions.unwrap_or_default(),
        source: input.source,
        frequency: input.frequency,
        unit: input.unit.unwrap_or_default(),
        direction: input.direction,
        target: input.target.map(|t| t.to_string()).unwrap_or_default(),
        data_type: input.data_type,
        chart: input.chart.unwrap_or_default(),
        chart_reason: input.chart_reason.unwrap_or_default(),
    };
    let draft = form.parse().map_err(|e| ApiError::validation(&e))?;
    let measure_id =
        measures::create(state.db(), actor(&who), item.id, &draft).await?.ok_or_else(ApiError::not_found)?;
    let measure = measures::get(state.db(), who.organisation, measure_id).await?.ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(full_dto(&state, &measure).await?.0)).into_response())
}

/// A measure with its data and phases.
#[utoipa::path(get, path = "/api/v1/measures/{id}", operation_id = "get_measure", tag = "measures", params(("id" = i64, Path, description = "Measure id")),
    responses((status = 200, description = "Success", body = MeasureDetail), (status = 404, description = "No such measure in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MeasureDetail>, ApiError> {
    let measure = load_measure(&state, &who, &id).await?;
    let (measure, points, phases) = full_dto(&state, &measure).await?;
    Ok(Json(MeasureDetail {
        measure,
        data: points
            .iter()
            .map(|p| PointDto { period: p.period.iso(), value: p.value, denominator: p.denominator })
            .collect(),
        phases: phases.iter().map(|p| p.starts_on.iso()).collect(),
    }))
}

/// Add data to a measure: every point is checked first, and if any is invalid nothing is stored and
/// each problem is named (`data[3].value`, …).
#[utoipa::path(post, path = "/api/v1/measures/{id}/data", operation_id = "add_measure_data", tag = "measures", request_body = PointsInput, params(("id" = i64, Path, description = "Measure id")),
    responses((status = 200, description = "Stored; the measure as it now stands", body = MeasureDto), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Nothing was stored; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn add_data(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PointsInput>,
) -> Result<Json<MeasureDto>, ApiError> {
    let measure = load_measure(&state, &who, &id).await?;
    let item =
        initiatives::get(state.db(), who.organisation, measure.initiative).await?.ok_or_else(ApiError::not_found)?;
    require_edit(&who, &item)?;
    // The same checks as a file import: the rows become CSV text and the one parser judges them.
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut points = Vec::with_capacity(input.data.len());
    let mut seen = std::collections::BTreeSet::new();
    for (k, p) in input.data.iter().enumerate() {
        match CivilDate::parse_iso(&p.period) {
            None => {
                problems.push((format!("data[{k}].period"), format!("{:?} is not a date like 2025-03-01", p.period)))
            }
            Some(period) if !seen.insert(period) => {
                problems.push((format!("data[{k}].period"), format!("{} appears twice", period.iso())))
            }
            Some(period) => points.push(Point { period, value: p.value, denominator: p.denominator }),
        }
    }
    if input.data.is_empty() {
        problems.push(("data".into(), "Send at least one point".into()));
    }
    if problems.is_empty() {
        let text: String = std::iter::once("period,value,denominator".to_owned())
            .chain(points.iter().map(|p| {
                format!("{},{},{}", p.period.iso(), p.value, p.denominator.map(|d| d.to_string()).unwrap_or_default())
            }))
            .collect::<Vec<_>>()
            .join("\n");
        if let Err(rows) = kindling_domain::measures::parse_points_csv(&text, measure.draft.data_type) {
            // Line 2 of the text is point 0.
            problems.extend(rows.into_iter().map(|row| (format!("data[{}]", row.line.saturating_sub(2)), row.message)));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    measures::add_points(state.db(), actor(&who), measure.id, &points, "the API").await?;
    Ok(Json(full_dto(&state, &measure).await?.0))
}
