//! Responsible risk-taking: the facts that trigger gates, risk items and the heat map, each gate's
//! page and sign-off, and the move rules that every stage change (page or API) goes through.
//!
//! [`plan_move`] is the one place that decides what a stage move needs: submitting for assessment
//! computes the approval route; a move that a gate or an unmet condition forbids is refused with the
//! list of what is missing; a move out of assessment while a request is open must be decided on the
//! request, by someone the route allows.

use std::collections::BTreeSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_charts::risk::{HeatMapText, heat_map};
use kindling_domain::approvals::{Basis, BasisChange, BasisRisk, RouteChoice, RoutingFacts, changes_since, route};
use kindling_domain::gates::{
    self, DeviceRecord, DpiaRecord, EqualityRecord, FactsForm, FairnessRecord, GateStatus, GateView, HazardForm,
    TextRecord,
};
use kindling_domain::ids::OrganisationId;
use kindling_domain::initiatives::{CivilDate, Stage};
use kindling_domain::policy::{Fact, GateKind, PolicyPack};
use kindling_domain::risk::{self, ClosingForm, CompletionForm, HeatMap, RiskForm, Scored};
use kindling_domain::validation::FieldErrors;
use kindling_store::StoreError;
use kindling_store::approvals::{self, ApprovalRequest};
use kindling_store::gates as gate_store;
use kindling_store::initiatives::Initiative;
use kindling_store::policy;
use kindling_store::risk::{self as risk_store, RiskItem};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::{field_errors, load, may_edit, options, parse_id, require_edit};
use crate::{AppError, AppState, now_ms, templates, today};

/// Everything the governance pages show about one initiative.
pub struct Context {
    pub pack: PolicyPack,
    pub facts: Option<BTreeSet<Fact>>,
    pub risks: Vec<RiskItem>,
    pub gates: Vec<GateView>,
    pub requests: Vec<ApprovalRequest>,
}

impl Context {
    pub async fn load(state: &AppState, organisation: OrganisationId, item: &Initiative) -> Result<Self, StoreError> {
        let pack = policy::active(state.db(), organisation).await?.pack;
        let records = gate_store::gather(state.db(), organisation, item).await?;
        let gates = gates::evaluate(&pack, &records);
        Ok(Self {
            facts: records.facts.clone(),
            risks: risk_store::for_initiative(state.db(), organisation, item.id).await?,
            requests: approvals::for_initiative(state.db(), organisation, item.id).await?,
            pack,
            gates,
        })
    }

    /// The risks still being managed: a closed risk stays on record but no longer counts towards the
    /// initiative's risk, its route or what a decision is taken on.
    fn open_risks(&self) -> impl Iterator<Item = &RiskItem> {
        self.risks.iter().filter(|r| r.is_open())
    }

    fn scored(&self) -> Vec<Scored<'_>> {
        self.open_risks().map(|r| Scored { domain: &r.draft.domain, now: r.draft.now }).collect()
    }

    pub fn route(&self) -> RouteChoice {
        let facts = self.facts.clone().unwrap_or_default();
        route(
            &self.pack,
            &RoutingFacts {
                risks: self.open_risks().map(|r| (r.draft.domain.as_str(), r.draft.now)).collect(),
                gates: self.gates.iter().map(|g| g.kind).collect(),
                research: self.facts.is_some() && gates::research_determination(&facts) == gates::Research::Research,
            },
        )
    }

    pub fn open_request(&self) -> Option<&ApprovalRequest> {
        self.requests.iter().find(|r| r.outcome.is_none())
    }

    /// What a decision taken now would be taken on.
    pub fn basis(&self, item: &Initiative) -> Basis {
        let aim = &item.draft.aim;
        let aim_line = [
            aim.what.clone(),
            aim.how_much.clone(),
            aim.for_whom.clone(),
            aim.by_when.map(kindling_domain::initiatives::CivilDate::iso),
        ]
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect::<Vec<_>>()
        .join(" | ");
        let mut gates: Vec<GateKind> = self.gates.iter().map(|g| g.kind).collect();
        gates.sort();
        Basis {
            facts: self.facts.iter().flatten().map(|f| f.slug().to_owned()).collect(),
            gates,
            risks: self
                .open_risks()
                .map(|r| BasisRisk {
                    id: r.id,
                    domain: r.draft.domain.clone(),
                    consequence: r.draft.now.consequence,
                    likelihood: r.draft.now.likelihood,
                })
                .collect(),
            problem: item.draft.problem.clone(),
            proposed_change: item.draft.proposed_change.clone(),
            aim: aim_line,
            route_rank: self.route().rank,
        }
    }

    /// The approval in force and what has changed since it was decided: the newest request, when it
    /// was approved with a recorded basis.
    pub fn since_approval(&self, item: &Initiative) -> Option<(&ApprovalRequest, Vec<BasisChange>)> {
        let latest = self.requests.first().filter(|r| r.approved())?;
        let decided = latest.basis.as_ref()?;
        Some((latest, changes_since(&self.pack, decided, &self.basis(item))))
    }

    fn open_conditions(&self) -> Vec<String> {
        self.requests
            .iter()
            .flat_map(|r| &r.conditions)
            .filter(|c| c.met_ms.is_none())
            .map(|c| c.text.clone())
            .collect()
    }

    pub fn blockers(&self, to: Stage) -> Vec<String> {
        gates::blockers(to, &self.gates, self.facts.is_some(), self.risks.len(), &self.open_conditions())
    }
}

/// What a stage move needs.
pub enum MovePlan {
    /// Refused: each entry is something to do first.
    Blocked(Vec<String>),
    /// Submitting for assessment: open a request on this route.
    Submit(RouteChoice),
    /// The move is a decision on this open request, taken on the request's page.
    DecideOnRequest(i64),
    Plain,
}

