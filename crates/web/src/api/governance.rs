//! `/api/v1/…`: an initiative's facts, risk items, gates and approval route, and the approvals queue
//! with its decisions. The same rules as the pages: the pack in force validates and routes, a
//! decision needs the route's role, and a closed request cannot be decided again.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kindling_domain::approvals::{
    CONDITION_ROWS, ConditionRow, Confirmer, DecisionError, DecisionForm, RouteChoice, may_decide,
};
use kindling_domain::gates::{FactsForm, GateView};
use kindling_domain::initiatives::{CivilDate, Stage, StageChange};
use kindling_domain::risk::{RiskForm, Score};
use kindling_store::approvals::{self, ApprovalRequest};
use kindling_store::initiatives::Initiative;
use kindling_store::risk::{self as risk_store, RiskItem};
use kindling_store::{Actor, gates as gate_store, policy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ApiJson, ApiUser, Problem};
use crate::governance::Context;
use crate::{AppState, now_ms};

fn actor(who: &ApiUser) -> Actor {
    Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() }
}

fn may_edit(who: &ApiUser, item: &Initiative) -> bool {
    let standing = kindling_domain::initiatives::Standing {
        roles: who.roles.clone(),
        is_submitter: item.submitter.id == who.user.id,
        is_team_member: item.is_team_member(who.user.id),
    };
    kindling_domain::permissions::allows(&standing, kindling_domain::permissions::Action::EditInitiative)
        && !item.stage.is_terminal()
}

fn require_edit(who: &ApiUser, item: &Initiative) -> Result<(), ApiError> {
    if may_edit(who, item) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Only the initiative's team, improvement leads and administrators can change its risks and checks.".into(),
        ))
    }
}

/// The facts about an initiative that decide which gates it needs.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct FactsDto {
    /// The facts that apply; an empty list records that none applies.
    #[schema(schema_with = super::schemas::facts)]
    pub facts: Vec<String>,
}

/// Record the facts about an initiative.
#[utoipa::path(put, path = "/api/v1/initiatives/{id}/facts", tag = "governance", request_body = FactsDto, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Saved", body = FactsDto), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "An unknown fact", body = Problem, content_type = "application/problem+json")))]
pub async fn put_facts(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FactsDto>,
) -> Result<Json<FactsDto>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    require_edit(&who, &item)?;
    let facts = FactsForm { facts: input.facts }.parse().map_err(|e| ApiError::validation(&e))?;
    gate_store::record_facts(state.db(), actor(&who), item.id, &facts).await?;
    crate::governance::reconsider(&state, actor(&who), item.id).await?;
    Ok(Json(FactsDto { facts: facts.iter().map(|f| f.slug().to_owned()).collect() }))
}

/// A consequence and a likelihood, each 1 to 5.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
pub struct ScoreDto {
    #[schema(minimum = 1, maximum = 5)]
    pub consequence: u8,
    #[schema(minimum = 1, maximum = 5)]
    pub likelihood: u8,
}

impl From<Score> for ScoreDto {
    fn from(s: Score) -> Self {
        Self { consequence: s.consequence, likelihood: s.likelihood }
    }
}

/// A new or changed risk item.
#[derive(Deserialize, ToSchema)]
pub struct RiskInput {
    /// A domain id of the pack in force (patient-safety, quality-experience, workforce, finance,
    /// operations, reputation, statutory-duty, data-privacy, equity in the UK pack).
    pub domain: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub cause: String,
    /// What could happen.
    #[schema(min_length = 1, max_length = 2000)]
    pub event: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub consequence: String,
    pub now: ScoreDto,
    #[serde(default)]
    pub before: Option<ScoreDto>,
    #[serde(default)]
    pub target: Option<ScoreDto>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub controls: Option<String>,
    /// Who owns the risk.
    #[schema(min_length = 1, max_length = 200)]
    pub owner: String,
    /// The executive who owns it on the corporate register: required when the score now is in the
    /// pack's corporate-register band or above (15 and over in the UK pack).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub executive_owner: Option<String>,
    /// The next review, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub review: String,
}

