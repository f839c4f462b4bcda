//! `/api/v1/…`: learning reviews and the library's search, with the same screening and visibility
//! rules as the pages.

use axum::Json;
use axum::extract::{Path, State};
use kindling_domain::learning::ReviewForm;
use kindling_store::Actor;
use kindling_store::learning::{self, Review};
use kindling_store::search::{self, Filters, Kind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, ApiJson, ApiQuery, ApiUser, Problem};
use crate::{AppState, now_ms};

/// A learning review as written (and, for input, as to be written).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ReviewDto {
    #[schema(min_length = 1, max_length = 5000)]
    pub expected: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub happened: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub why_differ: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub keep: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub change: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub went_well: Option<String>,
    /// Who may read it: the team, the organisation or the whole hub.
    #[schema(schema_with = super::schemas::visibility)]
    pub visibility: String,
}

/// A stored review with where it comes from.
#[derive(Serialize, ToSchema)]
pub struct StoredReviewDto {
    pub id: i64,
    pub initiative_id: i64,
    pub initiative_title: String,
    pub organisation: String,
    pub review: ReviewDto,
    pub updated_ms: i64,
}

fn stored(r: &Review) -> StoredReviewDto {
    StoredReviewDto {
        id: r.id,
        initiative_id: r.initiative.get(),
        initiative_title: r.initiative_title.clone(),
        organisation: r.organisation_name.clone(),
        review: ReviewDto {
            expected: r.draft.expected.clone(),
            happened: r.draft.happened.clone(),
            why_differ: r.draft.why_differ.clone(),
            keep: r.draft.keep.clone(),
            change: r.draft.change.clone(),
            went_well: r.draft.went_well.clone(),
            visibility: r.draft.visibility.slug().to_owned(),
        },
        updated_ms: r.updated_ms,
    }
}

/// Write or rewrite an initiative's learning review. Text that looks like an NHS number, a date of
/// birth, a full postcode or a name after a title is refused (422), field by field, and nothing is stored.
#[utoipa::path(put, path = "/api/v1/initiatives/{id}/learning-review", tag = "learning", request_body = ReviewDto, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Saved", body = StoredReviewDto), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not valid, or contains identifiers; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn put_review(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewDto>,
) -> Result<Json<StoredReviewDto>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    super::initiatives::require_team(&who, &item, "write its learning review")?;
    let form = ReviewForm {
        expected: input.expected,
        happened: input.happened,
        why_differ: input.why_differ,
        keep: input.keep,
        change: input.change,
        went_well: input.went_well.unwrap_or_default(),
        visibility: input.visibility,
        staff_names: kindling_store::users::members(state.db(), who.organisation)
            .await?
            .into_iter()
            .map(|p| p.name)
            .collect(),
    };
    let draft = form.parse().map_err(|e| ApiError::validation(&e.fields))?;
    let by = Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() };
    let review = learning::save(state.db(), by, item.id, &draft).await?.ok_or_else(ApiError::not_found)?;
    let saved = learning::readable(state.db(), (who.organisation, who.user.id), review)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(stored(&saved)))
}

/// A learning review, if you may read it (hub-wide reviews from any organisation).
#[utoipa::path(get, path = "/api/v1/learning-reviews/{id}", tag = "learning", params(("id" = i64, Path, description = "Review id")),
    responses((status = 200, description = "Success", body = StoredReviewDto), (status = 404, description = "No such review you may read", body = Problem, content_type = "application/problem+json")))]