/// Decides what moving `item` to `to` needs; see the module documentation.
pub async fn plan_move(
    state: &AppState,
    organisation: OrganisationId,
    item: &Initiative,
    to: Stage,
) -> Result<MovePlan, StoreError> {
    let context = Context::load(state, organisation, item).await?;
    if item.stage == Stage::Assessment
        && let Some(request) = context.open_request()
    {
        return Ok(MovePlan::DecideOnRequest(request.id));
    }
    let mut blockers = context.blockers(to);
    if governed_by_approval(item.stage)
        && let Some((_, changes)) = context.since_approval(item)
    {
        blockers.extend(
            changes.into_iter().filter(|c| c.material).map(|c| format!("Have the decision taken again: {}", c.text)),
        );
    }
    let named = &context.pack.learning.review_on_completing;
    if named.contains(&item.stage) {
        let has_review = kindling_store::learning::for_initiative(state.db(), organisation, item.id).await?.is_some();
        blockers.extend(kindling_domain::learning::review_blocker(item.stage, to, named, has_review));
    }
    if !blockers.is_empty() {
        return Ok(MovePlan::Blocked(blockers));
    }
    Ok(if to == Stage::Assessment { MovePlan::Submit(context.route()) } else { MovePlan::Plain })
}

/// Stages in which an approval governs the work, so that a material change reopens it.
fn governed_by_approval(stage: Stage) -> bool {
    matches!(stage, Stage::Approved | Stage::Piloting)
}

/// After any change to what a decision was taken on (facts, risks, the proposal or aim): when the
/// approval in force no longer holds, reopen it on the same route and tell the approvers. Returns the
/// new request's id. Every write path (pages and API) calls this after its write.
pub async fn reconsider(
    state: &AppState,
    by: kindling_store::Actor,
    item: kindling_domain::ids::InitiativeId,
) -> Result<Option<i64>, StoreError> {
    let Some(item) = kindling_store::initiatives::get(state.db(), by.organisation, item).await? else {
        return Ok(None);
    };
    if !governed_by_approval(item.stage) {
        return Ok(None);
    }
    let context = Context::load(state, by.organisation, &item).await?;
    let Some((decided, changes)) = context.since_approval(&item) else { return Ok(None) };
    if !changes.iter().any(|c| c.material) {
        return Ok(None);
    }
    let route = context.pack.route(&decided.route);
    let target_days = route.map_or(context.pack.base_route().target_days, |r| r.target_days);
    let deciders = route.map(|r| r.roles.clone()).unwrap_or_default();
    approvals::reopen(state.db(), by, decided, item.stage, target_days, &deciders, &changes).await
}

/// The notice after a save: reopened, or the usual one.
fn saved(item: kindling_domain::ids::InitiativeId, reopened: Option<i64>, notice: &str, anchor: &str) -> Response {
    let notice = if reopened.is_some() { "reopened" } else { notice };
    let anchor = if reopened.is_some() { "approval" } else { anchor };
    Redirect::to(&format!("/initiatives/{item}/governance?notice={notice}#{anchor}")).into_response()
}

fn heat_map_svg(pack: &PolicyPack, map: &HeatMap, title: &str, id: &str) -> String {
    let colours: [[String; 5]; 5] = std::array::from_fn(|l| {
        std::array::from_fn(|c| {
            let score = u8::try_from((l + 1) * (c + 1)).unwrap_or(25);
            pack.band(score).map(|b| b.colour.clone()).unwrap_or_default()
        })
    });
    let consequences: Vec<String> = pack.risk.consequences.iter().map(|l| l.label.clone()).collect();
    let likelihoods: Vec<String> = pack.risk.likelihoods.iter().map(|l| l.label.clone()).collect();
    heat_map(&HeatMapText {
        title,
        counts: &map.cells,
        colours: &colours,
        consequence_labels: &consequences,
        likelihood_labels: &likelihoods,
        id,
    })
}

/// A risk item as the pages show it.
#[derive(Serialize)]
struct RiskRow<'a> {
    item: &'a RiskItem,
    domain: String,
    score: u8,
    band: String,
    colour: String,
    before: Option<u8>,
    target: Option<u8>,
    review: String,
    review_overdue: bool,
    /// Open and scored at or above the pack's corporate-register band.
    corporate: bool,
}

fn risk_rows<'a>(pack: &PolicyPack, items: &'a [RiskItem], today: CivilDate) -> Vec<RiskRow<'a>> {
    items
        .iter()
        .map(|item| {
            let band = pack.band(item.draft.now.value());
            RiskRow {
                item,
                domain: pack.domain(&item.draft.domain).map_or(item.draft.domain.clone(), |d| d.label.clone()),
                score: item.draft.now.value(),
                band: band.map(|b| b.label.clone()).unwrap_or_default(),
                colour: band.map_or("grey".into(), |b| tag_colour(&b.colour).to_owned()),
                before: item.draft.before.map(|s| s.value()),
                target: item.draft.target.map(|s| s.value()),
                review: item.draft.review.long(),
                review_overdue: item.is_open() && item.draft.review < today,
                corporate: item.is_open() && item.draft.now.value() >= pack.corporate_register_from(),
            }
        })
        .collect()
}

/// NHS.UK tag colours for the pack's band colours.
fn tag_colour(colour: &str) -> &'static str {
    match colour {
        "green" => "green",
        "yellow" => "yellow",
        "orange" => "orange",
        "red" => "red",
        _ => "grey",
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

fn notice_text(notice: &str) -> Option<&'static str> {
    match notice {
        "facts" => Some("The facts have been saved, and the gates they call for are listed below."),
        "risk" => Some("The risk has been saved."),
        "action" => Some("The action has been added to the risk."),
        "done" => Some("The action is recorded as completed, with its evidence."),
        "closed" => Some("The risk has been closed. It stays on record with your reason, and is off the register."),
        "gate" => Some("The gate's record has been saved. Any earlier sign-off was cleared."),
        "signed" => Some("The gate has been signed off."),
        "hazard" => Some("The hazard has been logged."),
        "hazard-changed" => {
            Some("The hazard has been changed and its history updated. The clinical safety sign-off was cleared.")
        }
        "hazard-reviewed" => Some("Your review of the hazard has been recorded."),
        "locked" => Some("The subgroups are locked. Results can now be entered."),
        "result" => Some("The subgroup's result has been saved."),
        "condition" => Some("The condition is marked as met."),
        "reopened" => Some(
            "The decision has been reopened: what changed needs the approver's decision again. The approvers have been told, and the pilot waits until they decide.",
        ),
        _ => None,
    }
}