impl RiskInput {
    fn form(&self) -> RiskForm {
        let pair =
            |s: Option<ScoreDto>| s.map(|s| (s.consequence.to_string(), s.likelihood.to_string())).unwrap_or_default();
        let (before_consequence, before_likelihood) = pair(self.before);
        let (target_consequence, target_likelihood) = pair(self.target);
        let mut date = self.review.splitn(3, '-').map(str::to_owned);
        let (review_year, review_month, review_day) =
            (date.next().unwrap_or_default(), date.next().unwrap_or_default(), date.next().unwrap_or_default());
        RiskForm {
            domain: self.domain.clone(),
            cause: self.cause.clone(),
            event: self.event.clone(),
            consequence: self.consequence.clone(),
            before_consequence,
            before_likelihood,
            now_consequence: self.now.consequence.to_string(),
            now_likelihood: self.now.likelihood.to_string(),
            target_consequence,
            target_likelihood,
            controls: self.controls.clone().unwrap_or_default(),
            owner: self.owner.clone(),
            executive_owner: self.executive_owner.clone().unwrap_or_default(),
            review_day,
            review_month,
            review_year,
        }
    }
}

/// A risk item with its score and band.
#[derive(Serialize, ToSchema)]
pub struct RiskDto {
    pub id: i64,
    pub initiative_id: i64,
    pub domain: String,
    pub cause: String,
    pub event: String,
    pub consequence: String,
    pub now: ScoreDto,
    /// Consequence × likelihood now.
    pub score: u8,
    /// The band's id in the pack (low, moderate, high, extreme in the UK pack).
    pub band: String,
    pub before: Option<ScoreDto>,
    pub target: Option<ScoreDto>,
    pub controls: String,
    pub owner: String,
    /// Empty unless named; always named for a risk on the corporate register.
    pub executive_owner: String,
    /// Scored at or above the pack's corporate-register band, and open.
    pub on_corporate_register: bool,
    pub review: String,
    /// The pack the item was scored under.
    pub pack_id: String,
    pub pack_version: String,
    /// `open`, or `closed` with `closed_reason`.
    #[schema(pattern = "^(open|closed)$")]
    pub status: String,
    pub closed_reason: Option<String>,
    /// Every score it has had, oldest first.
    pub history: Vec<ScoredAtDto>,
}

/// A score in a risk's history.
#[derive(Serialize, ToSchema)]
pub struct ScoredAtDto {
    pub score: ScoreDto,
    pub at: String,
}

fn risk_dto(pack: &kindling_domain::policy::PolicyPack, r: &RiskItem) -> RiskDto {
    RiskDto {
        id: r.id,
        initiative_id: r.initiative.get(),
        domain: r.draft.domain.clone(),
        cause: r.draft.cause.clone(),
        event: r.draft.event.clone(),
        consequence: r.draft.consequence.clone(),
        now: r.draft.now.into(),
        score: r.draft.now.value(),
        band: pack.band(r.draft.now.value()).map(|b| b.id.clone()).unwrap_or_default(),
        before: r.draft.before.map(Into::into),
        target: r.draft.target.map(Into::into),
        controls: r.draft.controls.clone(),
        owner: r.draft.owner.clone(),
        executive_owner: r.draft.executive_owner.clone(),
        on_corporate_register: r.is_open() && r.draft.now.value() >= pack.corporate_register_from(),
        review: r.draft.review.iso(),
        pack_id: r.pack_id.clone(),
        pack_version: r.pack_version.clone(),
        status: if r.is_open() { "open" } else { "closed" }.to_owned(),
        closed_reason: r.closed.as_ref().map(|c| c.reason.clone()),
        history: r
            .scores
            .iter()
            .map(|s| ScoredAtDto { score: s.score.into(), at: super::initiatives::rfc3339(s.at_ms) })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct RiskList {
    pub items: Vec<RiskDto>,
}

/// An initiative's risk items, worst first.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/risks", tag = "governance", params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success", body = RiskList), (status = 404, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn list_risks(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<RiskList>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    let pack = policy::active(state.db(), who.organisation).await?.pack;
    let items = risk_store::for_initiative(state.db(), who.organisation, item.id).await?;
    Ok(Json(RiskList { items: items.iter().map(|r| risk_dto(&pack, r)).collect() }))
}

/// Add a risk item. Impossible scores and unknown domains are refused with a message per field.
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/risks", tag = "governance", request_body = RiskInput, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 201, description = "Created", body = RiskDto), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The risk is not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn create_risk(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RiskInput>,
) -> Result<Response, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    require_edit(&who, &item)?;
    let pack = policy::active(state.db(), who.organisation).await?.pack;
    let draft = input.form().parse(&pack).map_err(|e| ApiError::validation(&e))?;
    let risk = risk_store::create(state.db(), actor(&who), item.id, &draft, &pack.pack)
        .await?
        .ok_or_else(ApiError::not_found)?;
    crate::governance::reconsider(&state, actor(&who), item.id).await?;
    let stored = risk_store::for_initiative(state.db(), who.organisation, item.id)
        .await?
        .into_iter()
        .find(|r| r.id == risk)
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(risk_dto(&pack, &stored))).into_response())
}

