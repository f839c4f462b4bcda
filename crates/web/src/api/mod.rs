//! The JSON API under `/api/v1`, authenticated with personal bearer tokens, answering errors as
//! `application/problem+json` (RFC 9457), and described by an OpenAPI 3.1 document generated from the
//! handlers and types themselves (`/api/openapi.json`).

pub mod admin;
pub mod governance;
pub mod initiatives;
pub mod innovators;
pub mod learning;
pub mod measures;
pub mod mentoring;
pub mod people;
mod problems;
pub mod schemas;
mod strict_json;
use problems::CommonProblems;

use axum::extract::FromRequestParts;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kindling_domain::ids::OrganisationId;
use kindling_domain::people::Role;
use kindling_domain::validation::FieldErrors;
use kindling_store::users::User;
use kindling_store::{StoreError, tokens, users};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kindling API", description = "Initiatives and their stages, measures and their data, for integrations. Authenticate with a personal API token: `Authorization: Bearer kdl_…` (create one on your account page, or with `kindling admin token`)."),
    paths(initiatives::list, initiatives::get, initiatives::create, initiatives::update, initiatives::transition, measures::list, measures::create, measures::get, measures::add_data, governance::put_facts, governance::list_risks, governance::create_risk, governance::list_hazards, governance::log_hazard, governance::change_hazard, governance::review_hazard, governance::governance, governance::list_approvals, governance::decide, learning::put_review, learning::get_review, learning::search, people::list_notifications, people::mark_read, people::put_digest, people::list_recognition, people::give, people::get_complexity, people::put_complexity, innovators::diagram, innovators::add_node, innovators::offers, innovators::ask, innovators::answer_request, innovators::get_public_page, innovators::put_public_page, innovators::pathways, innovators::complete_step, innovators::appraisal, mentoring::list_programmes, mentoring::list_participants, mentoring::enrol, mentoring::run, mentoring::list_rounds, mentoring::get_round, mentoring::publish, mentoring::my_matches, mentoring::log_session, mentoring::list_spaces, mentoring::suggest_teams, admin::list_people, admin::invite, admin::get_person, admin::put_roles, admin::deactivate, admin::reactivate, admin::list_sites, admin::add_site, admin::list_audit),
    components(schemas(Problem, FieldProblem)),
    modifiers(&BearerAuth, &CommonProblems),
    security(("bearer" = [])),
    tags((name = "initiatives", description = "Ideas and improvement initiatives"), (name = "measures", description = "Measures, their data, and what the data show"), (name = "governance", description = "Facts, risks, gates, approval routes and decisions"), (name = "learning", description = "Learning reviews, search and the complexity of spread"), (name = "notifications", description = "Your notifications and email digest"), (name = "recognition", description = "Thanks, awards and learning from excellence"), (name = "innovators", description = "Driver diagrams, support offers and requests, public pages"), (name = "mentoring", description = "Mentoring programmes, participants, matching rounds and relationships; collaborative spaces"), (name = "administration", description = "People, sites and the audit log, for the organisation's administrators. Send `X-Kindling-Organisation: ID` to work in another organisation you belong to."))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/v1/initiatives", get(initiatives::list).post(initiatives::create))
        .route("/v1/initiatives/{id}", get(initiatives::get).put(initiatives::update))
        .route("/v1/initiatives/{id}/transitions", axum::routing::post(initiatives::transition))
        .route("/v1/initiatives/{id}/measures", get(measures::list).post(measures::create))
        .route("/v1/measures/{id}", get(measures::get))
        .route("/v1/measures/{id}/data", axum::routing::post(measures::add_data))
        .route("/v1/initiatives/{id}/facts", axum::routing::put(governance::put_facts))
        .route("/v1/initiatives/{id}/risks", get(governance::list_risks).post(governance::create_risk))
        .route("/v1/initiatives/{id}/hazards", get(governance::list_hazards).post(governance::log_hazard))
        .route("/v1/initiatives/{id}/hazards/{hazard}", axum::routing::put(governance::change_hazard))
        .route("/v1/initiatives/{id}/hazards/{hazard}/review", axum::routing::post(governance::review_hazard))
        .route("/v1/initiatives/{id}/governance", get(governance::governance))
        .route("/v1/approvals", get(governance::list_approvals))
        .route("/v1/initiatives/{id}/learning-review", axum::routing::put(learning::put_review))
        .route("/v1/learning-reviews/{id}", get(learning::get_review))
        .route("/v1/search", get(learning::search))
        .route("/v1/notifications", get(people::list_notifications))
        .route("/v1/notifications/read", axum::routing::post(people::mark_read))
        .route("/v1/me/digest", axum::routing::put(people::put_digest))
        .route("/v1/recognition", get(people::list_recognition).post(people::give))
        .route("/v1/initiatives/{id}/complexity", get(people::get_complexity).put(people::put_complexity))
        .route("/v1/initiatives/{id}/driver-diagram", get(innovators::diagram))
        .route("/v1/initiatives/{id}/driver-diagram/nodes", axum::routing::post(innovators::add_node))
        .route("/v1/support/offers", get(innovators::offers))
        .route("/v1/initiatives/{id}/support-requests", axum::routing::post(innovators::ask))
        .route("/v1/support-requests/{id}/answer", axum::routing::post(innovators::answer_request))
        .route("/v1/initiatives/{id}/public-page", get(innovators::get_public_page).put(innovators::put_public_page))
        .route("/v1/pathways", get(innovators::pathways))
        .route("/v1/pathways/{pathway}/steps/{step}", axum::routing::post(innovators::complete_step))
        .route("/v1/people/{id}/appraisal", get(innovators::appraisal))
        .route("/v1/approvals/{id}/decision", axum::routing::post(governance::decide))
        .route("/v1/programmes", get(mentoring::list_programmes))
        .route("/v1/programmes/{id}/participants", get(mentoring::list_participants).post(mentoring::enrol))
        .route("/v1/programmes/{id}/rounds", get(mentoring::list_rounds).post(mentoring::run))
        .route("/v1/rounds/{id}", get(mentoring::get_round))
        .route("/v1/rounds/{id}/publish", axum::routing::post(mentoring::publish))
        .route("/v1/me/matches", get(mentoring::my_matches))
        .route("/v1/matches/{id}/sessions", axum::routing::post(mentoring::log_session))
        .route("/v1/spaces", get(mentoring::list_spaces))
        .route("/v1/spaces/{id}/teams", axum::routing::post(mentoring::suggest_teams))
        .route("/v1/admin/people", get(admin::list_people).post(admin::invite))
        .route("/v1/admin/people/{id}", get(admin::get_person))
        .route("/v1/admin/people/{id}/roles", axum::routing::put(admin::put_roles))
        .route("/v1/admin/people/{id}/deactivate", axum::routing::post(admin::deactivate))
        .route("/v1/admin/people/{id}/reactivate", axum::routing::post(admin::reactivate))
        .route("/v1/admin/sites", get(admin::list_sites).post(admin::add_site))
        .route("/v1/admin/audit", get(admin::list_audit))
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::extract::DefaultBodyLimit::max(crate::MAX_BODY_BYTES))
}