/// The initiative's risk and approval page.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    render_show(&state, &viewer, &item, &FieldErrors::new(), notice_text(&query.notice)).await
}

/// The governance page with the error of one condition's "how was it met" note.
pub(crate) async fn render_with_condition_error(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    condition: i64,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    render_page(state, viewer, item, errors, None, Some(condition)).await
}

async fn render_show(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    render_page(state, viewer, item, errors, notice, None).await
}

async fn render_page(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    errors: &FieldErrors,
    notice: Option<&str>,
    error_condition: Option<i64>,
) -> Result<Response, AppError> {
    let context = Context::load(state, viewer.organisation, item).await?;
    let pack = &context.pack;
    let profile = risk::profile(&context.scored(), pack);
    let map = HeatMap::of(context.risks.iter().map(|r| r.draft.now));
    let heat =
        heat_map_svg(pack, &map, &format!("Risks of {} by consequence and likelihood", item.draft.title), "risks");
    let facts = context.facts.clone().unwrap_or_default();
    let fact_options: Vec<(&str, &str, bool)> =
        Fact::ALL.iter().map(|f| (f.slug(), f.label(), facts.contains(f))).collect();
    let route_preview = (item.stage == Stage::Shaping || item.stage == Stage::Idea).then(|| context.route());
    let submit_blockers =
        if matches!(item.stage, Stage::Idea | Stage::Shaping) { context.blockers(Stage::Assessment) } else { vec![] };
    let pilot_blockers = if item.stage == Stage::Approved { context.blockers(Stage::Piloting) } else { vec![] };
    let rows = risk_rows(pack, &context.risks, today());
    let since = context.since_approval(item).map(|(_, changes)| changes).unwrap_or_default();
    let approver_routes: Vec<&str> = pack
        .routes
        .iter()
        .filter(|r| kindling_domain::approvals::may_decide(r, &viewer.roles).is_ok())
        .map(|r| r.id.as_str())
        .collect();
    let confirmable: Vec<i64> = context
        .requests
        .iter()
        .flat_map(|r| {
            let approver = approver_routes.contains(&r.route.as_str());
            r.conditions.iter().filter(move |c| c.confirmed_by(viewer.user.id.get(), &viewer.roles, approver))
        })
        .map(|c| c.id)
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "governance/show.html",
        page! { title => "Risk, gates and approval", section => "initiatives", viewer => viewer.view(), item => item, can_edit => may_edit(viewer, item), facts_recorded => context.facts.is_some(), fact_options => fact_options, risks => rows, profile => profile, heat_map => heat, gates => &context.gates, route_preview => route_preview, submit_blockers => submit_blockers, pilot_blockers => pilot_blockers, requests => &context.requests, since => since, confirmable => confirmable, error_condition => error_condition, pack => &pack.pack, errors => errors, field_errors => field_errors(errors), notice => notice },
    )?;
    Ok((status, html).into_response())
}

/// Saves the facts (repeated checkboxes, read as pairs).
pub async fn save_facts(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_edit(&viewer, &item, "record its facts")?;
    let form = FactsForm { facts: pairs.into_iter().filter(|(k, _)| k == "fact").map(|(_, v)| v).collect() };
    match form.parse() {
        Err(errors) => render_show(&state, &viewer, &item, &errors, None).await,
        Ok(facts) => {
            gate_store::record_facts(state.db(), viewer.actor(now_ms()), item.id, &facts).await?;
            let reopened = reconsider(&state, viewer.actor(now_ms()), item.id).await?;
            Ok(saved(item.id, reopened, "facts", "gates"))
        }
    }
}

/// What the smaller forms of a risk's page held when one comes back with errors.
#[derive(Debug, Default, Serialize)]
struct RiskTyped<'a> {
    notice: Option<&'static str>,
    action: Option<&'a ActionForm>,
    completion: Option<&'a CompletionTyped>,
    closing: Option<&'a ClosingForm>,
}