pub async fn get_review(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<StoredReviewDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let review =
        learning::readable(state.db(), (who.organisation, who.user.id), id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(stored(&review)))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words to find: all of them, or either of two joined by `OR`; each also matches words it
    /// begins. With none, the newest documents that pass the filters.
    q: String,
    /// initiative, review or pdsa.
    #[param(schema_with = super::schemas::search_kind_filter)]
    kind: Option<String>,
    /// Only documents of initiatives at this stage.
    #[param(schema_with = super::schemas::stage_filter)]
    stage: Option<String>,
    /// Only initiatives at a site of this care setting.
    #[param(schema_with = super::schemas::care_setting_filter)]
    setting: Option<String>,
    /// Only initiatives with someone of this profession among their submitter and team.
    #[param(schema_with = super::schemas::profession_filter)]
    profession: Option<String>,
    /// Only this organisation's documents (its id).
    organisation: Option<i64>,
    /// Only initiatives adopted from another site.
    adapted: Option<bool>,
    /// Only documents carrying this tag.
    tag: Option<String>,
}

/// One search result.
#[derive(Serialize, ToSchema)]
pub struct HitDto {
    /// initiative, review or pdsa.
    pub kind: String,
    /// The review's or PDSA cycle's id, or the initiative's.
    pub id: i64,
    pub initiative_id: i64,
    pub title: String,
    /// The text around the first match.
    pub snippet: String,
    pub organisation: String,
    pub stage: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<HitDto>,
}

/// Search initiatives, learning reviews and PDSA notes you may see, best first (at most 50).
#[utoipa::path(get, path = "/api/v1/search", tag = "learning", params(SearchParams),
    responses((status = 200, description = "Success", body = SearchResults)))]
pub async fn search(
    State(state): State<AppState>,
    who: ApiUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let kind = match params.kind.as_deref().filter(|raw| !raw.is_empty()) {
        None => None,
        Some(raw) => Some(Kind::parse(raw).ok_or_else(|| {
            ApiError::invalid(vec![("kind".into(), format!("Unknown kind {raw:?}: use initiative, review or pdsa"))])
        })?),
    };
    let mut problems = Vec::new();
    let mut check = |field: &str, raw: &Option<String>, ok: bool, expected: &str| {
        if raw.as_deref().is_some_and(|r| !r.is_empty()) && !ok {
            problems
                .push((field.to_owned(), format!("Unknown {field} {:?}: {expected}", raw.as_deref().unwrap_or(""))));
        }
    };
    let nonempty = |raw: &Option<String>| raw.as_deref().filter(|r| !r.is_empty()).map(str::to_owned);
    let stage = nonempty(&params.stage).and_then(|s| s.parse::<kindling_domain::initiatives::Stage>().ok());
    check("stage", &params.stage, stage.is_some(), "use a stage such as piloting or stopped");
    let setting = nonempty(&params.setting).and_then(|s| s.parse::<kindling_domain::people::CareSetting>().ok());
    check(
        "setting",
        &params.setting,
        setting.is_some(),
        "use acute, community, mental-health, primary-care, social-care or ambulance",
    );
    let profession = nonempty(&params.profession).and_then(|s| s.parse::<kindling_domain::people::Profession>().ok());
    check("profession", &params.profession, profession.is_some(), "use a profession such as nurse or doctor");
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let filters = Filters {
        kind,
        stage: stage.map(|s| s.slug().to_owned()),
        tag: search::terms(params.tag.as_deref().unwrap_or("")).into_iter().next(),
        organisation: params.organisation.map(kindling_domain::ids::OrganisationId::new),
        adapted: params.adapted.unwrap_or(false),
        setting,
        profession,
    };
    let wanted = search::Wanted::parse(&params.q);
    let hits = search::search(state.db(), (who.organisation, who.user.id), &wanted, &filters, 50).await?;
    let strip = |s: &str| s.replace([kindling_domain::search::MARK_START, kindling_domain::search::MARK_END], "");
    Ok(Json(SearchResults {
        items: hits
            .iter()
            .map(|h| HitDto {
                kind: h.kind.slug().into(),
                id: h.ref_id,
                initiative_id: h.initiative,
                title: h.title.clone(),
                snippet: strip(&h.snippet),
                organisation: h.organisation.clone(),
                stage: h.stage.clone(),
            })
            .collect(),
    }))
}
