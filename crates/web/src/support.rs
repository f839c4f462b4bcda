//! Support offers: the directory of help in the organisation, publishing an offer, an initiative
//! asking for help, the offering team's answer, and response times judged like approvals.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::UserId;
use kindling_domain::initiatives::CivilDate;
use kindling_domain::people::Role;
use kindling_domain::support::{Answer, OfferForm, OfferKind, answer, parse_request};
use kindling_domain::validation::FieldErrors;
use kindling_store::initiatives::Initiative;
use kindling_store::support::{self, Request};
use kindling_store::users;
use serde::{Deserialize, Serialize};

use crate::approvals::{DaysChart, days_chart, median};
use crate::auth::Viewer;
use crate::initiatives::{field_errors, load, parse_id, require_team};
use crate::{AppError, AppState, now_ms, templates};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn may_publish(viewer: &Viewer) -> bool {
    viewer.roles.iter().any(|r| matches!(r, Role::ImprovementLead | Role::Executive | Role::Admin))
}

/// The offer's contact, or an administrator of the organisation that offers it (never of the one that
/// asked, which can read its request but not answer it).
fn may_answer(viewer: &Viewer, request: &Request) -> bool {
    request.contact == viewer.user.id
        || (viewer.roles.contains(&Role::Admin) && request.offer_organisation == viewer.organisation)
}

/// Days from asking to the first answer, to a tenth of a day.
fn response_days(r: &Request) -> Option<f64> {
    r.responded_ms.map(|at| ((at - r.requested_ms) as f64 / DAY_MS as f64 * 10.0).round() / 10.0)
}

/// One offer in the directory, with how it has answered so far.
#[derive(Serialize)]
struct OfferRow {
    offer: support::Offer,
    kind_label: &'static str,
    requests: usize,
    median_days: Option<f64>,
}

/// Asking for help before there is an initiative: the offer and what is needed.
async fn render_ask(
    viewer: &Viewer,
    offer: &support::Offer,
    form: &AskForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "support/ask.html",
        page! { title => format!("Ask for {}", offer.title), section => "support", viewer => viewer.view(), offer => offer, form => form, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

async fn load_offer(state: &AppState, viewer: &Viewer, id: &str) -> Result<support::Offer, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    support::offer(state.db(), viewer.organisation, id).await?.ok_or(AppError::NotFound)
}

/// The form to ask an offer for help without an initiative (an idea still forming, a question).
pub async fn ask_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let offer = load_offer(&state, &viewer, &id).await?;
    render_ask(&viewer, &offer, &AskForm::default(), &FieldErrors::new()).await
}

/// Asks for help without an initiative; the answer comes back to the person who asked.
pub async fn ask_directly(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<AskForm>,
) -> Result<Response, AppError> {
    let offer = load_offer(&state, &viewer, &id).await?;
    match parse_request(&form.message) {
        Ok(message) => {
            support::ask(state.db(), viewer.actor(now_ms()), &offer, None, &message).await?;
            Ok(Redirect::to("/support?notice=asked#asked").into_response())
        }
        Err(errors) => render_ask(&viewer, &offer, &form, &errors).await,
    }
}

/// `?notice=…` after a form: the confirmation the page shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

fn notice_text(notice: &str) -> Option<&'static str> {
    match notice {
        "published" => Some("Your offer has been published in the directory."),
        "asked" => Some("Your request has been sent, and the person who offers this help has been told."),
        "answered" => Some("Your answer has been recorded, and the team that asked has been told."),
        _ => None,
    }
}