async fn render_risk_form(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    risk: Option<&RiskItem>,
    form: &RiskForm,
    errors: &FieldErrors,
    typed: RiskTyped<'_>,
) -> Result<Response, AppError> {
    let pack = policy::active(state.db(), viewer.organisation).await?.pack;
    let mut domains: Vec<(String, String)> = vec![(String::new(), "Choose what it could harm".into())];
    domains.extend(pack.risk.domains.iter().map(|d| (d.id.clone(), d.label.clone())));
    let scale = |levels: &[kindling_domain::policy::Level]| -> Vec<(String, String)> {
        let mut options = vec![(String::new(), "Choose".to_owned())];
        options.extend(levels.iter().map(|l| (l.score.to_string(), format!("{} {}", l.score, l.label))));
        options
    };
    let register_from = pack.corporate_register_from();
    let trend = risk.map(|r| {
        let scores: Vec<(String, u8)> = r
            .scores
            .iter()
            .map(|s| (CivilDate::from_unix_ms(s.at_ms).map_or_else(String::new, CivilDate::long), s.score.value()))
            .collect();
        kindling_charts::risk::trend(&format!("Score over time: {}", r.draft.event), &scores, "trend")
    });
    let open_actions: Vec<(String, String)> = risk
        .map(|r| {
            let open = r.actions.iter().filter(|a| a.done_on.is_none()).map(|a| (a.id, a.action.clone()));
            options("Choose an action", open)
        })
        .unwrap_or_default();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "governance/risk_form.html",
        page! { title => if risk.is_some() { "Change a risk" } else { "Add a risk" }, section => "initiatives", viewer => viewer.view(), item => item, risk => risk, form => form, typed => typed, domains => domains, consequences => scale(&pack.risk.consequences), likelihoods => scale(&pack.risk.likelihoods), descriptors => &pack.risk.domains, likelihood_levels => &pack.risk.likelihoods, register_from => register_from, trend => trend, open_actions => open_actions, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_risk(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_edit(&viewer, &item, "record its risks")?;
    render_risk_form(&state, &viewer, &item, None, &RiskForm::default(), &FieldErrors::new(), RiskTyped::default())
        .await
}

pub async fn create_risk(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RiskForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_edit(&viewer, &item, "record its risks")?;
    let pack = policy::active(state.db(), viewer.organisation).await?.pack;
    match form.parse(&pack) {
        Err(errors) => render_risk_form(&state, &viewer, &item, None, &form, &errors, RiskTyped::default()).await,
        Ok(draft) => {
            risk_store::create(state.db(), viewer.actor(now_ms()), item.id, &draft, &pack.pack)
                .await?
                .ok_or(AppError::NotFound)?;
            let reopened = reconsider(&state, viewer.actor(now_ms()), item.id).await?;
            Ok(saved(item.id, reopened, "risk", "risks"))
        }
    }
}

const CLOSED_RISK: &str =
    "This risk is closed: it stays on record as it was closed. Record a new risk if it has come back.";

async fn load_risk(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    risk: &str,
) -> Result<(Initiative, RiskItem), AppError> {
    let item = load(state, viewer, parse_id(id)?).await?;
    let risk_id = risk.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let risk = risk_store::for_initiative(state.db(), viewer.organisation, item.id)
        .await?
        .into_iter()
        .find(|r| r.id == risk_id)
        .ok_or(AppError::NotFound)?;
    Ok((item, risk))
}

pub async fn edit_risk(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, risk)): Path<(String, String)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let (item, risk) = load_risk(&state, &viewer, &id, &risk).await?;
    require_edit(&viewer, &item, "record its risks")?;
    render_risk_form(
        &state,
        &viewer,
        &item,
        Some(&risk),
        &RiskForm::from_draft(&risk.draft),
        &FieldErrors::new(),
        RiskTyped { notice: notice_text(&query.notice), ..RiskTyped::default() },
    )
    .await
}

pub async fn update_risk(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, risk)): Path<(String, String)>,
    axum::Form(form): axum::Form<RiskForm>,
) -> Result<Response, AppError> {
    let (item, risk) = load_risk(&state, &viewer, &id, &risk).await?;
    require_edit(&viewer, &item, "record its risks")?;
    let pack = policy::active(state.db(), viewer.organisation).await?.pack;
    match form.parse(&pack) {
        Err(errors) => {
            render_risk_form(&state, &viewer, &item, Some(&risk), &form, &errors, RiskTyped::default()).await
        }
        Ok(draft) => {
            if !risk_store::update(state.db(), viewer.actor(now_ms()), risk.id, &draft, &pack.pack).await? {
                return Err(AppError::Conflict(CLOSED_RISK.into()));
            }
            let reopened = reconsider(&state, viewer.actor(now_ms()), item.id).await?;
            Ok(saved(item.id, reopened, "risk", "risks"))
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ActionForm {
    action: String,
    action_owner: String,
    due_day: String,
    due_month: String,
    due_year: String,
}

pub async fn add_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, risk)): Path<(String, String)>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Result<Response, AppError> {
    let (item, risk) = load_risk(&state, &viewer, &id, &risk).await?;
    require_edit(&viewer, &item, "record its risks")?;
    let mut errors = FieldErrors::new();
    let action = kindling_domain::validation::required_text(&mut errors, "action", &form.action, "the action", 1000);
    let owner = kindling_domain::validation::required_text(
        &mut errors,
        "action_owner",
        &form.action_owner,
        "who will do the action",
        200,
    );
    let due = match CivilDate::from_parts(&form.due_day, &form.due_month, &form.due_year) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.add("due", "Enter the date the action is due");
            None
        }
        Err(message) => {
            errors.add("due", message);
            None
        }
    };
    match (errors.is_empty(), due) {
        (true, Some(due)) => {
            if !risk_store::add_action(state.db(), viewer.actor(now_ms()), risk.id, &action, &owner, due).await? {
                return Err(AppError::Conflict(CLOSED_RISK.into()));
            }
            Ok(Redirect::to(&format!("/initiatives/{}/governance?notice=action#risks", item.id)).into_response())
        }
        _ => {
            let typed = RiskTyped { action: Some(&form), ..RiskTyped::default() };
            render_risk_form(&state, &viewer, &item, Some(&risk), &RiskForm::from_draft(&risk.draft), &errors, typed)
                .await
        }
    }
}

/// Completing an action as typed: which action, and the completion itself.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CompletionTyped {
    done_action: String,
    #[serde(flatten)]
    completion: CompletionForm,
}

/// Marks one of a risk's actions as done, with the date and the evidence.
pub async fn complete_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, risk)): Path<(String, String)>,
    axum::Form(form): axum::Form<CompletionTyped>,
) -> Result<Response, AppError> {
    let (item, risk) = load_risk(&state, &viewer, &id, &risk).await?;
    require_edit(&viewer, &item, "record its risks")?;
    let action = form
        .done_action
        .parse::<i64>()
        .ok()
        .filter(|a| risk.actions.iter().any(|candidate| candidate.id == *a && candidate.done_on.is_none()));
    let parsed = form.completion.parse(today());
    match (action, parsed) {
        (Some(action), Ok(completion)) => {
            if !risk_store::complete_action(state.db(), viewer.actor(now_ms()), risk.id, action, &completion).await? {
                return Err(AppError::Conflict("That action is already completed, or its risk is closed.".into()));
            }
            Ok(Redirect::to(&format!("/initiatives/{}/risks/{}?notice=done", item.id, risk.id)).into_response())
        }
        (action, parsed) => {
            let mut errors = parsed.err().unwrap_or_default();
            if action.is_none() {
                errors.add("done_action", "Choose the action that was completed");
            }
            let typed = RiskTyped { completion: Some(&form), ..RiskTyped::default() };
            render_risk_form(&state, &viewer, &item, Some(&risk), &RiskForm::from_draft(&risk.draft), &errors, typed)
                .await
        }
    }
}

