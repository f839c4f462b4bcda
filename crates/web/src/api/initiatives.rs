//! `/api/v1/initiatives`: list, read, create, update and move initiatives through their stages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kindling_domain::ids::InitiativeId;
use kindling_domain::initiatives::{InitiativeForm, Stage, TransitionError};
use kindling_domain::paging::Page;
use kindling_domain::permissions::{Action, allows};
use kindling_domain::validation::FieldErrors;
use kindling_store::initiatives::{self, Initiative, InitiativeSummary};
use kindling_store::orgs;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, ApiJson, ApiQuery, ApiUser, Problem};
use crate::{AppState, now_ms};

/// One page of initiatives.
#[derive(Serialize, ToSchema)]
pub struct InitiativeList {
    pub items: Vec<InitiativeSummaryDto>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

/// An initiative as listed.
#[derive(Serialize, ToSchema)]
pub struct InitiativeSummaryDto {
    pub id: i64,
    pub title: String,
    /// One of idea, shaping, assessment, approved, piloting, evaluating, adopted, spreading, stopped.
    pub stage: String,
    pub site: Option<String>,
    pub submitter: String,
    pub tags: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
}

/// An initiative in full.
#[derive(Serialize, ToSchema)]
pub struct InitiativeDto {
    pub id: i64,
    pub title: String,
    pub problem: String,
    pub proposed_change: String,
    pub aim: AimDto,
    pub stage: String,
    pub site_id: Option<i64>,
    pub site: Option<String>,
    pub submitter: String,
    pub tags: Vec<String>,
    pub team: Vec<TeamMemberDto>,
    pub history: Vec<StageChangeDto>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct AimDto {
    #[schema(max_length = 300)]
    pub what: Option<String>,
    #[schema(max_length = 200)]
    pub how_much: Option<String>,
    /// ISO date, `YYYY-MM-DD`; null or empty for none.
    #[schema(schema_with = super::schemas::date_or_empty_or_null)]
    pub by_when: Option<String>,
    #[schema(max_length = 300)]
    pub for_whom: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamMemberDto {
    pub name: String,
    pub profession: String,
    pub team_role: String,
}

#[derive(Serialize, ToSchema)]
pub struct StageChangeDto {
    pub from: String,
    pub to: String,
    pub by: String,
    pub reason: String,
    pub at: String,
    /// For a move to adopted or spreading: what the measures showed when it was decided, one line
    /// per measure.
    pub evidence: Option<String>,
}

/// The fields of an initiative that people write.
#[derive(Deserialize, ToSchema)]
pub struct InitiativeInput {
    #[schema(min_length = 1, max_length = 150)]
    pub title: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub problem: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub proposed_change: String,
    #[serde(default)]
    pub aim: AimDto,
    #[serde(default)]
    pub site_id: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A request to move an initiative to another stage.
#[derive(Deserialize, ToSchema)]
pub struct TransitionInput {
    #[schema(schema_with = super::schemas::stage)]
    pub to: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// To adopt or spread while a balancing measure shows concern, the decider confirms they have
    /// weighed it.
    #[serde(default)]
    pub acknowledge_balancing_concern: bool,
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only initiatives at this stage.
    #[param(schema_with = super::schemas::stage_filter)]
    pub stage: Option<String>,
    /// Only initiatives at this site.
    pub site: Option<i64>,
    /// Only initiatives with this tag.
    pub tag: Option<String>,
    /// 1-based page number (50 per page).
    #[param(schema_with = super::schemas::page)]
    pub page: Option<u32>,
}

pub(crate) fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default()
}

impl From<InitiativeSummary> for InitiativeSummaryDto {
    fn from(s: InitiativeSummary) -> Self {
        Self {
            id: s.id.get(),
            title: s.title,
            stage: s.stage.slug().into(),
            site: s.site_name,
            submitter: s.submitter_name,
            tags: s.tags,
            created_at: rfc3339(s.created_ms),
            updated_at: rfc3339(s.updated_ms),
        }
    }
}

impl From<&Initiative> for InitiativeDto {
    fn from(i: &Initiative) -> Self {
        Self {
            id: i.id.get(),
            title: i.draft.title.clone(),
            problem: i.draft.problem.clone(),
            proposed_change: i.draft.proposed_change.clone(),
            aim: AimDto {
                what: i.draft.aim.what.clone(),
                how_much: i.draft.aim.how_much.clone(),
                by_when: i.draft.aim.by_when.map(|d| d.iso()),
                for_whom: i.draft.aim.for_whom.clone(),
            },
            stage: i.stage.slug().into(),
            site_id: i.draft.site.map(|s| s.get()),
            site: i.site_name.clone(),
            submitter: i.submitter.name.clone(),
            tags: i.draft.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            team: i
                .team
                .iter()
                .map(|m| TeamMemberDto {
                    name: m.person.name.clone(),
                    profession: m.person.profession.slug().into(),
                    team_role: m.team_role.clone(),
                })
                .collect(),
            history: i
                .history
                .iter()
                .map(|h| StageChangeDto {
                    from: h.from.slug().into(),
                    to: h.to.slug().into(),
                    by: h.actor.name.clone(),
                    reason: h.reason.clone(),
                    at: rfc3339(h.at_ms),
                    evidence: h.evidence.clone(),
                })
                .collect(),
            created_at: rfc3339(i.created_ms),
            updated_at: rfc3339(i.updated_ms),
        }
    }
}

/// The API input as the same form the web page validates, so both enforce identical rules.
fn as_form(input: &InitiativeInput) -> Result<InitiativeForm, FieldErrors> {
    let mut errors = FieldErrors::new();
    let (mut day, mut month, mut year) = (String::new(), String::new(), String::new());
    if let Some(raw) = input.aim.by_when.as_deref().filter(|s| !s.is_empty()) {
        match super::schemas::parse_day(raw) {
            Some(d) => (day, month, year) = (d.day.to_string(), d.month.to_string(), d.year.to_string()),
            None => errors.add("aim.by_when", "Enter the date as YYYY-MM-DD, and make it a real date"),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(InitiativeForm {
        title: input.title.clone(),
        problem: input.problem.clone(),
        proposed_change: input.proposed_change.clone(),
        aim_what: input.aim.what.clone().unwrap_or_default(),
        aim_how_much: input.aim.how_much.clone().unwrap_or_default(),
        aim_for_whom: input.aim.for_whom.clone().unwrap_or_default(),
        aim_by_day: day,
        aim_by_month: month,
        aim_by_year: year,
        site: input.site_id.map(|s| s.to_string()).unwrap_or_default(),
        tags: input.tags.join(","),
    })
}

pub(crate) async fn load(state: &AppState, who: &ApiUser, raw: &str) -> Result<Initiative, ApiError> {
    let id = raw.parse::<i64>().ok().filter(|i| *i > 0).map(InitiativeId::new).ok_or_else(ApiError::not_found)?;
    match initiatives::get(state.db(), who.organisation, id).await? {
        Some(item) => Ok(item),
        None => {
            tracing::info!(user.id = %who.user.id, initiative.id = %id, "API: initiative not found in the caller's organisation");
            Err(ApiError::not_found())
        }
    }
}

/// Refuses, saying who may, unless the caller is on the initiative's team, leads improvement or
/// administers the organisation: the rule for its learning review and complexity profile, which stay
/// writable after it stops.
pub(crate) fn require_team(who: &ApiUser, item: &Initiative, what: &str) -> Result<(), ApiError> {
    let standing = kindling_domain::initiatives::Standing {
        roles: who.roles.clone(),
        is_submitter: item.submitter.id == who.user.id,
        is_team_member: item.is_team_member(who.user.id),
    };
    if kindling_domain::permissions::allows(&standing, kindling_domain::permissions::Action::EditInitiative) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "Only the initiative's team, improvement leads and administrators can {what}."
        )))
    }
}

async fn parse_draft(
    state: &AppState,
    who: &ApiUser,
    input: &InitiativeInput,
) -> Result<kindling_domain::initiatives::InitiativeDraft, ApiError> {
    let form = as_form(input).map_err(|e| ApiError::validation(&e))?;
    let sites: Vec<_> = orgs::sites(state.db(), who.organisation).await?.into_iter().map(|s| s.id).collect();
    form.parse(|id| sites.contains(&id)).map_err(|errors| ApiError::validation(&rename_fields(errors)))
}

/// The form's field names, as the API names them.
fn rename_fields(errors: FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    for e in errors.iter() {
        let field = match e.field {
            "aim_what" => "aim.what",
            "aim_how_much" => "aim.how_much",
            "aim_for_whom" => "aim.for_whom",
            "aim_by_day" => "aim.by_when",
            "site" => "site_id",
            other => other,
        };
        out.add(field, e.message.clone());
    }
    out
}

/// List initiatives of your organisation, most recently updated first.
#[utoipa::path(get, path = "/api/v1/initiatives", tag = "initiatives", params(ListParams),
    responses((status = 200, description = "Success", body = InitiativeList), (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    who: ApiUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<InitiativeList>, ApiError> {
    let page = Page::parse(params.page.map(|p| p.to_string()).as_deref(), 50);
    let mut errors = FieldErrors::new();
    let stage = match params.stage.as_deref() {
        None | Some("") => None,
        Some(raw) => raw.parse::<Stage>().map_err(|e| errors.add("stage", e.to_string())).ok(),
    };
    let tag = match params.tag.as_deref() {
        None | Some("") => None,
        Some(raw) => kindling_domain::initiatives::Tag::parse(raw).map_err(|e| errors.add("tag", e)).ok(),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(&errors));
    }
    let filter = initiatives::Filter { stage, site: params.site.map(kindling_domain::ids::SiteId::new), tag };
    let (items, total) = initiatives::list(state.db(), who.organisation, &filter, page).await?;
    Ok(Json(InitiativeList {
        items: items.into_iter().map(Into::into).collect(),
        page: page.number(),
        per_page: page.per_page(),
        total,
    }))
}

/// One initiative with its aim, team and stage history.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}", tag = "initiatives", params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success", body = InitiativeDto), (status = 404, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<InitiativeDto>, ApiError> {
    let item = load(&state, &who, &id).await?;
    Ok(Json((&item).into()))
}

/// Submit a new idea as the token's owner.
#[utoipa::path(post, path = "/api/v1/initiatives", tag = "initiatives", request_body = InitiativeInput,
    responses((status = 201, description = "Created", body = InitiativeDto), (status = 422, description = "The request is not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    who: ApiUser,
    ApiJson(input): ApiJson<InitiativeInput>,
) -> Result<Response, ApiError> {
    let standing = kindling_domain::initiatives::Standing { roles: who.roles.clone(), ..Default::default() };
    if !allows(&standing, Action::SubmitIdea) {
        return Err(ApiError::forbidden("You are not a member of this organisation.".into()));
    }
    let draft = parse_draft(&state, &who, &input).await?;
    let id = initiatives::create(state.db(), who.organisation, who.user.id, &draft, now_ms()).await?;
    let item = initiatives::get(state.db(), who.organisation, id).await?.ok_or_else(ApiError::not_found)?;
    let location = format!("/api/v1/initiatives/{id}");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(InitiativeDto::from(&item))).into_response())
}

