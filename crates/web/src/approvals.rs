//! Approvers' pages: the queue (what waits for me, what was escalated to me, everything open), a
//! request with everything the decision needs, the decision itself, conditions met, and how long
//! decisions take as an SPC chart, so leaders can see whether governance is getting faster.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_charts::spc::{ChartText, svg as spc_svg, table_html};
use kindling_domain::approvals::{
    CONDITION_ROWS, CONFIRMING_ROLES, ConditionRow, Confirmer, Decision, DecisionError, DecisionForm, Outcome,
    may_decide,
};
use kindling_domain::initiatives::{CivilDate, Stage, StageChange};
use kindling_domain::policy::{PolicyPack, Route};
use kindling_domain::risk::{self, Scored};
use kindling_domain::validation::FieldErrors;
use kindling_spc::{Chart, Improvement, Obs, Options, Preset, analyse};
use kindling_store::approvals::{self, ApprovalRequest};
use kindling_store::policy;
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::governance::Context;
use crate::initiatives::{field_errors, load};
use crate::{AppError, AppState, now_ms, templates};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The route one rank more senior (not an external one): where an overdue decision escalates.
fn escalation<'a>(pack: &'a PolicyPack, route: &str) -> Option<&'a Route> {
    let current = pack.route(route)?;
    pack.routes.iter().filter(|r| !r.external && r.rank > current.rank).min_by_key(|r| r.rank)
}

/// Where an open request has escalated to by `now`: the more senior route, once it is overdue and the
/// pack escalates after the target; `None` otherwise.
pub(crate) fn escalated_to<'a>(pack: &'a PolicyPack, request: &ApprovalRequest, now: i64) -> Option<&'a Route> {
    (request.overdue(now) && pack.escalation.escalate_after_target).then(|| escalation(pack, &request.route)).flatten()
}

#[derive(Serialize)]
struct QueueRow<'a> {
    request: &'a ApprovalRequest,
    due: String,
    overdue_days: Option<i64>,
    escalated_to: Option<String>,
}

pub async fn queue(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let pack = policy::active(state.db(), viewer.organisation).await?.pack;
    let open = approvals::queue(state.db(), viewer.organisation).await?;
    let now = now_ms();
    let mine = |route: &str| pack.route(route).is_some_and(|r| may_decide(r, &viewer.roles).is_ok());
    let rows: Vec<QueueRow<'_>> = open
        .iter()
        .map(|request| {
            let overdue = request.overdue(now);
            QueueRow {
                request,
                due: CivilDate::from_unix_ms(request.due_ms).map(|d| d.long()).unwrap_or_default(),
                overdue_days: overdue.then(|| (now - request.due_ms) / DAY_MS + 1),
                escalated_to: escalated_to(&pack, request, now).map(|r| r.label.clone()),
            }
        })
        .collect();
    let escalated_to_me = |row: &QueueRow<'_>| {
        escalated_to(&pack, row.request, now).is_some_and(|r| may_decide(r, &viewer.roles).is_ok())
    };
    let (waiting, escalated): (Vec<&QueueRow<'_>>, Vec<&QueueRow<'_>>) = (
        rows.iter().filter(|r| mine(&r.request.route)).collect(),
        rows.iter().filter(|r| escalated_to_me(r) && !mine(&r.request.route)).collect(),
    );
    let html = templates::render(
        "approvals/queue.html",
        page! { title => "Approvals", section => "approvals", viewer => viewer.view(), waiting => waiting, escalated => escalated, all => &rows },
    )?;
    Ok(html.into_response())
}