/// The OpenAPI document, pretty-printed (for `kindling openapi`).
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> Response {
    ([(header::CACHE_CONTROL, "public, max-age=300")], Json(ApiDoc::openapi())).into_response()
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation problems: what is wrong with each field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// How long a client should wait before trying again while the database is unavailable.
pub(crate) const RETRY_AFTER_SECONDS: &str = "5";

/// An API failure, rendered as problem+json.
#[derive(Debug)]
pub struct ApiError(StatusCode, Problem);

impl ApiError {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<Option<String>>) -> Self {
        ApiError(
            status,
            Problem {
                kind: kind.into(),
                title: title.into(),
                status: status.as_u16(),
                detail: detail.into(),
                errors: Vec::new(),
            },
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "about:blank",
            "Not Found",
            Some("There is no such resource, or it belongs to another organisation.".into()),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "about:blank",
            "Unauthorized",
            Some("Send a valid personal API token as `Authorization: Bearer TOKEN`.".into()),
        )
    }

    pub fn forbidden(detail: String) -> Self {
        Self::new(StatusCode::FORBIDDEN, "about:blank", "Forbidden", Some(detail))
    }

    pub fn conflict(detail: String) -> Self {
        Self::new(StatusCode::CONFLICT, "about:blank", "Conflict", Some(detail))
    }

    /// A validation problem whose field names are built at run time (`data[3].period`).
    pub fn invalid(problems: Vec<(String, String)>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "/problems/validation",
            "The request is not valid",
            Some("Nothing was stored. See `errors` for each problem.".into()),
        );
        e.1.errors = problems.into_iter().map(|(field, message)| FieldProblem { field, message }).collect();
        e
    }

    pub fn validation(errors: &FieldErrors) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "/problems/validation",
            "The request is not valid",
            Some("See `errors` for each field.".into()),
        );
        e.1.errors =
            errors.iter().map(|f| FieldProblem { field: f.field.into(), message: f.message.clone() }).collect();
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(self.1)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        if self.0 == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        if self.0 == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(detail) => Self::conflict(detail),
            // The database cannot be reached: a client should come back, not report a bug.
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "API request while the database is unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "about:blank",
                    "Service Unavailable",
                    Some("Kindling cannot reach its database at the moment. Try again shortly.".into()),
                )
            }
            other => {
                tracing::error!(error = %other, "API request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "about:blank", "Internal Server Error", None)
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        Self::new(
            r.status(),
            "/problems/malformed-body",
            "The request body is not valid JSON for this operation",
            Some(r.body_text()),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "/problems/malformed-query",
            "The query string is not valid",
            Some(r.body_text()),
        )
    }
}