/// Closes a risk with the reason it no longer needs managing; it stays on record, off the register.
pub async fn close_risk(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, risk)): Path<(String, String)>,
    axum::Form(form): axum::Form<ClosingForm>,
) -> Result<Response, AppError> {
    let (item, risk) = load_risk(&state, &viewer, &id, &risk).await?;
    require_edit(&viewer, &item, "record its risks")?;
    match form.parse() {
        Ok(reason) => {
            if !risk_store::close(state.db(), viewer.actor(now_ms()), risk.id, &reason).await? {
                return Err(AppError::Conflict(CLOSED_RISK.into()));
            }
            Ok(Redirect::to(&format!("/initiatives/{}/governance?notice=closed#risks", item.id)).into_response())
        }
        Err(errors) => {
            let typed = RiskTyped { closing: Some(&form), ..RiskTyped::default() };
            render_risk_form(&state, &viewer, &item, Some(&risk), &RiskForm::from_draft(&risk.draft), &errors, typed)
                .await
        }
    }
}

fn gate_kind(raw: &str) -> Result<GateKind, AppError> {
    raw.parse::<GateKind>().map_err(|_| AppError::NotFound)
}

/// One gate's page: what it found, what is missing, its record form and its sign-off.
pub async fn gate_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, gate)): Path<(String, String)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    render_gate(&state, &viewer, &item, gate_kind(&gate)?, &FieldErrors::new(), notice_text(&query.notice), None).await
}

/// What the gate form was, as typed, when it comes back with errors.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct GateForm {
    text: String,
    passed: String,
    metric: String,
    subgroups: String,
    rationale: String,
    subgroup: String,
    n: String,
    successes: String,
    note: String,
    /// The hazard whose review note came back with an error.
    review_hazard: String,
    /// The equality and health inequalities impact assessment.
    impact: String,
    mitigation: String,
    groups: Vec<String>,
    /// Medical device status.
    is_device: String,
    device_rationale: String,
    device_class: String,
    marked: String,
    registered: String,
    #[serde(skip)]
    criteria: Vec<String>,
    #[serde(skip)]
    hazard: HazardForm,
}

async fn render_gate(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    kind: GateKind,
    errors: &FieldErrors,
    notice: Option<&str>,
    typed: Option<&GateForm>,
) -> Result<Response, AppError> {
    let context = Context::load(state, viewer.organisation, item).await?;
    let Some(gate) = context.gates.iter().find(|g| g.kind == kind) else {
        // Not triggered by this initiative's facts: nothing to show.
        return Err(AppError::NotFound);
    };
    let pack = &context.pack;
    let record =
        gate_store::records_for(state.db(), viewer.organisation, item.id).await?.into_iter().find(|r| r.gate == kind);
    let data = record.as_ref().map_or("{}", |r| r.data.as_str());
    let dpia: DpiaRecord = serde_json::from_str(data).unwrap_or_default();
    let text: TextRecord = serde_json::from_str(data).unwrap_or_default();
    let fairness: FairnessRecord = serde_json::from_str(data).unwrap_or_default();
    let equality: EqualityRecord = if kind == GateKind::Equality {
        serde_json::from_str(data).unwrap_or_default()
    } else {
        EqualityRecord::default()
    };
    let device: Option<DeviceRecord> =
        if kind == GateKind::MedicalDevice && record.is_some() { serde_json::from_str(data).ok() } else { None };
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let (overall, results) = gates::fairness_results(pack, &fairness.counts);
    let hazards = if kind == GateKind::ClinicalSafety {
        gate_store::hazards(state.db(), viewer.organisation, item.id).await?
    } else {
        vec![]
    };
    let mut form = GateForm {
        text: text.text.clone(),
        passed: text.passed.map(|p| if p { "yes" } else { "no" }.to_owned()).unwrap_or_default(),
        metric: fairness.metric.clone(),
        subgroups: fairness.subgroups.join("\n"),
        rationale: dpia.rationale.clone(),
        criteria: dpia.criteria.clone(),
        impact: equality.impact.clone(),
        mitigation: equality.mitigation.clone(),
        groups: equality.groups.clone(),
        is_device: device.as_ref().map(|d| yes_no(d.is_device)).unwrap_or_default(),
        device_rationale: device.as_ref().map(|d| d.rationale.clone()).unwrap_or_default(),
        device_class: device.as_ref().and_then(|d| d.class.clone()).unwrap_or_default(),
        marked: device.as_ref().filter(|d| d.is_device).map(|d| yes_no(d.marked)).unwrap_or_default(),
        registered: device.as_ref().filter(|d| d.is_device).map(|d| yes_no(d.registered)).unwrap_or_default(),
        ..GateForm::default()
    };
    // A rejected form comes back as typed; fields it did not carry keep what is stored.
    if let Some(typed) = typed {
        let keep = |typed: &String, stored: &mut String| {
            if !typed.is_empty() {
                stored.clone_from(typed);
            }
        };
        keep(&typed.text, &mut form.text);
        keep(&typed.passed, &mut form.passed);
        keep(&typed.metric, &mut form.metric);
        keep(&typed.subgroups, &mut form.subgroups);
        keep(&typed.rationale, &mut form.rationale);
        form.subgroup.clone_from(&typed.subgroup);
        form.n.clone_from(&typed.n);
        form.successes.clone_from(&typed.successes);
        form.note.clone_from(&typed.note);
        form.hazard = typed.hazard.clone();
        if kind == GateKind::Dpia {
            form.criteria.clone_from(&typed.criteria);
        }
        if kind == GateKind::Equality {
            form.groups.clone_from(&typed.groups);
            form.impact.clone_from(&typed.impact);
            form.mitigation.clone_from(&typed.mitigation);
        }
        if kind == GateKind::MedicalDevice {
            form.is_device.clone_from(&typed.is_device);
            form.device_rationale.clone_from(&typed.device_rationale);
            form.device_class.clone_from(&typed.device_class);
            form.marked.clone_from(&typed.marked);
            form.registered.clone_from(&typed.registered);
        }
    }
    let criteria: Vec<(String, String, String, bool)> = pack
        .dpia
        .criteria
        .iter()
        .map(|c| (c.id.clone(), c.label.clone(), c.group.label().to_owned(), form.criteria.contains(&c.id)))
        .collect();
    let scale = numbered_options;
    let may_sign = viewer.roles.contains(&gate.signed_off_by) && gate.status == GateStatus::AwaitingSignOff
        || (kind == GateKind::Research
            && gate.status == GateStatus::External
            && viewer.roles.contains(&gate.signed_off_by));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "governance/gate.html",
        page! { title => &gate.label, section => "initiatives", viewer => viewer.view(), item => item, gate => gate, is_cso => viewer.roles.contains(&kindling_domain::people::Role::ClinicalSafetyOfficer), review_hazard => typed.map(|t| t.review_hazard.clone()).unwrap_or_default(), kind => kind.slug(), status_label => gate.status.label(), status_colour => gate.status.colour(), signed_off_by_label => gate.signed_off_by.label(), record => record, can_edit => may_edit(viewer, item), may_sign => may_sign, form => form, hazard_form => &form.hazard, ticked => criteria.iter().filter(|c| c.3).map(|c| (&c.1, &c.2)).collect::<Vec<_>>(), criteria => &criteria, research_questions => &pack.research.questions, equality_groups => kindling_domain::gates::EQUALITY_GROUPS.iter().map(|(slug, label)| (*slug, *label, form.groups.iter().any(|g| g == slug))).collect::<Vec<_>>(), device_classes => device_class_options(), recorded => record.is_some(), facts => context.facts.clone().unwrap_or_default().iter().map(|f| f.label()).collect::<Vec<_>>(), hazards => hazards, hazard_levels => &pack.clinical_safety.acceptability, severities => scale(&pack.clinical_safety.severities), hazard_likelihoods => scale(&pack.clinical_safety.likelihoods), fairness => &fairness, fairness_overall => overall, fairness_results => results, max_disparity_points => pack.fairness.max_disparity * 100.0, min_subgroup_n => pack.fairness.min_subgroup_n, pack => &pack.pack, errors => errors, field_errors => field_errors(errors), notice => notice },
    )?;
    Ok((status, html).into_response())
}

