//! Applying to a programme and the lead's decision (issue 19 §3). Staff apply from the programme's
//! page while it is open; the lead reads each application with its answers and approves it (which
//! enrols the applicant, checked again as the enrolment form checks) or declines it with a reason.
//! An approved mentor goes on to the selection step: their training record, without which a
//! programme that requires training does not match them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::mentoring::applications::{
    ANSWER_FIELDS, Applicant, Application, ApplicationForm, ROLES, Status, TrainingForm,
};
use kindling_domain::mentoring::{LEARNING_STYLES, Side};
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::StoreError;
use kindling_store::mentoring::applications::{self, ApplicationRecord};
use kindling_store::mentoring::{self, Programme};
use serde::Serialize;

use super::{leads, load, load_led, parse_number};
use crate::auth::Viewer;
use crate::initiatives::field_errors;
use crate::{AppError, AppState, now_ms, templates};

/// The form's fields from a posted body: answers are numbered, one per question.
fn read_form(body: &[(String, String)], questions: usize) -> ApplicationForm {
    let get = |name: &str| body.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    ApplicationForm {
        role: get("role"),
        staff_number: get("staff_number"),
        profession: get("profession"),
        grade: get("grade"),
        site: get("site"),
        unit: get("unit"),
        goals: get("goals"),
        expertise: get("expertise"),
        learning_style: get("learning_style"),
        availability: get("availability"),
        capacity: get("capacity"),
        line_manager: get("line_manager"),
        track: get("track"),
        answers: ANSWER_FIELDS.iter().take(questions).map(|f| get(f)).collect(),
    }
}

/// Each question with its field name and what was typed, for the form.
#[derive(Serialize)]
struct Question<'a> {
    field: &'static str,
    text: &'a str,
    answer: &'a str,
}

fn questions<'a>(programme: &'a Programme, form: &'a ApplicationForm) -> Vec<Question<'a>> {
    programme
        .settings
        .application_questions
        .iter()
        .enumerate()
        .map(|(k, text)| Question {
            field: ANSWER_FIELDS[k],
            text,
            answer: form.answers.get(k).map(String::as_str).unwrap_or_default(),
        })
        .collect()
}