/// One gate, evaluated.
#[derive(Serialize, ToSchema)]
pub struct GateDto {
    /// research, dpia, clinical-safety, fairness, consent, measurement or digital-assurance.
    pub gate: String,
    pub label: String,
    /// not-started, in-progress, awaiting-sign-off, external, blocked or passed.
    pub status: String,
    pub summary: String,
    pub missing: Vec<String>,
    /// The stage the gate must pass before.
    pub before: String,
    /// The role that signs it off.
    pub signed_off_by: String,
}

impl From<&GateView> for GateDto {
    fn from(g: &GateView) -> Self {
        Self {
            gate: g.kind.slug().into(),
            label: g.label.clone(),
            status: g.status.slug().into(),
            summary: g.summary.clone(),
            missing: g.missing.clone(),
            before: g.before.slug().into(),
            signed_off_by: g.signed_off_by.slug().into(),
        }
    }
}

/// The approval route the initiative's risks and gates call for, and why.
#[derive(Serialize, ToSchema)]
pub struct RouteDto {
    pub route: String,
    pub label: String,
    pub rank: u8,
    /// One sentence: "Divisional governance: a patient safety risk scores 12, High".
    pub reason: String,
    pub target_days: u16,
    pub pack_id: String,
    pub pack_version: String,
}

impl From<RouteChoice> for RouteDto {
    fn from(r: RouteChoice) -> Self {
        Self {
            route: r.route,
            label: r.label,
            rank: r.rank,
            reason: r.reason,
            target_days: r.target_days,
            pack_id: r.pack_id,
            pack_version: r.pack_version,
        }
    }
}

/// Gates, route and what blocks each next move.
#[derive(Serialize, ToSchema)]
pub struct GovernanceDto {
    pub facts: Option<Vec<String>>,
    pub gates: Vec<GateDto>,
    /// The route a submission now would take.
    pub route: RouteDto,
    /// What is still needed before submitting for assessment.
    pub before_assessment: Vec<String>,
    /// What is still needed before the pilot starts.
    pub before_piloting: Vec<String>,
}

/// An initiative's gates, the route it would take, and what blocks its next moves.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/governance", tag = "governance", params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success", body = GovernanceDto), (status = 404, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn governance(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<GovernanceDto>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    let context = Context::load(&state, who.organisation, &item).await?;
    Ok(Json(GovernanceDto {
        facts: context.facts.as_ref().map(|f| f.iter().map(|f| f.slug().to_owned()).collect()),
        gates: context.gates.iter().map(Into::into).collect(),
        route: context.route().into(),
        before_assessment: context.blockers(Stage::Assessment),
        before_piloting: context.blockers(Stage::Piloting),
    }))
}