/// The device classes as a select's options, after "Choose".
fn device_class_options() -> Vec<(String, String)> {
    options("Choose", kindling_domain::gates::DEVICE_CLASSES.iter().map(|c| (*c, format!("Class {c}"))))
}

fn gate_form_from(pairs: Vec<(String, String)>) -> GateForm {
    let mut form = GateForm::default();
    for (key, value) in pairs {
        match key.as_str() {
            "text" => form.text = value,
            "passed" => form.passed = value,
            "metric" => form.metric = value,
            "subgroups" => form.subgroups = value,
            "rationale" => form.rationale = value,
            "subgroup" => form.subgroup = value,
            "n" => form.n = value,
            "successes" => form.successes = value,
            "note" => form.note = value,
            "criterion" => form.criteria.push(value),
            "group" => form.groups.push(value),
            "impact" => form.impact = value,
            "mitigation" => form.mitigation = value,
            "is_device" => form.is_device = value,
            "device_rationale" => form.device_rationale = value,
            "device_class" => form.device_class = value,
            "marked" => form.marked = value,
            "registered" => form.registered = value,
            "name" => form.hazard.name = value,
            "cause" => form.hazard.cause = value,
            "effect" => form.hazard.effect = value,
            "controls" => form.hazard.controls = value,
            "owner" => form.hazard.owner = value,
            "initial_severity" => form.hazard.initial_severity = value,
            "initial_likelihood" => form.hazard.initial_likelihood = value,
            "residual_severity" => form.hazard.residual_severity = value,
            "residual_likelihood" => form.hazard.residual_likelihood = value,
            _ => {}
        }
    }
    form
}

/// The gate's current record, as its domain type.
async fn fairness_record(state: &AppState, viewer: &Viewer, item: &Initiative) -> Result<FairnessRecord, AppError> {
    let record = gate_store::records_for(state.db(), viewer.organisation, item.id)
        .await?
        .into_iter()
        .find(|r| r.gate == GateKind::Fairness);
    Ok(record.and_then(|r| serde_json::from_str(&r.data).ok()).unwrap_or_default())
}