async fn load_request(state: &AppState, viewer: &Viewer, id: &str) -> Result<ApprovalRequest, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    approvals::get(state.db(), viewer.organisation, id).await?.ok_or(AppError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestQuery {
    notice: String,
}

async fn render_request(
    state: &AppState,
    viewer: &Viewer,
    request: &ApprovalRequest,
    form: &DecisionForm,
    errors: &FieldErrors,
    notice: Option<&str>,
    error_condition: Option<i64>,
) -> Result<Response, AppError> {
    let item = load(state, viewer, request.initiative).await?;
    let context = Context::load(state, viewer.organisation, &item).await?;
    let scored: Vec<Scored<'_>> =
        context.risks.iter().map(|r| Scored { domain: &r.draft.domain, now: r.draft.now }).collect();
    let profile = risk::profile(&scored, &context.pack);
    let route = context.pack.route(&request.route);
    let refusal = match route {
        Some(route) => may_decide(route, &viewer.roles).err().map(|e| e.to_string()),
        None => Some(format!("The {} route is not in the policy pack now in force.", request.route_label)),
    };
    let outcomes: Vec<(&str, &str, Option<String>)> = Outcome::ALL
        .iter()
        .map(|o| {
            let hint = match o {
                Outcome::Approve => "The team may start the pilot once the gates due before it pass",
                Outcome::ApproveWithConditions => {
                    "Each condition becomes an action the team must complete before the pilot starts"
                }
                Outcome::RequestChanges => "Returns it to shaping with your reason",
                Outcome::Decline => "Stops it; the team writes a learning review",
            };
            (o.slug(), o.label(), Some(hint.to_owned()))
        })
        .collect();
    let mut confirmers: Vec<(String, String)> = vec![("decider".into(), "You, the decider".into())];
    confirmers
        .extend(CONFIRMING_ROLES.iter().map(|r| (r.slug().to_owned(), format!("The {}", r.label().to_lowercase()))));
    let mut rows = form.rows.clone();
    rows.resize(CONDITION_ROWS, ConditionRow::default());
    // A decided request shows what has changed since (nothing, for one still in force unchanged).
    let since: Vec<kindling_domain::approvals::BasisChange> = match &request.basis {
        Some(decided) => kindling_domain::approvals::changes_since(&context.pack, decided, &context.basis(&item)),
        None => Vec::new(),
    };
    let approver = route.is_some_and(|r| may_decide(r, &viewer.roles).is_ok());
    let confirmable: Vec<i64> = request
        .conditions
        .iter()
        .filter(|c| c.confirmed_by(viewer.user.id.get(), &viewer.roles, approver))
        .map(|c| c.id)
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "approvals/show.html",
        page! { title => format!("Decision: {}", item.draft.title), section => "approvals", viewer => viewer.view(), request => request, item => &item, due => CivilDate::from_unix_ms(request.due_ms).map(|d| d.long()).unwrap_or_default(), overdue => request.overdue(now_ms()), profile => profile, gates => &context.gates, duties => &context.pack.duties, risks_count => context.risks.len(), refusal => refusal, outcome_label => request.outcome.map(Outcome::label), outcomes => outcomes, form => form, rows => rows, confirmers => confirmers, since => since, confirmable => confirmable, error_condition => error_condition, errors => errors, field_errors => field_errors(errors), notice => notice },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<RequestQuery>,
) -> Result<Response, AppError> {
    let request = load_request(&state, &viewer, &id).await?;
    let notice = match query.notice.as_str() {
        "decided" => Some("Your decision has been recorded. The submitter can see it with your reason."),
        "condition" => Some("The condition is marked as met."),
        _ => None,
    };
    render_request(&state, &viewer, &request, &DecisionForm::default(), &FieldErrors::new(), notice, None).await
}

/// The decision form from the page's fields: the outcome, the reason, and up to five condition rows
/// (`condition-N`, `confirmer-N`, `due-N_day`, `due-N_month`, `due-N_year`).
fn decision_form(pairs: Vec<(String, String)>) -> DecisionForm {
    let mut form = DecisionForm { rows: vec![ConditionRow::default(); CONDITION_ROWS], ..DecisionForm::default() };
    for (key, value) in pairs {
        let row = |prefix: &str| {
            key.strip_prefix(prefix)
                .and_then(|rest| rest.split('_').next())
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=CONDITION_ROWS).contains(n))
                .map(|n| n - 1)
        };
        match key.as_str() {
            "outcome" => form.outcome = value,
            "reason" => form.reason = value,
            "conditions" => form.conditions = value,
            _ => {
                if let Some(i) = row("condition-") {
                    form.rows[i].text = value;
                } else if let Some(i) = row("confirmer-") {
                    form.rows[i].confirmer = value;
                } else if let Some(i) = row("due-") {
                    let row = &mut form.rows[i];
                    match key.rsplit('_').next() {
                        Some("day") => row.due_day = value,
                        Some("month") => row.due_month = value,
                        Some("year") => row.due_year = value,
                        _ => {}
                    }
                }
            }
        }
    }
    form
}

/// The reason the team reads in the initiative's history and in the decision's notification: the
/// approver's reason, then each condition with who confirms it and when it is due.
pub(crate) fn decision_summary(decision: &Decision, decider: &str) -> String {
    if decision.conditions.is_empty() {
        return decision.reason.clone();
    }
    let conditions: Vec<String> = decision
        .conditions
        .iter()
        .map(|c| {
            let who = match &c.confirmer {
                Confirmer::Role(role) => format!("the {}", role.label().to_lowercase()),
                Confirmer::Person(_) => decider.to_owned(),
            };
            let due = c.due.map(|d| format!(", due {}", d.long())).unwrap_or_default();
            format!("{} (confirmed by {who}{due})", c.text)
        })
        .collect();
    format!("{} Conditions: {}.", decision.reason.trim_end_matches('.').to_owned() + ".", conditions.join("; "))
}