/// Replace the written fields of an initiative.
#[utoipa::path(put, path = "/api/v1/initiatives/{id}", tag = "initiatives", request_body = InitiativeInput, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success", body = InitiativeDto), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The request is not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<InitiativeInput>,
) -> Result<Json<InitiativeDto>, ApiError> {
    let item = load(&state, &who, &id).await?;
    let standing = kindling_domain::initiatives::Standing {
        roles: who.roles.clone(),
        is_submitter: item.submitter.id == who.user.id,
        is_team_member: item.is_team_member(who.user.id),
    };
    if !allows(&standing, Action::EditInitiative) || item.stage.is_terminal() {
        return Err(ApiError::forbidden(
            "Only the team, improvement leads and administrators can edit an initiative that is still open.".into(),
        ));
    }
    let draft = parse_draft(&state, &who, &input).await?;
    initiatives::update(state.db(), &item, who.user.id, &draft, now_ms()).await?;
    let by = kindling_store::Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() };
    crate::governance::reconsider(&state, by, item.id).await?;
    let item = initiatives::get(state.db(), who.organisation, item.id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json((&item).into()))
}

/// Move an initiative to another stage, with the reason the submitter will see.
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/transitions", tag = "initiatives", request_body = TransitionInput, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success", body = InitiativeDto), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 409, description = "The initiative is not at a stage that allows this", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The request is not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn transition(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<InitiativeDto>, ApiError> {
    let item = load(&state, &who, &id).await?;
    let mut errors = FieldErrors::new();
    let Ok(to) = input.to.parse::<Stage>() else {
        errors.add("to", format!("Unknown stage {:?}", input.to));
        return Err(ApiError::validation(&errors));
    };
    let standing = kindling_domain::initiatives::Standing {
        roles: who.roles.clone(),
        is_submitter: item.submitter.id == who.user.id,
        is_team_member: item.is_team_member(who.user.id),
    };
    let (mut change, _events) = match item.stage.transition(to, &standing, &input.reason) {
        Ok(ok) => ok,
        Err(e @ TransitionError::Forbidden { .. }) => return Err(ApiError::forbidden(e.to_string())),
        Err(e @ TransitionError::NotAllowed { .. }) => return Err(ApiError::conflict(e.to_string())),
        Err(e) => {
            errors.add("reason", e.to_string());
            return Err(ApiError::validation(&errors));
        }
    };
    match crate::evidence::for_move(state.db(), who.organisation, item.id, to, input.acknowledge_balancing_concern)
        .await?
    {
        Ok(evidence) => change.evidence = evidence,
        Err(unweighed) => {
            errors.add("acknowledge_balancing_concern", unweighed);
            return Err(ApiError::validation(&errors));
        }
    }
    match crate::governance::plan_move(&state, who.organisation, &item, to).await? {
        crate::governance::MovePlan::Blocked(missing) => {
            return Err(ApiError::conflict(format!("Not yet. {}", missing.join("; "))));
        }
        crate::governance::MovePlan::DecideOnRequest(request) => {
            return Err(ApiError::conflict(format!(
                "This initiative awaits a decision on approval request {request}: POST /api/v1/approvals/{request}/decision"
            )));
        }
        crate::governance::MovePlan::Submit(route) => {
            let by = kindling_store::Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() };
            kindling_store::approvals::submit(state.db(), by, item.id, &change, &route).await?;
        }
        crate::governance::MovePlan::Plain => {
            initiatives::change_stage(state.db(), who.organisation, item.id, who.user.id, &change, now_ms()).await?;
        }
    }
    let item = initiatives::get(state.db(), who.organisation, item.id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json((&item).into()))
}