/// Saves a gate's record: the DPIA screening, the consent approach, the DTAC result, the fairness
/// subgroups (before locking), a fairness result (after), or a hazard.
pub async fn save_gate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, gate, what)): Path<(String, String, String)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let kind = gate_kind(&gate)?;
    require_edit(&viewer, &item, "record its gates")?;
    let context = Context::load(&state, viewer.organisation, &item).await?;
    if !context.gates.iter().any(|g| g.kind == kind) {
        return Err(AppError::NotFound);
    }
    let pack = context.pack.pack.clone();
    let form = gate_form_from(pairs);
    let by = viewer.actor(now_ms());
    let mut errors = FieldErrors::new();
    let back = |notice: &str| {
        Redirect::to(&format!("/initiatives/{}/gates/{}?notice={notice}", item.id, kind.slug())).into_response()
    };
    let data = match (kind, what.as_str()) {
        (GateKind::Dpia, "record") => {
            let known: Vec<&str> = context.pack.dpia.criteria.iter().map(|c| c.id.as_str()).collect();
            if form.criteria.iter().any(|c| !known.contains(&c.as_str())) {
                errors.add("criterion", "Choose from the listed criteria");
            }
            let rationale = kindling_domain::validation::required_text(
                &mut errors,
                "rationale",
                &form.rationale,
                "the rationale for the screening",
                4000,
            );
            serde_json::to_string(&DpiaRecord { criteria: form.criteria.clone(), rationale })
        }
        (GateKind::Consent, "record") => {
            let text = kindling_domain::validation::required_text(
                &mut errors,
                "text",
                &form.text,
                "how patients are informed or asked to consent",
                4000,
            );
            serde_json::to_string(&TextRecord { text, passed: None })
        }
        (GateKind::DigitalAssurance, "record") => {
            let passed = match form.passed.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => {
                    errors.add("passed", "Select whether DTAC sections C1 to C4 all passed");
                    None
                }
            };
            serde_json::to_string(&TextRecord { text: form.text.trim().chars().take(4000).collect(), passed })
        }
        (GateKind::Equality, "record") => match EqualityRecord::parse(&form.groups, &form.impact, &form.mitigation) {
            Ok(record) => serde_json::to_string(&record),
            Err(record_errors) => {
                return render_gate(&state, &viewer, &item, kind, &record_errors, None, Some(&form)).await;
            }
        },
        (GateKind::MedicalDevice, "record") => match DeviceRecord::parse(
            &form.is_device,
            &form.device_rationale,
            &form.device_class,
            &form.marked,
            &form.registered,
        ) {
            Ok(record) => serde_json::to_string(&record),
            Err(record_errors) => {
                return render_gate(&state, &viewer, &item, kind, &record_errors, None, Some(&form)).await;
            }
        },
        (GateKind::Fairness, "subgroups") => {
            let mut record = fairness_record(&state, &viewer, &item).await?;
            if let Err(e) = record.name(&form.metric, &form.subgroups) {
                errors.add("subgroups", e.to_string());
            }
            serde_json::to_string(&record)
        }
        (GateKind::Fairness, "lock") => {
            let mut record = fairness_record(&state, &viewer, &item).await?;
            if let Err(e) = record.lock(by.now_ms) {
                errors.add("subgroups", e.to_string());
            }
            serde_json::to_string(&record)
        }
        (GateKind::Fairness, "results") => {
            let mut record = fairness_record(&state, &viewer, &item).await?;
            if let Err(e) = record.enter(&form.subgroup, &form.n, &form.successes) {
                errors.add("subgroup", e.to_string());
            }
            serde_json::to_string(&record)
        }
        (GateKind::ClinicalSafety, "hazards") => match form.hazard.parse() {
            Err(hazard_errors) => {
                return render_gate(&state, &viewer, &item, kind, &hazard_errors, None, Some(&form)).await;
            }
            Ok(hazard) => {
                let level = context.pack.hazard_level(hazard.residual.0, hazard.residual.1).unwrap_or(5);
                gate_store::add_hazard(state.db(), by, item.id, &hazard, level, &pack).await?;
                return Ok(back("hazard"));
            }
        },
        _ => return Err(AppError::NotFound),
    }
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    if !errors.is_empty() {
        return render_gate(&state, &viewer, &item, kind, &errors, None, Some(&form)).await;
    }
    gate_store::save(state.db(), by, item.id, kind, &data, &pack).await?;
    let notice = match what.as_str() {
        "lock" => "locked",
        "results" => "result",
        _ => "gate",
    };
    Ok(back(notice))
}

/// The specialist reviewer signs a gate off, with a note. Only the pack's reviewer role may, and only
/// a gate that is waiting for sign-off: a blocked gate cannot be signed through.
pub async fn sign_off(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, gate)): Path<(String, String)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let kind = gate_kind(&gate)?;
    let context = Context::load(&state, viewer.organisation, &item).await?;
    let view = context.gates.iter().find(|g| g.kind == kind).ok_or(AppError::NotFound)?;
    if !viewer.roles.contains(&view.signed_off_by) {
        return Err(AppError::Forbidden(format!(
            "Only the {} can sign off the {} gate.",
            view.signed_off_by.label().to_lowercase(),
            view.label.to_lowercase()
        )));
    }
    if !matches!(view.status, GateStatus::AwaitingSignOff | GateStatus::External) {
        return Err(AppError::Conflict(format!(
            "The {} gate cannot be signed off while it is {}.",
            view.label.to_lowercase(),
            view.status.label().to_lowercase()
        )));
    }
    let form = gate_form_from(pairs);
    let mut errors = FieldErrors::new();
    let note =
        kindling_domain::validation::required_text(&mut errors, "note", &form.note, "a note of what you checked", 2000);
    if !errors.is_empty() {
        return render_gate(&state, &viewer, &item, kind, &errors, None, Some(&form)).await;
    }
    gate_store::sign_off(state.db(), viewer.actor(now_ms()), item.id, kind, &note, &context.pack.pack).await?;
    Ok(Redirect::to(&format!("/initiatives/{}/gates/{}?notice=signed", item.id, kind.slug())).into_response())
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RegisterFilters {
    domain: String,
    band: String,
    owner: String,
    overdue: String,
}

/// The organisation's risk register: every open initiative's risks, worst first, with the heat map;
/// filterable by domain, band, owner and overdue review.
pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<RegisterFilters>,
) -> Result<Response, AppError> {
    let pack = policy::active(state.db(), viewer.organisation).await?.pack;
    let all = risk_store::register(state.db(), viewer.organisation).await?;
    let today = today();
    let owner = filters.owner.trim().to_lowercase();
    let items: Vec<RiskItem> = all
        .into_iter()
        .filter(|r| filters.domain.is_empty() || r.draft.domain == filters.domain)
        .filter(|r| filters.band.is_empty() || pack.band(r.draft.now.value()).is_some_and(|b| b.id == filters.band))
        .filter(|r| owner.is_empty() || r.draft.owner.to_lowercase().contains(&owner))
        .filter(|r| filters.overdue.is_empty() || r.draft.review < today)
        .collect();
    let map = HeatMap::of(items.iter().map(|r| r.draft.now));
    let heat = heat_map_svg(&pack, &map, &format!("{} risks by consequence and likelihood", items.len()), "register");
    let mut domains = vec![(String::new(), "Any domain".to_owned())];
    domains.extend(pack.risk.domains.iter().map(|d| (d.id.clone(), d.label.clone())));
    let mut bands = vec![(String::new(), "Any band".to_owned())];
    bands.extend(pack.risk.bands.iter().map(|b| (b.id.clone(), format!("{} ({}–{})", b.label, b.min, b.max))));
    let rows = risk_rows(&pack, &items, today);
    let corporate: Vec<&RiskRow<'_>> = rows.iter().filter(|r| r.corporate).collect();
    let register_band = pack.band(pack.corporate_register_from()).map(|b| b.label.clone()).unwrap_or_default();
    let html = templates::render(
        "governance/register.html",
        page! { title => "Risk register", section => "risks", viewer => viewer.view(), risks => &rows, corporate => corporate, register_from => pack.corporate_register_from(), register_band => register_band, heat_map => heat, filters => &filters, domains => domains, bands => bands, pack => &pack.pack },
    )?;
    Ok(html.into_response())
}

