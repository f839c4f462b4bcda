//! `/api/v1/…`: driver diagrams, support offers and requests, and public pages, with the same
//! checks and screening as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kindling_domain::drivers::{NodeForm, NodeKind};
use kindling_domain::public_page::PageForm;
use kindling_domain::support::{Answer, answer, parse_request};
use kindling_store::{Actor, drivers, pdsa, public_pages, support};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiJson, ApiUser, Problem};
use crate::{AppState, now_ms};

fn actor(who: &ApiUser) -> Actor {
    Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() }
}

#[derive(Serialize, ToSchema)]
pub struct NodeDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// primary, secondary or change.
    pub kind: String,
    pub label: String,
    /// Change ideas: not-yet, testing, or tested with the latest decision (adopt, adapt, abandon).
    pub tested: Option<String>,
    pub pdsa_cycle_ids: Vec<i64>,
    pub measure_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DiagramDto {
    pub nodes: Vec<NodeDto>,
}

/// An initiative's driver diagram, each change idea with how far it has been tested.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/driver-diagram", tag = "innovators", params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success", body = DiagramDto), (status = 404, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn diagram(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DiagramDto>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    let nodes = drivers::diagram(state.db(), who.organisation, item.id).await?;
    let cycles = pdsa::for_initiative(state.db(), who.organisation, item.id).await?;
    Ok(Json(DiagramDto {
        nodes: nodes
            .into_iter()
            .map(|n| {
                let state = (n.kind == NodeKind::Change).then(|| n.tested(&cycles).slug());
                NodeDto {
                    id: n.id,
                    parent_id: n.parent,
                    kind: n.kind.slug().to_owned(),
                    label: n.label,
                    tested: state,
                    pdsa_cycle_ids: n.cycles,
                    measure_ids: n.measures,
                }
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewNode {
    /// A primary driver (at the top), a secondary driver (under a primary) or a change idea.
    #[schema(schema_with = super::schemas::node_kind)]
    pub kind: String,
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    /// The driver it hangs from (none for a primary driver).
    #[serde(default)]
    pub parent_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Add a driver or change idea. Where it may hang is checked, and labels are screened (422).
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/driver-diagram/nodes", tag = "innovators", request_body = NewNode, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 201, description = "Added", body = Created), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn add_node(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewNode>,
) -> Result<Response, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    super::initiatives::require_team(&who, &item, "change its driver diagram")?;
    let nodes = drivers::diagram(state.db(), who.organisation, item.id).await?;
    let form = NodeForm {
        kind: input.kind,
        label: input.label,
        parent: input.parent_id.map(|p| p.to_string()).unwrap_or_default(),
    };
    let draft =
        form.parse(|p| nodes.iter().find(|n| n.id == p).map(|n| n.kind)).map_err(|e| ApiError::validation(&e))?;
    let id = drivers::add(state.db(), actor(&who), item.id, &draft).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct OfferDto {
    pub id: i64,
    /// qi-coaching, research, digital, information-governance, procurement, finance,
    /// communications or innovation-network.
    pub kind: String,
    pub title: String,
    pub covers: String,
    pub who_can_ask: String,
    pub response_days: i64,
    pub contact: String,
}

#[derive(Serialize, ToSchema)]
pub struct OfferList {
    pub items: Vec<OfferDto>,
}

/// The support offers of your organisation.
#[utoipa::path(get, path = "/api/v1/support/offers", tag = "innovators", responses((status = 200, description = "Success", body = OfferList)))]
pub async fn offers(State(state): State<AppState>, who: ApiUser) -> Result<Json<OfferList>, ApiError> {
    let offers = support::offers(state.db(), who.organisation).await?;
    Ok(Json(OfferList {
        items: offers
            .into_iter()
            .map(|o| OfferDto {
                id: o.id,
                kind: o.kind.slug().to_owned(),
                title: o.title,
                covers: o.covers,
                who_can_ask: o.who_can_ask,
                response_days: o.response_days,
                contact: o.contact_name,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewRequest {
    pub offer_id: i64,
    /// What help you need.
    #[schema(min_length = 1, max_length = 1000)]
    pub message: String,
}

/// Ask for help for an initiative; the offer's contact is notified. Screened (422).
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/support-requests", tag = "innovators", request_body = NewRequest, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 201, description = "Asked", body = Created), (status = 422, description = "Not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn ask(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewRequest>,
) -> Result<Response, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    super::initiatives::require_team(&who, &item, "ask for help for it")?;
    let Some(offer) = support::offer(state.db(), who.organisation, input.offer_id).await? else {
        return Err(ApiError::invalid(vec![("offer_id".into(), "No such support offer in your organisation".into())]));
    };
    let message = parse_request(&input.message).map_err(|e| ApiError::validation(&e))?;
    let id = support::ask(state.db(), actor(&who), &offer, Some(item.id), &message).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerDto {
    #[schema(schema_with = super::schemas::support_answer)]
    pub answer: String,
    /// Needed to decline.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct RequestStatusDto {
    /// open, accepted, declined or completed.
    pub status: String,
}

/// Answer a request made of an offer you answer for (its contact, or an administrator).
#[utoipa::path(post, path = "/api/v1/support-requests/{id}/answer", tag = "innovators", request_body = AnswerDto, params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Answered", body = RequestStatusDto), (status = 403, description = "Not the offer's contact", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Answered by someone else first", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not valid now; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn answer_request(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AnswerDto>,
) -> Result<Json<RequestStatusDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let request = support::request(state.db(), who.organisation, id).await?.ok_or_else(ApiError::not_found)?;
    let offering_admin =
        who.roles.contains(&kindling_domain::people::Role::Admin) && request.offer_organisation == who.organisation;
    if request.contact != who.user.id && !offering_admin {
        return Err(ApiError::forbidden("Only the offer's contact and administrators can answer its requests.".into()));
    }
    let Some(choice) = Answer::parse(&input.answer) else {
        return Err(ApiError::invalid(vec![("answer".into(), "Use accept, decline or complete".into())]));
    };
    let (status, note) = answer(request.status, choice, &input.note).map_err(|e| ApiError::validation(&e))?;
    support::answer(state.db(), actor(&who), &request, status, note.as_deref()).await?;
    Ok(Json(RequestStatusDto { status: status.slug().to_owned() }))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct PublicPageDto {
    #[schema(min_length = 1, max_length = 1500)]
    pub what_changing: String,
    #[schema(min_length = 1, max_length = 1500)]
    pub why: String,
    #[schema(min_length = 1, max_length = 1500)]
    pub how_helps: String,
    #[schema(min_length = 1, max_length = 1500)]
    pub learned: String,
    #[schema(min_length = 1, max_length = 1500)]
    pub feedback_how: String,
}

#[derive(Serialize, ToSchema)]
pub struct StoredPublicPage {
    /// The latest version the team wrote; null until the team writes it.
    pub page: Option<PublicPageDto>,
    /// Of the latest version: draft (not yet submitted), in-review, returned (sent back with a
    /// comment) or published.
    pub status: String,
    pub reading_age: Option<u8>,
    pub reading_ease: Option<f64>,
    /// The version the public reads, if one was published; it stays live while a newer one waits.
    pub published: Option<PublicPageDto>,
    /// Why a reviewer sent the latest version back.
    pub comment: Option<String>,
}

fn dto(text: PageForm) -> PublicPageDto {
    PublicPageDto {
        what_changing: text.what_changing,
        why: text.why,
        how_helps: text.how_helps,
        learned: text.learned,
        feedback_how: text.feedback_how,
    }
}

fn stored(page: public_pages::PublicPage) -> StoredPublicPage {
    let score = page.text.readability();
    StoredPublicPage {
        status: page.status.slug().to_owned(),
        reading_age: score.map(|r| r.reading_age),
        reading_ease: score.map(|r| (r.reading_ease * 10.0).round() / 10.0),
        page: Some(dto(page.text)),
        published: page.live.map(dto),
        comment: page.comment,
    }
}

/// An initiative's public page, its status and readability. Every initiative has one: until the
/// team writes it, it is an empty draft (as the page's form shows it).
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/public-page", tag = "innovators", params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "The page; an empty draft until it is written", body = StoredPublicPage), (status = 404, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn get_public_page(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<StoredPublicPage>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    Ok(Json(match public_pages::for_initiative(state.db(), who.organisation, item.id).await? {
        Some(page) => stored(page),
        None => StoredPublicPage {
            page: None,
            status: kindling_domain::public_page::PageStatus::Draft.slug().to_owned(),
            reading_age: None,
            reading_ease: None,
            published: None,
            comment: None,
        },
    }))
}

/// Write the public page and submit it for review; a published version stays live until this one is
/// published. Every field is needed and screened (422).
#[utoipa::path(put, path = "/api/v1/initiatives/{id}/public-page", tag = "innovators", request_body = PublicPageDto, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Saved and waiting for review", body = StoredPublicPage), (status = 422, description = "Not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn put_public_page(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PublicPageDto>,
) -> Result<Json<StoredPublicPage>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    super::initiatives::require_team(&who, &item, "write its public page")?;
    let form = PageForm {
        what_changing: input.what_changing,
        why: input.why,
        how_helps: input.how_helps,
        learned: input.learned,
        feedback_how: input.feedback_how,
    };
    let text = form.parse().map_err(|e| ApiError::validation(&e))?;
    public_pages::save_for_review(state.db(), actor(&who), item.id, &text).await?;
    let page =
        public_pages::for_initiative(state.db(), who.organisation, item.id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(stored(page)))
}

#[derive(Serialize, ToSchema)]
pub struct PathwayDto {
    pub slug: String,
    pub title: String,
    /// Step slugs, in order.
    pub steps: Vec<String>,
    /// The steps you have completed.
    pub done: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PathwayList {
    pub items: Vec<PathwayDto>,
}

/// The skills pathways, with the steps you have completed.
#[utoipa::path(get, path = "/api/v1/pathways", tag = "innovators", responses((status = 200, description = "Success", body = PathwayList)))]
pub async fn pathways(State(state): State<AppState>, who: ApiUser) -> Result<Json<PathwayList>, ApiError> {
    let progress = kindling_store::pathways::progress(state.db(), who.user.id).await?;
    Ok(Json(PathwayList {
        items: kindling_domain::pathways::PATHWAYS
            .iter()
            .map(|p| PathwayDto {
                slug: p.slug.to_owned(),
                title: p.title.to_owned(),
                steps: p.steps.iter().map(|s| s.slug.to_owned()).collect(),
                done: progress.iter().filter(|d| d.pathway == p.slug).map(|d| d.step.clone()).collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct StepDone {
    /// The initiative the step was done for, if any (one of your organisation's).
    #[serde(default)]
    pub initiative_id: Option<i64>,
}

/// Record that you completed a step of a pathway (doing it again changes nothing).
#[utoipa::path(post, path = "/api/v1/pathways/{pathway}/steps/{step}", tag = "innovators", request_body = StepDone,
    params(("pathway" = String, Path, description = "Pathway slug"), ("step" = String, Path, description = "Step slug")),
    responses((status = 204, description = "Recorded"), (status = 404, description = "No such pathway or step", body = Problem, content_type = "application/problem+json"), (status = 422, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn complete_step(
    State(state): State<AppState>,
    who: ApiUser,
    Path((pathway, step)): Path<(String, String)>,
    ApiJson(input): ApiJson<StepDone>,
) -> Result<StatusCode, ApiError> {
    let known = kindling_domain::pathways::pathway(&pathway).is_some_and(|p| p.steps.iter().any(|s| s.slug == step));
    if !known {
        return Err(ApiError::not_found());
    }
    let initiative = match input.initiative_id {
        None => None,
        Some(id) => Some(
            kindling_store::initiatives::get(state.db(), who.organisation, kindling_domain::ids::InitiativeId::new(id))
                .await?
                .map(|i| i.id)
                .ok_or_else(|| {
                    ApiError::invalid(vec![("initiative_id".into(), "No such initiative in your organisation".into())])
                })?,
        ),
    };
    kindling_store::pathways::complete(state.db(), actor(&who), &pathway, &step, initiative).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SectionDto {
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub bullets: Vec<String>,
    /// Table column headers (empty without a table).
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct AppraisalDto {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<SectionDto>,
}

/// A person's appraisal record (for the person themselves, executives and administrators): the same
/// content as the PDF and CSV downloads.
#[utoipa::path(get, path = "/api/v1/people/{id}/appraisal", tag = "innovators", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, description = "Success", body = AppraisalDto), (status = 403, description = "Not yours to read", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such person in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn appraisal(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AppraisalDto>, ApiError> {
    let reader = crate::papers::Reader { organisation: who.organisation, user: who.user.id, roles: &who.roles };
    let (paper, _) = crate::papers::appraisal_for(&state, reader, &id).await.map_err(|e| match e {
        crate::AppError::NotFound => ApiError::not_found(),
        crate::AppError::Forbidden(why) => ApiError::forbidden(why),
        crate::AppError::Store(e) => ApiError::from(e),
        other => {
            tracing::error!(error = %other, "appraisal record failed");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "about:blank", "Internal Server Error", None)
        }
    })?;
    Ok(Json(AppraisalDto {
        title: paper.title,
        subtitle: paper.subtitle,
        sections: paper
            .sections
            .into_iter()
            .map(|s| {
                let (columns, rows) = s.table.unwrap_or_default();
                SectionDto { heading: s.heading, paragraphs: s.paragraphs, bullets: s.bullets, columns, rows }
            })
            .collect(),
    }))
}