/// Records a decision. Someone without the route's role, or a second decision on a closed request,
/// gets a clear refusal and nothing changes.
pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let form = decision_form(pairs);
    let request = load_request(&state, &viewer, &id).await?;
    if let Some(outcome) = request.outcome {
        return Err(AppError::Conflict(DecisionError::AlreadyDecided { outcome }.to_string()));
    }
    let pack = policy::active(state.db(), viewer.organisation).await?.pack;
    let route = pack.route(&request.route).ok_or_else(|| {
        AppError::Conflict(format!("The {} route is not in the policy pack now in force.", request.route_label))
    })?;
    may_decide(route, &viewer.roles).map_err(|e| AppError::Forbidden(e.to_string()))?;
    let today = crate::today();
    let decision = match form.parse(viewer.user.id.get(), today) {
        Ok(decision) => decision,
        Err(errors) => return render_request(&state, &viewer, &request, &form, &errors, None, None).await,
    };
    // The stage change carries the decision's reason and conditions into the initiative's history and
    // the team's notification.
    let change = StageChange {
        from: Stage::Assessment,
        to: decision.outcome.stage(),
        reason: decision_summary(&decision, &viewer.user.name),
        verb: decision.outcome.label(),
        evidence: None,
    };
    let item = load(&state, &viewer, request.initiative).await?;
    let basis = Context::load(&state, viewer.organisation, &item).await?.basis(&item);
    match approvals::decide(state.db(), viewer.actor(now_ms()), &request, &decision, &change, &basis).await {
        Ok(()) => Ok(Redirect::to(&format!("/approvals/{}?notice=decided", request.id)).into_response()),
        Err(kindling_store::StoreError::Conflict(message)) => Err(AppError::Conflict(message)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConditionForm {
    note: String,
    /// Where to go back to: the request or the initiative's governance page.
    back: String,
}

/// The condition's confirmer (a named role or person; the route's approvers for older conditions) marks
/// it met, saying how. An empty note gives the page back with its error.
pub async fn meet_condition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, condition)): Path<(String, String)>,
    axum::Form(form): axum::Form<ConditionForm>,
) -> Result<Response, AppError> {
    let request = load_request(&state, &viewer, &id).await?;
    let item = load(&state, &viewer, request.initiative).await?;
    let condition_id = condition.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let condition = request.conditions.iter().find(|c| c.id == condition_id).ok_or(AppError::NotFound)?;
    let approver = state_may_decide(&state, &viewer, &request).await?;
    if !condition.confirmed_by(viewer.user.id.get(), &viewer.roles, approver) {
        return Err(AppError::Forbidden(format!(
            "Only {} can confirm that this condition is met.",
            condition.confirmer_label
        )));
    }
    if condition.met_ms.is_some() {
        return Err(AppError::Conflict("This condition was already marked as met.".into()));
    }
    let note = form.note.trim();
    if note.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add(NOTE_FIELD, "Say how the condition was met");
        return if form.back == "governance" {
            crate::governance::render_with_condition_error(&state, &viewer, &item, condition_id, &errors).await
        } else {
            render_request_with_condition_error(&state, &viewer, &request, condition_id, &errors).await
        };
    }
    if !approvals::meet_condition(state.db(), viewer.actor(now_ms()), condition_id, note).await? {
        return Err(AppError::Conflict("This condition was already marked as met.".into()));
    }
    let to = if form.back == "governance" {
        format!("/initiatives/{}/governance?notice=condition#approval", item.id)
    } else {
        format!("/approvals/{}?notice=condition", request.id)
    };
    Ok(Redirect::to(&to).into_response())
}

/// The field of the note on a condition's form; the page marks which condition it belongs to.
pub(crate) const NOTE_FIELD: &str = "note";

async fn render_request_with_condition_error(
    state: &AppState,
    viewer: &Viewer,
    request: &ApprovalRequest,
    condition: i64,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    render_request(state, viewer, request, &DecisionForm::default(), errors, None, Some(condition)).await
}