/// An approval request and its decision.
#[derive(Serialize, ToSchema)]
pub struct ApprovalDto {
    pub id: i64,
    pub initiative_id: i64,
    pub initiative_title: String,
    pub route: String,
    pub route_label: String,
    pub reason: String,
    pub pack_id: String,
    pub pack_version: String,
    pub submitted_ms: i64,
    pub due_ms: i64,
    pub overdue: bool,
    /// approve, approve-with-conditions, request-changes or decline; absent while open.
    pub outcome: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_ms: Option<i64>,
    pub conditions: Vec<ConditionDto>,
    /// The decided request this one reopens after a material change.
    pub reopens: Option<i64>,
    /// What changed since the decision this request reopens (material changes first).
    pub changes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConditionDto {
    pub id: i64,
    pub text: String,
    pub met: bool,
    /// Who confirms it is met: "the clinical safety officer", or a person's name.
    pub confirmed_by: String,
    /// The role that confirms it, when a role does.
    pub confirmer_role: Option<String>,
    /// The day it is due (YYYY-MM-DD), if set.
    pub due: Option<String>,
}

fn approval_dto(r: &ApprovalRequest) -> ApprovalDto {
    ApprovalDto {
        id: r.id,
        initiative_id: r.initiative.get(),
        initiative_title: r.initiative_title.clone(),
        route: r.route.clone(),
        route_label: r.route_label.clone(),
        reason: r.reason.clone(),
        pack_id: r.pack_id.clone(),
        pack_version: r.pack_version.clone(),
        submitted_ms: r.submitted_ms,
        due_ms: r.due_ms,
        overdue: r.overdue(now_ms()),
        outcome: r.outcome.map(|o| o.slug().to_owned()),
        decision_reason: r.decision_reason.clone(),
        decided_ms: r.decided_ms,
        conditions: r
            .conditions
            .iter()
            .map(|c| ConditionDto {
                id: c.id,
                text: c.text.clone(),
                met: c.met_ms.is_some(),
                confirmed_by: c.confirmer_label.clone(),
                confirmer_role: match &c.confirmer {
                    Some(Confirmer::Role(role)) => Some(role.slug().to_owned()),
                    _ => None,
                },
                due: c.due.map(CivilDate::iso),
            })
            .collect(),
        reopens: r.reopens,
        changes: r.changes.iter().map(|c| c.text.clone()).collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalList {
    pub items: Vec<ApprovalDto>,
}

/// Open approval requests in your organisation, soonest due first.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "governance",
    responses((status = 200, description = "Success", body = ApprovalList)))]
pub async fn list_approvals(State(state): State<AppState>, who: ApiUser) -> Result<Json<ApprovalList>, ApiError> {
    let open = approvals::queue(state.db(), who.organisation).await?;
    Ok(Json(ApprovalList { items: open.iter().map(approval_dto).collect() }))
}

/// A decision on an open request.
#[derive(Deserialize, ToSchema)]
pub struct DecisionInput {
    #[schema(schema_with = super::schemas::outcome)]
    pub outcome: String,
    /// Shown to the submitter.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Only with approve-with-conditions; each must be met before the pilot starts. A plain string is
    /// confirmed by the decider.
    #[serde(default)]
    pub conditions: Vec<ConditionInput>,
}

/// A condition: its text alone (the decider confirms it), or with who confirms it and when it is due.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ConditionInput {
    Text(String),
    Detailed(DetailedCondition),
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailedCondition {
    pub text: String,
    /// Who confirms it: `decider` (the default) or one of the roles clinical-safety-officer,
    /// data-protection-officer, approver, executive, improvement-lead.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "clinical-safety-officer")]
    pub confirmed_by: Option<String>,
    /// The day it is due, YYYY-MM-DD.
    #[serde(default)]
    pub due: Option<String>,
}

/// Decide on a request. Only the route's roles may; a closed request cannot be decided again.
#[utoipa::path(post, path = "/api/v1/approvals/{id}/decision", tag = "governance", request_body = DecisionInput, params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Decided", body = ApprovalDto), (status = 403, description = "Not an approver for this route", body = Problem, content_type = "application/problem+json"), (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The decision is not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn decide(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<ApprovalDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let request = approvals::get(state.db(), who.organisation, id).await?.ok_or_else(ApiError::not_found)?;
    if let Some(outcome) = request.outcome {
        return Err(ApiError::conflict(DecisionError::AlreadyDecided { outcome }.to_string()));
    }
    let pack = policy::active(state.db(), who.organisation).await?.pack;
    let route = pack.route(&request.route).ok_or_else(|| {
        ApiError::conflict(format!("The {} route is not in the policy pack now in force.", request.route_label))
    })?;
    may_decide(route, &who.roles).map_err(|e| ApiError::forbidden(e.to_string()))?;
    let mut rows = Vec::new();
    for condition in input.conditions {
        let (text, confirmer, due) = match condition {
            ConditionInput::Text(text) => (text, String::new(), None),
            ConditionInput::Detailed(d) => (d.text, d.confirmed_by.unwrap_or_default(), d.due),
        };
        let due = match due.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(raw) => Some(CivilDate::parse_iso(raw).ok_or_else(|| {
                ApiError::invalid(vec![(
                    "conditions".into(),
                    format!("The due date {raw:?} is not a date in the form YYYY-MM-DD."),
                )])
            })?),
        };
        rows.push(ConditionRow {
            text,
            confirmer,
            due_day: due.map(|d| d.day.to_string()).unwrap_or_default(),
            due_month: due.map(|d| d.month.to_string()).unwrap_or_default(),
            due_year: due.map(|d| d.year.to_string()).unwrap_or_default(),
        });
    }
    if rows.len() > CONDITION_ROWS {
        return Err(ApiError::invalid(vec![(
            "conditions".into(),
            format!("Give {CONDITION_ROWS} conditions or fewer."),
        )]));
    }
    let form = DecisionForm { outcome: input.outcome, reason: input.reason, conditions: String::new(), rows };
    let today = crate::today();
    let decision = form.parse(who.user.id.get(), today).map_err(|e| ApiError::validation(&e))?;
    let change = StageChange {
        from: Stage::Assessment,
        to: decision.outcome.stage(),
        reason: crate::approvals::decision_summary(&decision, &who.user.name),
        verb: decision.outcome.label(),
        evidence: None,
    };
    let item = kindling_store::initiatives::get(state.db(), who.organisation, request.initiative)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let basis = Context::load(&state, who.organisation, &item).await?.basis(&item);
    approvals::decide(state.db(), actor(&who), &request, &decision, &change, &basis).await?;
    let decided = approvals::get(state.db(), who.organisation, id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(approval_dto(&decided)))
}

