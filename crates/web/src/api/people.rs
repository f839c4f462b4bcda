//! `/api/v1/…`: the caller's notifications and digest preference, recognition, and an initiative's
//! NASSS complexity profile.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kindling_domain::notifications::Digest;
use kindling_domain::recognition::RecognitionForm;
use kindling_domain::spread::{ProfileForm, support};
use kindling_store::{Actor, initiatives, notifications, recognition, spread, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiJson, ApiUser, Problem};
use crate::{AppState, now_ms};

fn actor(who: &ApiUser) -> Actor {
    Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() }
}

#[derive(Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    /// decision, mention, review-request, feedback or recognition.
    pub kind: String,
    pub summary: String,
    /// A path in Kindling's web pages.
    pub href: String,
    pub created_ms: i64,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Notifications {
    pub unread: i64,
    /// daily, weekly or off.
    pub digest: String,
    /// The newest 100.
    pub items: Vec<NotificationDto>,
}

/// Your notifications, newest first, with how many are unread and your email digest preference.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    responses((status = 200, description = "Success", body = Notifications)))]
pub async fn list_notifications(State(state): State<AppState>, who: ApiUser) -> Result<Json<Notifications>, ApiError> {
    let items = notifications::list(state.db(), who.user.id, 100).await?;
    Ok(Json(Notifications {
        unread: notifications::unread_count(state.db(), who.user.id).await?,
        digest: notifications::digest_preference(state.db(), who.user.id).await?.slug().to_owned(),
        items: items
            .into_iter()
            .map(|n| NotificationDto {
                id: n.id,
                kind: n.kind.slug().to_owned(),
                summary: n.summary,
                href: n.href,
                created_ms: n.created_ms,
                read: n.read,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MarkRead {
    /// One notification; leave out to mark them all read.
    #[serde(default)]
    pub id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    pub marked: u64,
}

/// Mark one notification read, or all of them.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", request_body = MarkRead,
    responses((status = 200, description = "How many changed", body = Marked)))]
pub async fn mark_read(
    State(state): State<AppState>,
    who: ApiUser,
    ApiJson(input): ApiJson<MarkRead>,
) -> Result<Json<Marked>, ApiError> {
    let marked = notifications::mark_read(state.db(), who.user.id, input.id, now_ms()).await?;
    Ok(Json(Marked { marked }))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct DigestDto {
    /// How often notifications are emailed.
    #[schema(schema_with = super::schemas::digest)]
    pub digest: String,
}

/// Choose how often your notifications are emailed: daily (the default), weekly or off.
#[utoipa::path(put, path = "/api/v1/me/digest", tag = "notifications", request_body = DigestDto,
    responses((status = 200, description = "Saved", body = DigestDto), (status = 422, description = "Not one of the choices", body = Problem, content_type = "application/problem+json")))]
pub async fn put_digest(
    State(state): State<AppState>,
    who: ApiUser,
    ApiJson(input): ApiJson<DigestDto>,
) -> Result<Json<DigestDto>, ApiError> {
    let digest = input
        .digest
        .parse::<Digest>()
        .map_err(|_| ApiError::invalid(vec![("digest".into(), "Choose daily, weekly or off".into())]))?;
    notifications::set_digest_preference(state.db(), actor(&who), digest).await?;
    Ok(Json(DigestDto { digest: digest.slug().to_owned() }))
}

/// Thanks, an award or a learning-from-excellence report.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RecognitionDto {
    /// Thanks (from anyone), an award (for an initiative, from an improvement lead, an executive or
    /// an administrator) or a learning-from-excellence report.
    #[schema(schema_with = super::schemas::recognition_kind)]
    pub kind: String,
    /// A colleague's user id.
    #[serde(default)]
    pub to_person: Option<i64>,
    /// An initiative's id (its team is recognised).
    #[serde(default)]
    pub initiative_id: Option<i64>,
    #[schema(min_length = 1, max_length = 120)]
    pub title: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct StoredRecognitionDto {
    pub id: i64,
    pub from: String,
    pub to_person_name: Option<String>,
    pub initiative_title: Option<String>,
    pub created_ms: i64,
    pub recognition: RecognitionDto,
}

#[derive(Serialize, ToSchema)]
pub struct RecognitionList {
    pub items: Vec<StoredRecognitionDto>,
}

/// Recognition given in your organisation, newest first (at most 100).
#[utoipa::path(get, path = "/api/v1/recognition", tag = "recognition",
    responses((status = 200, description = "Success", body = RecognitionList)))]
pub async fn list_recognition(State(state): State<AppState>, who: ApiUser) -> Result<Json<RecognitionList>, ApiError> {
    let items = recognition::for_organisation(state.db(), who.organisation, 100).await?;
    Ok(Json(RecognitionList {
        items: items
            .into_iter()
            .map(|r| StoredRecognitionDto {
                id: r.id,
                from: r.from,
                to_person_name: r.to_person,
                initiative_title: r.initiative_title,
                created_ms: r.created_ms,
                recognition: RecognitionDto {
                    kind: r.kind.slug().to_owned(),
                    to_person: r.to_person_id.map(|u| u.get()),
                    initiative_id: r.initiative.map(|i| i.get()),
                    title: r.title,
                    message: r.message,
                },
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Recognise a colleague or an initiative's team. Awards are for initiatives, from improvement leads,
/// executives and administrators. Text is screened for patient identifiers (422, nothing stored).
#[utoipa::path(post, path = "/api/v1/recognition", tag = "recognition", request_body = RecognitionDto,
    responses((status = 201, description = "Given; the people recognised are notified", body = Created), (status = 422, description = "Not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn give(
    State(state): State<AppState>,
    who: ApiUser,
    ApiJson(input): ApiJson<RecognitionDto>,
) -> Result<Response, ApiError> {
    let members = users::members(state.db(), who.organisation).await?;
    let titles = initiatives::titles(state.db(), who.organisation).await?;
    let form = RecognitionForm {
        kind: input.kind,
        to_person: input.to_person.map(|p| p.to_string()).unwrap_or_default(),
        initiative: input.initiative_id.map(|i| i.to_string()).unwrap_or_default(),
        title: input.title,
        message: input.message,
        staff_names: members.iter().map(|m| m.name.clone()).collect(),
    };
    let draft = form
        .parse(
            who.user.id,
            &who.roles,
            |p| members.iter().any(|m| m.id == p),
            |i| titles.iter().any(|(id, _)| *id == i),
        )
        .map_err(|e| ApiError::validation(&e))?;
    let id = recognition::give(state.db(), actor(&who), &draft).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct DomainRatingDto {
    /// One of the seven NASSS domains.
    #[schema(schema_with = super::schemas::nasss_domain)]
    pub domain: String,
    #[schema(schema_with = super::schemas::complexity_rating)]
    pub rating: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ComplexityInput {
    /// Every one of the seven domains, once.
    #[schema(min_items = 7, max_items = 7)]
    pub ratings: Vec<DomainRatingDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ComplexityDto {
    pub ratings: Vec<DomainRatingDto>,
    /// incomplete, light-touch, planned, facilitated or intensive.
    pub support_level: String,
    pub headline: String,
    pub advice: String,
}

fn complexity_dto(ratings: &[kindling_domain::spread::DomainRating]) -> ComplexityDto {
    let advice = support(ratings);
    ComplexityDto {
        ratings: ratings
            .iter()
            .map(|r| DomainRatingDto {
                domain: r.domain.slug().to_owned(),
                rating: r.rating.slug().to_owned(),
                note: r.note.clone(),
            })
            .collect(),
        support_level: serde_json::to_value(advice.level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        headline: advice.headline,
        advice: advice.advice,
    }
}

/// An initiative's NASSS complexity profile and the support its spread needs.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/complexity", tag = "learning", params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success", body = ComplexityDto), (status = 404, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn get_complexity(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ComplexityDto>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    Ok(Json(complexity_dto(&spread::profile(state.db(), who.organisation, item.id).await?)))
}

/// Replace an initiative's NASSS complexity profile: all seven domains rated.
#[utoipa::path(put, path = "/api/v1/initiatives/{id}/complexity", tag = "learning", request_body = ComplexityInput, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Saved", body = ComplexityDto), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn put_complexity(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ComplexityInput>,
) -> Result<Json<ComplexityDto>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    super::initiatives::require_team(&who, &item, "rate its complexity")?;
    let mut form = ProfileForm::default();
    let mut unknown = Vec::new();
    for r in input.ratings {
        if r.domain.parse::<kindling_domain::spread::NasssDomain>().is_err() {
            unknown.push(("ratings".to_owned(), format!("Unknown domain {:?}", r.domain)));
            continue;
        }
        // A domain rated twice would let the later rating silently win.
        if form.ratings.contains_key(&r.domain) {
            unknown.push(("ratings".to_owned(), format!("Rate the domain {:?} once", r.domain)));
            continue;
        }
        form.ratings.insert(r.domain.clone(), r.rating);
        if let Some(note) = r.note {
            form.notes.insert(r.domain, note);
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::invalid(unknown));
    }
    let ratings = form.parse().map_err(|e| ApiError::validation(&e))?;
    if !spread::save(state.db(), actor(&who), item.id, &ratings).await? {
        return Err(ApiError::not_found());
    }
    Ok(Json(complexity_dto(&ratings)))
}