pub async fn directory(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let offers = support::offers(state.db(), viewer.organisation).await?;
    let requests = support::requests(state.db(), viewer.organisation, None).await?;
    let rows: Vec<OfferRow> = offers
        .into_iter()
        .map(|offer| {
            let mine: Vec<&Request> = requests.iter().filter(|r| r.offer == offer.id).collect();
            let days: Vec<f64> = mine.iter().filter_map(|r| response_days(r)).collect();
            OfferRow { kind_label: offer.kind.label(), requests: mine.len(), median_days: median(&days), offer }
        })
        .collect();
    let asked = support::asked_by(state.db(), viewer.organisation, viewer.user.id).await?;
    let waiting: Vec<&Request> = requests
        .iter()
        .filter(|r| r.contact == viewer.user.id && r.status == kindling_domain::support::RequestStatus::Open)
        .collect();
    let html = templates::render(
        "support/directory.html",
        page! { title => "Support for innovators", section => "support", viewer => viewer.view(), rows => rows, waiting => waiting, asked => asked, may_publish => may_publish(&viewer), notice => notice_text(&query.notice) },
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OfferInput {
    #[serde(flatten)]
    offer: OfferForm,
    contact: String,
}

async fn render_offer_form(
    state: &AppState,
    viewer: &Viewer,
    form: &OfferInput,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let kinds: Vec<(&str, &str)> = OfferKind::ALL.iter().map(|k| (k.slug(), k.label())).collect();
    let people: Vec<(String, String)> = users::members(state.db(), viewer.organisation)
        .await?
        .into_iter()
        .map(|p| (p.id.to_string(), format!("{} ({})", p.name, p.profession.label())))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "support/offer_form.html",
        page! { title => "Publish a support offer", section => "support", viewer => viewer.view(), form => form, kinds => kinds, people => people, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

fn require_publisher(viewer: &Viewer) -> Result<(), AppError> {
    if may_publish(viewer) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only improvement leads, executives and administrators can publish support offers.".into(),
        ))
    }
}

pub async fn new_offer(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    require_publisher(&viewer)?;
    let form = OfferInput { contact: viewer.user.id.to_string(), ..OfferInput::default() };
    render_offer_form(&state, &viewer, &form, &FieldErrors::new()).await
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<OfferInput>,
) -> Result<Response, AppError> {
    require_publisher(&viewer)?;
    let members = users::members(state.db(), viewer.organisation).await?;
    let contact = form.contact.parse::<i64>().ok().map(UserId::new).filter(|c| members.iter().any(|m| m.id == *c));
    let parsed = form.offer.parse();
    match (parsed, contact) {
        (Ok(draft), Some(contact)) => {
            support::publish(state.db(), viewer.actor(now_ms()), &draft, contact).await?;
            Ok(Redirect::to("/support?notice=published").into_response())
        }
        (parsed, contact) => {
            let mut errors = parsed.err().unwrap_or_default();
            if contact.is_none() {
                errors.add("contact", "Choose who answers requests");
            }
            render_offer_form(&state, &viewer, &form, &errors).await
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AskForm {
    offer: String,
    message: String,
}

async fn render_initiative(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    form: &AskForm,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let requests = support::for_initiative(state.db(), viewer.organisation, item.id).await?;
    let offers: Vec<(String, String)> = support::offers(state.db(), viewer.organisation)
        .await?
        .into_iter()
        .map(|o| {
            (o.id.to_string(), format!("{} ({}, replies within {} days)", o.title, o.kind.label(), o.response_days))
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "support/initiative.html",
        page! { title => "Help for this initiative", section => "initiatives", viewer => viewer.view(), item => item, requests => requests, offers => offers, form => form, errors => errors, field_errors => field_errors(errors), notice => notice },
    )?;
    Ok((status, html).into_response())
}

pub async fn initiative(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let notice = notice_text(&query.notice);
    render_initiative(&state, &viewer, &item, &AskForm::default(), &FieldErrors::new(), notice).await
}

pub async fn ask(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<AskForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "ask for help for it")?;
    let offer = match form.offer.parse::<i64>() {
        Ok(o) => support::offer(state.db(), viewer.organisation, o).await?,
        Err(_) => None,
    };
    let parsed = parse_request(&form.message);
    match (parsed, offer) {
        (Ok(message), Some(offer)) => {
            support::ask(state.db(), viewer.actor(now_ms()), &offer, Some(item.id), &message).await?;
            Ok(Redirect::to(&format!("/initiatives/{}/support?notice=asked", item.id)).into_response())
        }
        (parsed, offer) => {
            let mut errors = parsed.err().unwrap_or_default();
            if offer.is_none() {
                errors.add("offer", "Choose the help you need from the list");
            }
            render_initiative(&state, &viewer, &item, &form, &errors, None).await
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
    note: String,
}

async fn render_request(
    viewer: &Viewer,
    request: &Request,
    form: &AnswerForm,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let answers: Vec<(&str, &str, Option<String>)> = match request.status {
        kindling_domain::support::RequestStatus::Open => vec![
            ("accept", "Accept: we will help", None),
            ("decline", "Decline, with the reason", Some("Say why, and where else they could turn".to_owned())),
            ("complete", "Done already", None),
        ],
        kindling_domain::support::RequestStatus::Accepted => vec![("complete", "Completed", None)],
        _ => vec![],
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "support/request.html",
        page! { title => format!("Request for {}", request.offer_title), section => "support", viewer => viewer.view(), request => request, own => request.organisation == viewer.organisation, status_label => request.status.label(), may_answer => may_answer(viewer, request), answers => answers, form => form, errors => errors, field_errors => field_errors(errors), notice => notice, overdue => request.responded_ms.is_none() && now_ms() - request.requested_ms > request.response_days * DAY_MS },
    )?;
    Ok((status, html).into_response())
}

async fn load_request(state: &AppState, viewer: &Viewer, id: &str) -> Result<Request, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    support::request(state.db(), viewer.organisation, id).await?.ok_or(AppError::NotFound)
}

pub async fn request(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let request = load_request(&state, &viewer, &id).await?;
    render_request(&viewer, &request, &AnswerForm::default(), &FieldErrors::new(), notice_text(&query.notice)).await
}

pub async fn respond(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<AnswerForm>,
) -> Result<Response, AppError> {
    let request = load_request(&state, &viewer, &id).await?;
    if !may_answer(&viewer, &request) {
        return Err(AppError::Forbidden("Only the offer's contact and administrators can answer its requests.".into()));
    }
    let Some(choice) = Answer::parse(&form.answer) else {
        let mut errors = FieldErrors::new();
        errors.add("answer", "Choose an answer");
        return render_request(&viewer, &request, &form, &errors, None).await;
    };
    match answer(request.status, choice, &form.note) {
        Err(errors) => render_request(&viewer, &request, &form, &errors, None).await,
        Ok((status, note)) => {
            support::answer(state.db(), viewer.actor(now_ms()), &request, status, note.as_deref()).await?;
            Ok(Redirect::to(&format!("/support/requests/{}?notice=answered", request.id)).into_response())
        }
    }
}

/// Response times: days from asking to the first answer, as an XmR chart, and how many answers came
/// within each offer's target.
pub async fn performance(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let mut answered: Vec<Request> = support::requests(state.db(), viewer.organisation, None)
        .await?
        .into_iter()
        .filter(|r| r.responded_ms.is_some())
        .collect();
    answered.sort_by_key(|r| r.responded_ms);
    let days: Vec<f64> = answered.iter().filter_map(response_days).collect();
    let labels: Vec<String> =
        answered.iter().filter_map(|r| r.responded_ms.and_then(CivilDate::from_unix_ms)).map(|d| d.iso()).collect();
    let within = answered.iter().zip(&days).filter(|(r, d)| **d <= r.response_days as f64).count();
    let DaysChart { chart, table, verdict, median } =
        days_chart(&days, &labels, "Days from asking to an answer", "support");
    let html = templates::render(
        "support/performance.html",
        page! { title => "Support response times", section => "support", viewer => viewer.view(), count => days.len(), within => within, median => median, chart => chart, table => table, verdict => verdict },
    )?;
    Ok(html.into_response())
}