/// A select's options for a 1–5 scale given by its labels: "1 Minor", "2 …", after "Choose".
fn numbered_options(labels: &[String]) -> Vec<(String, String)> {
    options("Choose", labels.iter().enumerate().map(|(i, l)| (i + 1, format!("{} {l}", i + 1))))
}

/// One hazard of the initiative's log, for those who may change it: the team and the clinical safety
/// officer.
async fn load_hazard(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    hazard: &str,
) -> Result<(Initiative, gate_store::Hazard), AppError> {
    let item = load(state, viewer, parse_id(id)?).await?;
    let hazard_id = hazard.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let hazard = gate_store::hazards(state.db(), viewer.organisation, item.id)
        .await?
        .into_iter()
        .find(|h| h.id == hazard_id)
        .ok_or(AppError::NotFound)?;
    if !may_edit(viewer, &item) && !viewer.roles.contains(&kindling_domain::people::Role::ClinicalSafetyOfficer) {
        return Err(AppError::Forbidden(
            "Only the initiative's team and the clinical safety officer can change its hazards.".into(),
        ));
    }
    Ok((item, hazard))
}

async fn render_hazard(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    hazard: &gate_store::Hazard,
    form: &HazardForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let pack = policy::active(state.db(), viewer.organisation).await?.pack;
    let scale = numbered_options;
    let statuses: Vec<(&str, &str, Option<String>)> = gates::HazardStatus::ALL
        .iter()
        .map(|s| {
            let hint = match s {
                gates::HazardStatus::Open => "Its controls are not yet all in place",
                gates::HazardStatus::Mitigated => "Its controls are in place; its residual risk still counts",
                gates::HazardStatus::Closed => "It no longer applies (clinical safety officer only)",
                gates::HazardStatus::Transferred => {
                    "It is managed in another hazard log, such as the supplier's (clinical safety officer only)"
                }
            };
            (s.slug(), s.label(), Some(hint.to_owned()))
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "governance/hazard.html",
        page! { title => format!("Change a hazard: {}", hazard.name), section => "initiatives", viewer => viewer.view(), item => item, hazard => hazard, hazard_form => form, statuses => statuses, severities => scale(&pack.clinical_safety.severities), hazard_likelihoods => scale(&pack.clinical_safety.likelihoods), hazard_levels => &pack.clinical_safety.acceptability, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

fn hazard_form_from(h: &gate_store::Hazard) -> HazardForm {
    HazardForm {
        status: h.status.slug().to_owned(),
        owner: h.owner.clone(),
        name: h.name.clone(),
        cause: h.cause.clone(),
        effect: h.effect.clone(),
        controls: h.controls.clone(),
        initial_severity: h.initial.0.to_string(),
        initial_likelihood: h.initial.1.to_string(),
        residual_severity: h.residual.0.to_string(),
        residual_likelihood: h.residual.1.to_string(),
    }
}

/// The hazard's page: its fields to change, its status and owner, and its history.
pub async fn hazard_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, hazard)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (item, hazard) = load_hazard(&state, &viewer, &id, &hazard).await?;
    render_hazard(&state, &viewer, &item, &hazard, &hazard_form_from(&hazard), &FieldErrors::new()).await
}

/// Changes a hazard: new controls, a re-scored residual, its status or owner. Closing or transferring
/// takes it out of the gate, so only the clinical safety officer may.
pub async fn update_hazard(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, hazard)): Path<(String, String)>,
    axum::Form(form): axum::Form<HazardForm>,
) -> Result<Response, AppError> {
    let (item, hazard) = load_hazard(&state, &viewer, &id, &hazard).await?;
    let parsed = form.parse().and_then(|draft| {
        if draft.status.may_set(&viewer.roles) {
            Ok(draft)
        } else {
            let mut errors = FieldErrors::new();
            errors.add("status", "Only the clinical safety officer can close or transfer a hazard");
            Err(errors)
        }
    });
    match parsed {
        Err(errors) => render_hazard(&state, &viewer, &item, &hazard, &form, &errors).await,
        Ok(draft) => {
            let pack = policy::active(state.db(), viewer.organisation).await?.pack;
            let level = pack.hazard_level(draft.residual.0, draft.residual.1).unwrap_or(5);
            if !gate_store::update_hazard(state.db(), viewer.actor(now_ms()), item.id, hazard.id, &draft, level).await?
            {
                return Err(AppError::NotFound);
            }
            Ok(Redirect::to(&format!("/initiatives/{}/gates/clinical-safety?notice=hazard-changed#hazards", item.id))
                .into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HazardReviewForm {
    note: String,
}

/// The clinical safety officer reviews one hazard as it stands, with a note.
pub async fn review_hazard(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, hazard)): Path<(String, String)>,
    axum::Form(form): axum::Form<HazardReviewForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    if !viewer.roles.contains(&kindling_domain::people::Role::ClinicalSafetyOfficer) {
        return Err(AppError::Forbidden("Only the clinical safety officer can review a hazard.".into()));
    }
    let hazard_id = hazard.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let note = form.note.trim();
    if note.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add("review", "Say what you checked");
        let typed = GateForm { review_hazard: hazard_id.to_string(), ..GateForm::default() };
        return render_gate(&state, &viewer, &item, GateKind::ClinicalSafety, &errors, None, Some(&typed)).await;
    }
    if !gate_store::review_hazard(state.db(), viewer.actor(now_ms()), item.id, hazard_id, note).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/initiatives/{}/gates/clinical-safety?notice=hazard-reviewed#hazards", item.id))
        .into_response())
}