/// A JSON body, read as the OpenAPI document describes it (a whole number such as `5.0` is an
/// integer; an object field needs an object), whose rejection is a problem document.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let Json(body) = Json::<serde_json::Value>::from_request(request, state).await?;
        T::deserialize(strict_json::Strict(&body)).map(ApiJson).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "/problems/malformed-body",
                "The request body is not valid JSON for this operation",
                Some(format!("Failed to read the JSON body: {e}")),
            )
        })
    }
}

/// A query string whose rejection is a problem document.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The person behind a bearer token, in their home organisation or the one named by the
/// `X-Kindling-Organisation` header (checked against their memberships on every call).
#[derive(Debug)]
pub struct ApiUser {
    pub user: User,
    pub organisation: OrganisationId,
    pub roles: Vec<Role>,
}

/// The header that chooses which of a person's organisations an API call works in.
pub const ORGANISATION_HEADER: &str = "x-kindling-organisation";

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        let (user_id, scope) =
            tokens::authenticate(state.db(), bearer, crate::now_ms()).await?.ok_or_else(ApiError::unauthorized)?;
        let reads_only = matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD);
        if scope == kindling_domain::accounts::TokenScope::Read && !reads_only {
            return Err(ApiError::forbidden(
                "This token may only read. Create a read-and-write token on your account page to make changes.".into(),
            ));
        }
        let user = users::get(state.db(), user_id).await?.ok_or_else(ApiError::unauthorized)?;
        let chosen = match parts.headers.get(ORGANISATION_HEADER) {
            None => None,
            Some(value) => {
                let id = value.to_str().ok().and_then(|v| v.trim().parse::<i64>().ok()).map(OrganisationId::new);
                match id.filter(|o| user.is_member_of(*o)) {
                    Some(o) => Some(o),
                    None => {
                        tracing::warn!(user.id = %user.id, "API call for an organisation the person does not belong to");
                        return Err(ApiError::forbidden(
                            "You are not a member of the organisation named in X-Kindling-Organisation.".into(),
                        ));
                    }
                }
            }
        };
        let organisation = crate::auth::working_organisation(&user, chosen)
            .ok_or_else(|| ApiError::forbidden("This account is not a member of any organisation.".into()))?;
        let roles = user.roles_in(organisation);
        if kindling_domain::people::partner_only(&roles) {
            return Err(ApiError::forbidden(crate::auth::PARTNER_LIMIT.into()));
        }
        Ok(ApiUser { user, organisation, roles })
    }
}