fn render_form(
    viewer: &Viewer,
    programme: &Programme,
    form: &ApplicationForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let roles: Vec<[&str; 2]> = ROLES.iter().map(|(a, b)| [*a, *b]).collect();
    let styles: Vec<[&str; 2]> = LEARNING_STYLES.iter().map(|(a, b)| [*a, *b]).collect();
    let html = templates::render(
        "mentoring/apply.html",
        page! { title => "Apply to join", section => "mentoring", viewer => viewer.view(), programme => programme, form => form, questions => questions(programme, form), roles => roles, learning_styles => styles, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

/// A programme the viewer may apply to: open, in their organisation.
async fn open_programme(state: &AppState, viewer: &Viewer, id: &str) -> Result<Programme, AppError> {
    let programme = load(state, viewer, id).await?;
    if !programme.settings.applications_open {
        return Err(AppError::Conflict("This programme is not taking applications.".into()));
    }
    Ok(programme)
}

pub async fn new_application(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let programme = open_programme(&state, &viewer, &id).await?;
    // Start from what the account already says, in the words the programme's rules use.
    let form = ApplicationForm {
        profession: viewer.user.profession.label().to_lowercase(),
        track: "standard".into(),
        ..ApplicationForm::default()
    };
    render_form(&viewer, &programme, &form, &FieldErrors::new())
}

fn applicant(viewer: &Viewer) -> Applicant {
    Applicant { name: viewer.user.name.clone(), email: viewer.user.email.clone() }
}

/// Checks a parsed application against the people enrolled now: an email already enrolled under
/// another reference, an unknown line manager, or a side the applicant is on already.
async fn against_roster(
    state: &AppState,
    programme: &Programme,
    application: &Application,
) -> Result<FieldErrors, AppError> {
    let roster = mentoring::roster(state.db(), programme.id).await?;
    let mut errors = FieldErrors::new();
    for draft in &application.enrolments {
        for e in roster.check(draft).iter() {
            let field = if e.field == "email" { "staff_number" } else { e.field };
            if !errors.iter().any(|known| known.field == field && known.message == e.message) {
                errors.add(field, e.message.clone());
            }
        }
        if roster.is_enrolled(draft.side, &draft.reference) {
            errors.add("role", format!("{} is already enrolled as a {}", draft.name, draft.side.slug()));
        }
    }
    Ok(errors)
}

pub async fn apply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(body): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let programme = open_programme(&state, &viewer, &id).await?;
    let form = read_form(&body, programme.settings.application_questions.len());
    let application = match form.parse(&applicant(&viewer), &programme.settings) {
        Ok(application) => application,
        Err(errors) => return render_form(&viewer, &programme, &form, &errors),
    };
    let errors = against_roster(&state, &programme, &application).await?;
    if !errors.is_empty() {
        return render_form(&viewer, &programme, &form, &errors);
    }
    match applications::apply(state.db(), viewer.actor(now_ms()), programme.id, programme.lead, &form).await {
        Ok(made) => Ok(Redirect::to(&format!("/mentoring/applications/{made}")).into_response()),
        Err(StoreError::Conflict(message)) => {
            let mut errors = FieldErrors::new();
            errors.add("role", message);
            render_form(&viewer, &programme, &form, &errors)
        }
        Err(other) => Err(other.into()),
    }
}

/// The lead's list: waiting applications first.
pub async fn list(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    let all = applications::applications(state.db(), viewer.organisation, programme.id).await?;
    let waiting = all.iter().filter(|a| a.status == Status::Pending).count();
    let html = templates::render(
        "mentoring/applications.html",
        page! { title => "Applications", section => "mentoring", viewer => viewer.view(), programme => programme, applications => all, waiting => waiting },
    )?;
    Ok(html.into_response())
}

/// An application, for its applicant or the programme's lead (anyone else: not found).
async fn load_application(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<(ApplicationRecord, Programme, bool), AppError> {
    let application = applications::application(state.db(), viewer.organisation, parse_number(raw)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let programme = mentoring::programme(state.db(), viewer.organisation, application.programme)
        .await?
        .ok_or(AppError::NotFound)?;
    let leads = leads(viewer, &programme);
    if !leads && application.user != viewer.user.id {
        return Err(AppError::NotFound);
    }
    Ok((application, programme, leads))
}

#[derive(Default, Serialize)]
struct Decision {
    reason: String,
    errors: FieldErrors,
}

async fn render_application(
    viewer: &Viewer,
    (application, programme, leads): (ApplicationRecord, Programme, bool),
    decision: &Decision,
) -> Result<Response, AppError> {
    let status = if decision.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let role = ROLES.iter().find(|(slug, _)| *slug == application.form.role).map_or("", |(_, label)| *label);
    let answers: Vec<(&String, &str)> = programme
        .settings
        .application_questions
        .iter()
        .enumerate()
        .map(|(k, q)| (q, application.form.answers.get(k).map(String::as_str).unwrap_or_default()))
        .collect();
    let html = templates::render(
        "mentoring/application.html",
        page! { title => format!("Application from {}", application.name), section => "mentoring", viewer => viewer.view(), programme => programme, application => application, role => role, answers => answers, leads => leads, decision => decision, field_errors => field_errors(&decision.errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let loaded = load_application(&state, &viewer, &id).await?;
    render_application(&viewer, loaded, &Decision::default()).await
}

/// Only the lead decides, and only what is still waiting.
fn decidable(application: &ApplicationRecord, leads: bool) -> Result<(), AppError> {
    if !leads {
        return Err(AppError::Forbidden("Only the programme's lead decides applications.".into()));
    }
    if application.status != Status::Pending {
        return Err(AppError::Conflict("This application has already been decided or withdrawn.".into()));
    }
    Ok(())
}

/// Approves: the application is checked again, as it would be typed on the enrolment form today (the
/// programme's rules or its roster may have changed since it was made), and enrols the applicant.
pub async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (application, programme, leads) = load_application(&state, &viewer, &id).await?;
    decidable(&application, leads)?;
    let who = Applicant { name: application.name.clone(), email: application.email.clone() };
    let checked = match application.form.parse(&who, &programme.settings) {
        Ok(checked) => checked,
        Err(errors) => return refuse(&viewer, (application, programme, leads), errors).await,
    };
    let errors = against_roster(&state, &programme, &checked).await?;
    if !errors.is_empty() {
        return refuse(&viewer, (application, programme, leads), errors).await;
    }
    match applications::approve(state.db(), viewer.actor(now_ms()), &application, &checked.enrolments).await {
        Ok(enrolled) => {
            // A new mentor goes straight to the selection step: their training record.
            let mentor = checked.enrolments.iter().position(|d| d.side == Side::Mentor).map(|k| enrolled[k]);
            let next = match mentor {
                Some(participant) => format!("/mentoring/participants/{participant}#training"),
                None => format!("/mentoring/programmes/{}/applications", programme.id),
            };
            Ok(Redirect::to(&next).into_response())
        }
        Err(StoreError::Conflict(message)) => {
            let mut errors = FieldErrors::new();
            errors.add("decision", message);
            refuse(&viewer, (application, programme, leads), errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The application page again, saying why it cannot be approved as it stands.
async fn refuse(
    viewer: &Viewer,
    loaded: (ApplicationRecord, Programme, bool),
    found: FieldErrors,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::new();
    for e in found.iter() {
        errors.add("decision", format!("This application cannot be approved as it stands: {}", e.message));
    }
    render_application(viewer, loaded, &Decision { errors, ..Decision::default() }).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DeclineForm {
    reason: String,
}

pub async fn decline(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DeclineForm>,
) -> Result<Response, AppError> {
    let (application, programme, leads) = load_application(&state, &viewer, &id).await?;
    decidable(&application, leads)?;
    let mut errors = FieldErrors::new();
    let reason = required_text(&mut errors, "reason", &form.reason, "the reason, which the applicant reads", 1000);
    if !errors.is_empty() {
        let decision = Decision { reason: form.reason, errors };
        return render_application(&viewer, (application, programme, leads), &decision).await;
    }
    match applications::decline(state.db(), viewer.actor(now_ms()), &application, &reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/mentoring/programmes/{}/applications", programme.id)).into_response()),
        Err(StoreError::Conflict(message)) => Err(AppError::Conflict(message)),
        Err(other) => Err(other.into()),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (application, programme, _) = load_application(&state, &viewer, &id).await?;
    if application.user != viewer.user.id {
        return Err(AppError::Forbidden("Only the applicant can withdraw an application.".into()));
    }
    match applications::withdraw(state.db(), viewer.actor(now_ms()), &application).await {
        Ok(()) => Ok(Redirect::to(&format!("/mentoring/programmes/{}", programme.id)).into_response()),
        Err(StoreError::Conflict(message)) => Err(AppError::Conflict(message)),
        Err(other) => Err(other.into()),
    }
}

/// The training form, as first shown: the course the programme requires, the rest to fill in.
pub(crate) fn training_form(programme: &Programme) -> TrainingForm {
    TrainingForm { course: programme.settings.required_training.clone(), ..TrainingForm::default() }
}