async fn state_may_decide(state: &AppState, viewer: &Viewer, request: &ApprovalRequest) -> Result<bool, AppError> {
    let pack = policy::active(state.db(), viewer.organisation).await?.pack;
    Ok(pack.route(&request.route).is_some_and(|r| may_decide(r, &viewer.roles).is_ok()))
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PerformanceQuery {
    route: String,
}

/// Days from submission to decision, one point per decision in the order decided, as an XmR chart
/// (lower is better), per route or for all routes.
/// A series of waits in days, judged as an XmR chart where fewer days is better.
pub(crate) struct DaysChart {
    pub chart: Option<String>,
    pub table: Option<String>,
    pub verdict: Option<String>,
    pub median: Option<f64>,
}

/// Draws `days` (one per decision or answer, in order, labelled by date) as an XmR chart with its
/// table and verdict, and their median. Too few points for a chart leave it out.
pub(crate) fn days_chart(days: &[f64], labels: &[String], title: &str, id: &str) -> DaysChart {
    let observations: Vec<Obs> = days.iter().map(|d| Obs { y: Some(*d), n: None }).collect();
    let (chart, table, verdict) = match drawn(&observations, labels, title, id, Chart::Xmr, Improvement::Decrease) {
        Some(d) => (Some(d.svg), Some(d.table), Some(d.verdict)),
        None => (None, None, None),
    };
    DaysChart { chart, table, verdict, median: median(days) }
}

/// A series drawn: the SVG, its table, the verdict and the Making Data Count variation icon.
pub(crate) struct Drawn {
    pub svg: String,
    pub table: String,
    pub verdict: String,
    /// `None` for a run chart, which has no limits to judge variation by.
    pub variation_icon: Option<String>,
}

/// A series judged with the Making Data Count rules and drawn, or `None` when the engine cannot
/// analyse it (too few points).
pub(crate) fn drawn(
    observations: &[Obs],
    labels: &[String],
    title: &str,
    id: &str,
    chart: Chart,
    improvement: Improvement,
) -> Option<Drawn> {
    let mut options = Options::preset(Preset::Mdc, chart);
    options.improvement = improvement;
    let analysis = analyse(observations, &options).ok()?;
    // A proportion is written as a percentage, as the chart's axis and table write it.
    let percent = |v: f64| format!("{}%", crate::evidence::number(v * 100.0));
    let verdict = if matches!(chart, Chart::P | Chart::PPrime) {
        kindling_spc::verdict::verdict_in(&analysis, labels, None, &percent)
    } else {
        kindling_spc::verdict::verdict(&analysis, labels, None)
    };
    let text = ChartText { title, verdict: &verdict, x_labels: labels, target: None, id, include: None };
    Some(Drawn {
        svg: spc_svg(&analysis, &text),
        table: table_html(&analysis, &text),
        variation_icon: analysis.variation.map(kindling_charts::spc::variation_icon),
        verdict,
    })
}

/// The median (the mean of the two middle values of an even count), `None` for none: the same median
/// the SPC engine draws as a run chart's centre, so the text and the chart agree.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

pub async fn performance(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PerformanceQuery>,
) -> Result<Response, AppError> {
    let decided = approvals::decided(state.db(), viewer.organisation).await?;
    let mut routes: Vec<(String, String)> = vec![(String::new(), "Every route".into())];
    for r in &decided {
        if !routes.iter().any(|(id, _)| *id == r.route) {
            routes.push((r.route.clone(), r.route_label.clone()));
        }
    }
    let chosen: Vec<&ApprovalRequest> =
        decided.iter().filter(|r| query.route.is_empty() || r.route == query.route).collect();
    let days: Vec<f64> = chosen
        .iter()
        .filter_map(|r| r.decided_ms.map(|d| (d - r.submitted_ms) as f64 / DAY_MS as f64))
        .map(|d| (d * 10.0).round() / 10.0)
        .collect();
    let labels: Vec<String> =
        chosen.iter().filter_map(|r| r.decided_ms.and_then(CivilDate::from_unix_ms)).map(|d| d.iso()).collect();
    let DaysChart { chart, table, verdict, median } =
        days_chart(&days, &labels, "Days from submission to decision", "decisions");
    // Which decisions needed a committee (and a paper) and which were taken locally, by the pack's routes.
    let pack = kindling_store::policy::active(state.db(), viewer.organisation).await?.pack;
    let by_committee = decided.iter().filter(|r| pack.route(&r.route).is_some_and(|route| route.committee)).count();
    let html = templates::render(
        "approvals/performance.html",
        page! { title => "Time to decision", section => "approvals", viewer => viewer.view(), routes => routes, query => &query, count => days.len(), median => median, chart => chart, table => table, verdict => verdict, by_committee => by_committee, locally => decided.len() - by_committee },
    )?;
    Ok(html.into_response())
}
