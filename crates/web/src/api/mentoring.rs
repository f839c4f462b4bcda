//! `/api/v1/…`: mentoring programmes, participants, matching rounds and relationships, and
//! collaborative spaces, with the same checks as the pages. A pair's private notes are never served.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::mentoring::{ParticipantForm, SessionForm};
use kindling_store::mentoring::{self, Programme};
use kindling_store::{Actor, spaces};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiJson, ApiUser, Problem};
use crate::mentoring::rounds::run_round;
use crate::{AppState, now_ms};

fn actor(who: &ApiUser) -> Actor {
    Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() }
}

fn number(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(ApiError::not_found)
}

async fn led(state: &AppState, who: &ApiUser, raw: &str) -> Result<Programme, ApiError> {
    led_id(state, who, number(raw)?).await
}

/// A programme of the caller's organisation that the caller leads.
async fn led_id(state: &AppState, who: &ApiUser, id: i64) -> Result<Programme, ApiError> {
    let p = mentoring::programme(state.db(), who.organisation, id).await?.ok_or_else(ApiError::not_found)?;
    if p.is_led_by(who.user.id, &who.roles) {
        Ok(p)
    } else {
        Err(ApiError::forbidden("Only the programme's lead can do this.".into()))
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeDto {
    pub id: i64,
    pub name: String,
    /// patient-safety, leadership, innovation, reverse or preceptorship.
    pub objective: String,
    pub eligibility: String,
    /// The professions a mentee may have; empty when any may join.
    pub mentee_professions: Vec<String>,
    /// The lowest and highest grade or band a mentee may have, when the programme limits them.
    pub mentee_lowest_grade: Option<u8>,
    pub mentee_highest_grade: Option<u8>,
    pub duration_months: u32,
    /// weekly, fortnightly or monthly.
    pub frequency: String,
    pub protected_minutes: u32,
    pub required_training: String,
    pub questions: Vec<String>,
    /// Whether staff may apply to join.
    pub applications_open: bool,
    /// What applicants are asked.
    pub application_questions: Vec<String>,
    /// Whether each mentee chooses their mentor from a shortlist of up to three.
    pub mentees_choose: bool,
    pub lead: String,
    pub mentees: i64,
    pub mentors: i64,
    pub active_pairs: i64,
}

fn programme_dto(p: Programme) -> ProgrammeDto {
    ProgrammeDto {
        id: p.id,
        objective: p.objective.slug().to_owned(),
        mentee_professions: p.settings.mentee_professions.clone(),
        mentee_lowest_grade: p.settings.mentee_grades.map(|g| g.0),
        mentee_highest_grade: p.settings.mentee_grades.map(|g| g.1),
        eligibility: p.settings.eligibility,
        duration_months: p.settings.duration_months,
        frequency: p.settings.frequency.slug().to_owned(),
        protected_minutes: p.settings.protected_minutes,
        required_training: p.settings.required_training,
        questions: p.settings.questions,
        applications_open: p.settings.applications_open,
        application_questions: p.settings.application_questions,
        mentees_choose: p.settings.mentees_choose,
        lead: p.lead_name,
        mentees: p.mentees,
        mentors: p.mentors,
        active_pairs: p.active,
        name: p.name,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeList {
    pub items: Vec<ProgrammeDto>,
}

/// Your organisation's mentoring programmes.
#[utoipa::path(get, path = "/api/v1/programmes", tag = "mentoring", responses((status = 200, description = "Success", body = ProgrammeList)))]
pub async fn list_programmes(State(state): State<AppState>, who: ApiUser) -> Result<Json<ProgrammeList>, ApiError> {
    let items = mentoring::programmes(state.db(), who.organisation).await?.into_iter().map(programme_dto).collect();
    Ok(Json(ProgrammeList { items }))
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantDto {
    pub id: i64,
    #[schema(schema_with = super::schemas::side)]
    pub side: String,
    pub reference: String,
    pub name: String,
    pub profession: String,
    pub grade: u8,
    pub site: String,
    pub unit: String,
    /// Goals for a mentee, expertise for a mentor.
    pub tags: Vec<String>,
    pub capacity: u32,
    /// Mentees offered or active (mentors).
    pub load: u32,
    pub trained: bool,
    /// The match that takes a mentee out of the pool, if any.
    pub match_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantList {
    pub items: Vec<ParticipantDto>,
}

/// A programme's participants (its lead only).
#[utoipa::path(get, path = "/api/v1/programmes/{id}/participants", tag = "mentoring", params(("id" = i64, Path, description = "Programme id")),
    responses((status = 200, description = "Success", body = ParticipantList), (status = 403, description = "Not the programme's lead", body = Problem, content_type = "application/problem+json"), (status = 404, description = "No such programme in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn list_participants(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ParticipantList>, ApiError> {
    let p = led(&state, &who, &id).await?;
    let items = mentoring::participants(state.db(), who.organisation, p.id)
        .await?
        .into_iter()
        .map(|x| ParticipantDto {
            id: x.id,
            side: x.side.slug().to_owned(),
            reference: x.reference,
            name: x.name,
            profession: x.profession,
            grade: x.grade,
            site: x.site,
            unit: x.unit,
            tags: x.tags,
            capacity: x.capacity,
            load: x.load,
            trained: x.trained_ms.is_some(),
            match_id: x.current_match,
        })
        .collect();
    Ok(Json(ParticipantList { items }))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// A participant to enrol: the enrolment form's fields.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct NewParticipant {
    /// mentee or mentor.
    pub side: String,
    /// Staff number or email, unique on each side of the programme.
    pub reference: String,
    pub name: String,
    pub email: String,
    pub profession: String,
    pub grade: String,
    pub site: String,
    pub unit: String,
    /// Goals (mentee) or expertise (mentor), separated by commas.
    pub tags: String,
    /// Empty, conversation, shadowing or structured.
    pub learning_style: String,
    /// Free times such as mon-am, separated by commas.
    pub availability: String,
    /// Mentors: how many mentees they can take.
    pub capacity: String,
    pub line_manager: String,
    /// standard or reverse.
    pub track: String,
}

/// Enrol a participant, checked as the enrolment form is.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/participants", tag = "mentoring", request_body = NewParticipant, params(("id" = i64, Path, description = "Programme id")),
    responses((status = 201, description = "Enrolled", body = Created), (status = 409, description = "That reference is already enrolled on that side", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn enrol(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewParticipant>,
) -> Result<Response, ApiError> {
    let p = led(&state, &who, &id).await?;
    let form = ParticipantForm {
        side: input.side,
        reference: input.reference,
        name: input.name,
        email: input.email,
        profession: input.profession,
        grade: input.grade,
        site: input.site,
        unit: input.unit,
        tags: input.tags,
        learning_style: input.learning_style,
        availability: input.availability,
        capacity: input.capacity,
        line_manager: input.line_manager,
        track: input.track,
    };
    let draft = form.parse().map_err(|e| ApiError::validation(&e))?;
    let mut errors = p.settings.mentee_eligibility(&draft);
    errors.extend(mentoring::roster(state.db(), p.id).await?.check(&draft));
    if !errors.is_empty() {
        return Err(ApiError::validation(&errors));
    }
    let id = mentoring::enrol(state.db(), actor(&who), p.id, &draft).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct CertificateDto {
    /// Always "coverage": the most mentees matched, then the highest total score.
    pub objective: String,
    pub primal: i64,
    pub dual: i64,
    /// The value found equals the dual bound: no better round exists.
    pub proven: bool,
    pub pricing_rounds: usize,
    pub pairs_priced: u64,
}

#[derive(Serialize, ToSchema)]
pub struct PairDto {
    pub mentee_id: i64,
    pub mentor_id: i64,
    pub score: i64,
    /// Set by a must-pair override.
    pub fixed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RoundDto {
    pub id: i64,
    pub programme_id: i64,
    /// proposed, published or superseded.
    pub status: String,
    pub mentees: i64,
    pub mentors: i64,
    pub matched: i64,
    pub total_score: i64,
    pub elapsed_ms: i64,
    pub must_pair: Vec<(String, String)>,
    pub must_not_pair: Vec<(String, String)>,
    pub certificate: CertificateDto,
    /// Present when one round is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs: Option<Vec<PairDto>>,
}

fn round_dto(r: mentoring::RoundRecord, pairs: Option<Vec<PairDto>>) -> RoundDto {
    RoundDto {
        id: r.id,
        programme_id: r.programme,
        status: r.status.slug().to_owned(),
        mentees: r.mentees,
        mentors: r.mentors,
        matched: r.matched,
        total_score: r.total_score,
        elapsed_ms: r.elapsed_ms,
        must_pair: r.must_pair,
        must_not_pair: r.must_not_pair,
        certificate: CertificateDto {
            proven: r.certificate.proven(),
            objective: r.certificate.objective,
            primal: r.certificate.primal,
            dual: r.certificate.dual,
            pricing_rounds: r.certificate.pricing_rounds,
            pairs_priced: r.certificate.pairs_priced,
        },
        pairs,
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct RunRound {
    /// [mentee reference, mentor reference] pairs that must be matched (hard rules still apply).
    #[schema(schema_with = super::schemas::reference_pairs)]
    pub must_pair: Vec<(String, String)>,
    /// Pairs to keep apart.
    #[schema(schema_with = super::schemas::reference_pairs)]
    pub must_not_pair: Vec<(String, String)>,
}

/// Run a matching round on the people waiting: certified optimal, stored as the current proposal.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/rounds", tag = "mentoring", request_body = RunRound, params(("id" = i64, Path, description = "Programme id")),
    responses((status = 201, description = "Run", body = RoundDto), (status = 403, description = "Not the programme's lead", body = Problem, content_type = "application/problem+json"), (status = 422, description = "An override cannot be applied; nothing was changed", body = Problem, content_type = "application/problem+json")))]
pub async fn run(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RunRound>,
) -> Result<Response, ApiError> {
    let p = led(&state, &who, &id).await?;
    let outcome = run_round(&state, actor(&who), &p, input.must_pair, input.must_not_pair).await.map_err(|e| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "about:blank", "Internal Server Error", Some(e.to_string()))
    })?;
    match outcome {
        Ok(round) => {
            let record =
                mentoring::round(state.db(), who.organisation, round).await?.ok_or_else(ApiError::not_found)?;
            Ok((StatusCode::CREATED, Json(round_dto(record, None))).into_response())
        }
        Err(message) => Err(ApiError::invalid(vec![("must_pair".into(), message)])),
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoundList {
    pub items: Vec<RoundDto>,
}

/// A programme's rounds, newest first.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/rounds", tag = "mentoring", params(("id" = i64, Path, description = "Programme id")),
    responses((status = 200, description = "Success", body = RoundList), (status = 403, description = "Not the programme's lead", body = Problem, content_type = "application/problem+json")))]
pub async fn list_rounds(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<RoundList>, ApiError> {
    let p = led(&state, &who, &id).await?;
    let items =
        mentoring::rounds(state.db(), who.organisation, p.id).await?.into_iter().map(|r| round_dto(r, None)).collect();
    Ok(Json(RoundList { items }))
}

async fn led_round(state: &AppState, who: &ApiUser, raw: &str) -> Result<mentoring::RoundRecord, ApiError> {
    let record = mentoring::round(state.db(), who.organisation, number(raw)?).await?.ok_or_else(ApiError::not_found)?;
    led_id(state, who, record.programme).await?;
    Ok(record)
}

/// One round with its pairs.
#[utoipa::path(get, path = "/api/v1/rounds/{id}", tag = "mentoring", params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, description = "Success", body = RoundDto), (status = 404, description = "No such round in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn get_round(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<RoundDto>, ApiError> {
    let record = led_round(&state, &who, &id).await?;
    let pairs = mentoring::entries(state.db(), record.id)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(PairDto {
                mentee_id: e.participant,
                mentor_id: e.mentor?,
                score: e.score.unwrap_or(0),
                fixed: e.fixed,
            })
        })
        .collect();
    Ok(Json(round_dto(record, Some(pairs))))
}

/// Publish a proposed round: each pair is offered and told.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/publish", tag = "mentoring", params(("id" = i64, Path, description = "Round id")),
    responses((status = 204, description = "Published"), (status = 409, description = "Not the current proposal, or people's situation changed since it was run", body = Problem, content_type = "application/problem+json")))]
pub async fn publish(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let record = led_round(&state, &who, &id).await?;
    mentoring::publish_round(state.db(), actor(&who), &record).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MatchDto {
    pub id: i64,
    pub programme: String,
    pub mentee: String,
    pub mentor: String,
    /// offered, active, declined or closed.
    pub status: String,
    pub sessions: usize,
    pub goals: Vec<GoalDto>,
}

#[derive(Serialize, ToSchema)]
pub struct GoalDto {
    pub text: String,
    /// −2 (much less than expected) to +2 (much more), once rated.
    pub attainment: Option<i8>,
}

#[derive(Serialize, ToSchema)]
pub struct MatchList {
    pub items: Vec<MatchDto>,
}

/// Your own mentoring relationships, as mentee or mentor (never the pair's private notes).
#[utoipa::path(get, path = "/api/v1/me/matches", tag = "mentoring", responses((status = 200, description = "Success", body = MatchList)))]
pub async fn my_matches(State(state): State<AppState>, who: ApiUser) -> Result<Json<MatchList>, ApiError> {
    let mut items = Vec::new();
    for m in mentoring::matches_of(state.db(), who.organisation, who.user.id).await? {
        let goals = mentoring::goals(state.db(), m.id)
            .await?
            .into_iter()
            .map(|g| GoalDto { text: g.text, attainment: g.attainment })
            .collect();
        let sessions = mentoring::sessions(state.db(), m.id).await?.len();
        items.push(MatchDto {
            id: m.id,
            programme: m.programme_name,
            mentee: m.mentee_name,
            mentor: m.mentor_name,
            status: m.status.slug().to_owned(),
            sessions,
            goals,
        });
    }
    Ok(Json(MatchList { items }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSession {
    /// YYYY-MM-DD, today or earlier.
    #[schema(format = Date)]
    pub held_on: String,
    #[schema(minimum = 5, maximum = 480)]
    pub minutes: u32,
    #[schema(schema_with = super::schemas::session_mode)]
    pub mode: String,
    /// For a video call: its https address.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub link: Option<String>,
    #[serde(default)]
    pub protected: bool,
}

/// Log a session of an active relationship you are in.
#[utoipa::path(post, path = "/api/v1/matches/{id}/sessions", tag = "mentoring", request_body = NewSession, params(("id" = i64, Path, description = "Match id")),
    responses((status = 201, description = "Logged", body = Created), (status = 404, description = "Not a relationship you are in", body = Problem, content_type = "application/problem+json"), (status = 409, description = "The relationship is not active", body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn log_session(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewSession>,
) -> Result<Response, ApiError> {
    let m = mentoring::find_match(state.db(), who.organisation, number(&id)?).await?.ok_or_else(ApiError::not_found)?;
    if m.mentee_user != Some(who.user.id) && m.mentor_user != Some(who.user.id) {
        return Err(ApiError::not_found());
    }
    if m.status != kindling_domain::mentoring::MatchStatus::Active {
        return Err(ApiError::conflict("The relationship is not active.".into()));
    }
    let date = CivilDate::parse_iso(&input.held_on);
    let form = SessionForm {
        day: date.map(|d| d.day.to_string()).unwrap_or_else(|| input.held_on.clone()),
        month: date.map(|d| d.month.to_string()).unwrap_or_default(),
        year: date.map(|d| d.year.to_string()).unwrap_or_default(),
        minutes: input.minutes.to_string(),
        mode: input.mode,
        link: input.link.unwrap_or_default(),
        protected: if input.protected { "yes".into() } else { String::new() },
    };
    let today = CivilDate::from_unix_ms(now_ms()).ok_or_else(ApiError::not_found)?;
    let began = CivilDate::from_unix_ms(m.offered_ms).unwrap_or(today);
    let session = form.parse(today, began).map_err(|e| ApiError::validation(&e))?;
    let id = mentoring::log_session(state.db(), actor(&who), m.id, &session).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SpaceDto {
    pub id: i64,
    pub title: String,
    pub theme: String,
    /// understand, define, ideate, prototype or test.
    pub stage: String,
    pub organisation: String,
    pub members: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SpaceList {
    pub items: Vec<SpaceDto>,
}

/// Every collaborative space of the hub.
#[utoipa::path(get, path = "/api/v1/spaces", tag = "mentoring", responses((status = 200, description = "Success", body = SpaceList)))]
pub async fn list_spaces(State(state): State<AppState>, _who: ApiUser) -> Result<Json<SpaceList>, ApiError> {
    let items = spaces::list(state.db())
        .await?
        .into_iter()
        .map(|s| SpaceDto {
            id: s.id,
            title: s.title,
            theme: s.theme,
            stage: s.stage.slug().to_owned(),
            organisation: s.organisation,
            members: s.members,
        })
        .collect();
    Ok(Json(SpaceList { items }))
}

#[derive(Deserialize, ToSchema)]
pub struct TeamRequest {
    /// The largest team.
    #[schema(minimum = 2, maximum = 12)]
    pub size: usize,
}

#[derive(Serialize, ToSchema)]
pub struct TeamDto {
    /// Members with accounts.
    pub members: Vec<String>,
    /// Patient partners, by the names they chose.
    pub partners: Vec<String>,
    pub professions: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamsDto {
    pub teams: Vec<TeamDto>,
    /// Pairs of members who already work together, and how many of them share a suggested team.
    pub prior_pairs: usize,
    pub prior_pairs_together: usize,
}

/// Suggest mixed teams from a space's members, keeping apart people who already work together.
#[utoipa::path(post, path = "/api/v1/spaces/{id}/teams", tag = "mentoring", request_body = TeamRequest, params(("id" = i64, Path, description = "Space id")),
    responses((status = 200, description = "Suggested", body = TeamsDto), (status = 422, description = "Not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn suggest_teams(
    State(state): State<AppState>,
    _who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TeamRequest>,
) -> Result<Json<TeamsDto>, ApiError> {
    let space = spaces::get(state.db(), number(&id)?).await?.ok_or_else(ApiError::not_found)?;
    if !(2..=12).contains(&input.size) {
        return Err(ApiError::invalid(vec![("size".into(), "Enter a team size from 2 to 12".into())]));
    }
    let suggestion = crate::spaces::suggest(&state, space.id, input.size)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "about:blank",
                "Internal Server Error",
                Some(e.to_string()),
            )
        })?
        .map_err(|message| ApiError::invalid(vec![("size".into(), message)]))?;
    Ok(Json(suggestion.into_dto()))
}