/// A hazard of the clinical safety log, as written.
#[derive(Deserialize, ToSchema)]
pub struct HazardInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub cause: String,
    /// The effect on care.
    #[schema(min_length = 1, max_length = 2000)]
    pub effect: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub controls: Option<String>,
    /// Severity and likelihood before the controls, each 1 to 5 on the pack's clinical safety scales.
    pub initial: ScoreDto,
    /// Severity and likelihood with the controls.
    pub residual: ScoreDto,
    /// `open` when new; only the clinical safety officer may set `closed` or `transferred`.
    #[serde(default)]
    #[schema(schema_with = super::schemas::hazard_status)]
    pub status: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub owner: Option<String>,
}

impl HazardInput {
    fn form(&self) -> kindling_domain::gates::HazardForm {
        kindling_domain::gates::HazardForm {
            status: self.status.clone().unwrap_or_else(|| "open".into()),
            owner: self.owner.clone().unwrap_or_default(),
            name: self.name.clone(),
            cause: self.cause.clone(),
            effect: self.effect.clone(),
            controls: self.controls.clone().unwrap_or_default(),
            initial_severity: self.initial.consequence.to_string(),
            initial_likelihood: self.initial.likelihood.to_string(),
            residual_severity: self.residual.consequence.to_string(),
            residual_likelihood: self.residual.likelihood.to_string(),
        }
    }
}

/// A hazard with its residual level, status, review and history.
#[derive(Serialize, ToSchema)]
pub struct HazardDto {
    pub id: i64,
    pub name: String,
    pub cause: String,
    pub effect: String,
    pub controls: String,
    /// Severity (as `consequence`) and likelihood before the controls.
    pub initial: ScoreDto,
    pub residual: ScoreDto,
    /// The pack's level for the residual pair, 1 to 5; at the pack's blocking level it blocks the gate.
    pub residual_level: u8,
    #[schema(schema_with = super::schemas::hazard_status)]
    pub status: String,
    pub owner: String,
    /// The clinical safety officer's review of the hazard as it stands.
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
    /// Every change since it was logged, oldest first.
    pub history: Vec<String>,
}

impl From<&kindling_store::gates::Hazard> for HazardDto {
    fn from(h: &kindling_store::gates::Hazard) -> Self {
        let pair = |(c, l): (u8, u8)| ScoreDto { consequence: c, likelihood: l };
        Self {
            id: h.id,
            name: h.name.clone(),
            cause: h.cause.clone(),
            effect: h.effect.clone(),
            controls: h.controls.clone(),
            initial: pair(h.initial),
            residual: pair(h.residual),
            residual_level: h.residual_level,
            status: h.status.slug().to_owned(),
            owner: h.owner.clone(),
            reviewed_by: h.reviewed_by.clone(),
            review_note: h.review_note.clone(),
            history: h
                .history
                .iter()
                .map(|c| format!("{} {}: {}", super::initiatives::rfc3339(c.at_ms), c.by, c.summary))
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HazardList {
    /// Whether the initiative's facts call for the clinical safety gate and its hazard log.
    pub applies: bool,
    pub items: Vec<HazardDto>,
}

fn calls_for_hazard_log(context: &Context) -> bool {
    context.gates.iter().any(|g| g.kind == kindling_domain::policy::GateKind::ClinicalSafety)
}

/// The initiative and its context, when its facts call for the clinical safety gate; otherwise a
/// conflict that says what would (the initiative exists; its log does not, yet).
async fn with_hazard_log(state: &AppState, who: &ApiUser, id: &str) -> Result<(Initiative, Context), ApiError> {
    let item = super::initiatives::load(state, who, id).await?;
    let context = Context::load(state, who.organisation, &item).await?;
    if !calls_for_hazard_log(&context) {
        return Err(ApiError::conflict(
            "This initiative's facts call for no clinical safety hazard log: record the fact that does (health IT, AI or a medical device) first."
                .into(),
        ));
    }
    Ok((item, context))
}

/// The initiative's hazard log, every status, in the order logged.
#[utoipa::path(get, path = "/api/v1/initiatives/{id}/hazards", tag = "governance", params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 200, description = "Success (empty, with `applies` false, when the facts call for no log)", body = HazardList), (status = 404, description = "No such initiative in your organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn list_hazards(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<HazardList>, ApiError> {
    let item = super::initiatives::load(&state, &who, &id).await?;
    let applies = calls_for_hazard_log(&Context::load(&state, who.organisation, &item).await?);
    let hazards = gate_store::hazards(state.db(), who.organisation, item.id).await?;
    Ok(Json(HazardList { applies, items: hazards.iter().map(HazardDto::from).collect() }))
}

/// Log a hazard (the team).
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/hazards", tag = "governance", request_body = HazardInput, params(("id" = i64, Path, description = "Initiative id")),
    responses((status = 201, description = "Logged", body = HazardDto), (status = 409, description = "The initiative's facts call for no hazard log", body = Problem, content_type = "application/problem+json"), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The hazard is not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn log_hazard(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<HazardInput>,
) -> Result<Response, ApiError> {
    let (item, context) = with_hazard_log(&state, &who, &id).await?;
    require_edit(&who, &item)?;
    let draft = input.form().parse().map_err(|e| ApiError::validation(&e))?;
    if !draft.status.may_set(&who.roles) {
        return Err(ApiError::forbidden("Only the clinical safety officer can close or transfer a hazard.".into()));
    }
    let level = context.pack.hazard_level(draft.residual.0, draft.residual.1).unwrap_or(5);
    gate_store::add_hazard(state.db(), actor(&who), item.id, &draft, level, &context.pack.pack).await?;
    let logged = gate_store::hazards(state.db(), who.organisation, item.id)
        .await?
        .into_iter()
        .max_by_key(|h| h.id)
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(HazardDto::from(&logged))).into_response())
}

/// Change a hazard: new controls, a re-scored residual, its owner or its status (closing and
/// transferring are the clinical safety officer's). The change is kept in its history and clears the
/// review and the gate's sign-off.
#[utoipa::path(put, path = "/api/v1/initiatives/{id}/hazards/{hazard}", tag = "governance", request_body = HazardInput,
    params(("id" = i64, Path, description = "Initiative id"), ("hazard" = i64, Path, description = "Hazard id")),
    responses((status = 200, description = "Changed", body = HazardDto), (status = 409, description = "The initiative's facts call for no hazard log", body = Problem, content_type = "application/problem+json"), (status = 403, description = "Not allowed for this person", body = Problem, content_type = "application/problem+json"), (status = 422, description = "The hazard is not valid; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn change_hazard(
    State(state): State<AppState>,
    who: ApiUser,
    Path((id, hazard)): Path<(String, String)>,
    ApiJson(input): ApiJson<HazardInput>,
) -> Result<Json<HazardDto>, ApiError> {
    let (item, context) = with_hazard_log(&state, &who, &id).await?;
    let is_cso = who.roles.contains(&kindling_domain::people::Role::ClinicalSafetyOfficer);
    if !is_cso {
        require_edit(&who, &item)?;
    }
    let hazard = hazard.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let draft = input.form().parse().map_err(|e| ApiError::validation(&e))?;
    if !draft.status.may_set(&who.roles) {
        return Err(ApiError::forbidden("Only the clinical safety officer can close or transfer a hazard.".into()));
    }
    let level = context.pack.hazard_level(draft.residual.0, draft.residual.1).unwrap_or(5);
    if !gate_store::update_hazard(state.db(), actor(&who), item.id, hazard, &draft, level).await? {
        return Err(ApiError::not_found());
    }
    let changed = gate_store::hazards(state.db(), who.organisation, item.id)
        .await?
        .into_iter()
        .find(|h| h.id == hazard)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(HazardDto::from(&changed)))
}

/// The clinical safety officer's review of a hazard as it stands.
#[derive(Deserialize, ToSchema)]
pub struct HazardReviewInput {
    /// What was checked.
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// Record the clinical safety officer's review of one hazard as it stands.
#[utoipa::path(post, path = "/api/v1/initiatives/{id}/hazards/{hazard}/review", tag = "governance", request_body = HazardReviewInput,
    params(("id" = i64, Path, description = "Initiative id"), ("hazard" = i64, Path, description = "Hazard id")),
    responses((status = 200, description = "Reviewed", body = HazardDto), (status = 409, description = "The initiative's facts call for no hazard log", body = Problem, content_type = "application/problem+json"), (status = 403, description = "Only the clinical safety officer reviews hazards", body = Problem, content_type = "application/problem+json"), (status = 422, description = "An empty note; see `errors`", body = Problem, content_type = "application/problem+json")))]
pub async fn review_hazard(
    State(state): State<AppState>,
    who: ApiUser,
    Path((id, hazard)): Path<(String, String)>,
    ApiJson(input): ApiJson<HazardReviewInput>,
) -> Result<Json<HazardDto>, ApiError> {
    let (item, _) = with_hazard_log(&state, &who, &id).await?;
    if !who.roles.contains(&kindling_domain::people::Role::ClinicalSafetyOfficer) {
        return Err(ApiError::forbidden("Only the clinical safety officer can review a hazard.".into()));
    }
    let hazard = hazard.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let mut errors = kindling_domain::validation::FieldErrors::new();
    let note = kindling_domain::validation::required_text(&mut errors, "note", &input.note, "what you checked", 2000);
    if !errors.is_empty() {
        return Err(ApiError::validation(&errors));
    }
    if !gate_store::review_hazard(state.db(), actor(&who), item.id, hazard, &note).await? {
        return Err(ApiError::not_found());
    }
    let reviewed = gate_store::hazards(state.db(), who.organisation, item.id)
        .await?
        .into_iter()
        .find(|h| h.id == hazard)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(HazardDto::from(&reviewed)))
}
