//! Mentorship programmes: the list and a programme's page, its settings with a preview of new weights,
//! enrolment one by one or from a file, training records and capacities. Rounds, relationships and
//! outcomes have their own modules.

pub mod applications;
pub mod outcomes;
pub mod pairs;
pub mod relationships;
pub mod rounds;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::mentoring::applications::{Status as ApplicationStatus, TrainingForm};
use kindling_domain::mentoring::imports::parse_participants;
use kindling_domain::mentoring::{
    Frequency, LEARNING_STYLES, Objective, PROFESSION_RULES, ParticipantForm, ProgrammeForm, Side, check_capacity,
};
use kindling_domain::people::Role;
use kindling_domain::validation::FieldErrors;
use kindling_store::mentoring::{self, Participant, ParticipantInvited, Programme};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::field_errors;
use crate::{AppError, AppState, now_ms, templates};

/// Whether the viewer may set up programmes.
fn may_create(viewer: &Viewer) -> bool {
    viewer.roles.iter().any(|r| matches!(r, Role::ProgrammeLead | Role::Admin))
}

/// Whether the viewer runs this programme: its lead, or an administrator.
pub(crate) fn leads(viewer: &Viewer, programme: &Programme) -> bool {
    programme.is_led_by(viewer.user.id, &viewer.roles)
}

pub(crate) fn parse_number(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(AppError::NotFound)
}

/// A programme of the viewer's organisation, or not found.
pub(crate) async fn load(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Programme, AppError> {
    mentoring::programme(state.db(), viewer.organisation, parse_number(raw)?).await?.ok_or(AppError::NotFound)
}

/// A programme the viewer leads.
pub(crate) async fn load_led(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Programme, AppError> {
    load_led_id(state, viewer, parse_number(raw)?).await
}

/// [`load_led`] by the programme's id, as a participant or round names it.
pub(crate) async fn load_led_id(state: &AppState, viewer: &Viewer, id: i64) -> Result<Programme, AppError> {
    let programme = mentoring::programme(state.db(), viewer.organisation, id).await?.ok_or(AppError::NotFound)?;
    if !leads(viewer, &programme) {
        return Err(AppError::Forbidden("Only the programme's lead can do this.".into()));
    }
    Ok(programme)
}

pub async fn index(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let programmes = mentoring::programmes(state.db(), viewer.organisation).await?;
    let mine = mentoring::matches_of(state.db(), viewer.organisation, viewer.user.id).await?;
    let html = templates::render(
        "mentoring/index.html",
        page! { title => "Mentoring", section => "mentoring", viewer => viewer.view(), programmes => programmes, mine => mine, may_create => may_create(&viewer) },
    )?;
    Ok(html.into_response())
}

/// The settings form's choices.
fn choices() -> minijinja::Value {
    let pairs = |items: &[(&'static str, &'static str)]| items.iter().map(|(a, b)| [*a, *b]).collect::<Vec<_>>();
    let objectives: Vec<[&str; 2]> = Objective::ALL.iter().map(|o| [o.slug(), o.label()]).collect();
    let frequencies: Vec<[&str; 2]> = Frequency::ALL.iter().map(|f| [f.slug(), f.label()]).collect();
    minijinja::context! { objectives => objectives, frequencies => frequencies, profession_rules => pairs(&PROFESSION_RULES), learning_styles => pairs(&LEARNING_STYLES) }
}

/// What new weights would change, against the current ones, on the people waiting now.
#[derive(Serialize)]
pub(crate) struct Preview {
    current: kindling_matching::round::Character,
    proposed: kindling_matching::round::Character,
    changed: usize,
    pool: usize,
}

fn render_programme_form(
    viewer: &Viewer,
    editing: Option<&Programme>,
    form: &ProgrammeForm,
    errors: &FieldErrors,
    preview: Option<Preview>,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let title = if editing.is_some() { "Programme settings" } else { "Set up a mentoring programme" };
    let html = templates::render(
        "mentoring/programme_form.html",
        page! { title => title, section => "mentoring", viewer => viewer.view(), editing => editing, form => form, errors => errors, field_errors => field_errors(errors), choices => choices(), preview => preview },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_programme(viewer: Viewer) -> Result<Response, AppError> {
    if !may_create(&viewer) {
        return Err(AppError::Forbidden("Only programme leads and administrators can set up programmes.".into()));
    }
    render_programme_form(&viewer, None, &ProgrammeForm::new_programme(), &FieldErrors::new(), None)
}

pub async fn create_programme(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<ProgrammeForm>,
) -> Result<Response, AppError> {
    if !may_create(&viewer) {
        return Err(AppError::Forbidden("Only programme leads and administrators can set up programmes.".into()));
    }
    match form.parse() {
        Ok(draft) => {
            let id = mentoring::create_programme(state.db(), viewer.actor(now_ms()), &draft).await?;
            Ok(Redirect::to(&format!("/mentoring/programmes/{id}")).into_response())
        }
        Err(errors) => render_programme_form(&viewer, None, &form, &errors, None),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    page: Option<String>,
    side: Option<String>,
}

const PER_PAGE: usize = 50;

pub async fn programme(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let programme = load(&state, &viewer, &id).await?;
    render_programme(&state, &viewer, &programme, &query, &ParticipantUpload::default()).await
}

/// What a failed import or enrolment leaves on the programme page.
#[derive(Default, Serialize)]
struct ParticipantUpload {
    errors: FieldErrors,
    rows: Vec<kindling_domain::measures::RowError>,
    imported: Option<usize>,
}

async fn render_programme(
    state: &AppState,
    viewer: &Viewer,
    programme: &Programme,
    query: &ListQuery,
    upload: &ParticipantUpload,
) -> Result<Response, AppError> {
    let everyone = mentoring::participants(state.db(), viewer.organisation, programme.id).await?;
    // Only the lead sees who else is enrolled, with grades, sites, goals and match state; everyone else
    // sees their own enrolment and the programme's totals (issue 17: the API already refused the same).
    let mine: Vec<&Participant> = everyone.iter().filter(|p| p.user == Some(viewer.user.id)).collect();
    let totals = (
        everyone.iter().filter(|p| p.side == Side::Mentee).count(),
        everyone.iter().filter(|p| p.side == Side::Mentor).count(),
    );
    let side = match query.side.as_deref() {
        Some("mentor") => Side::Mentor,
        _ => Side::Mentee,
    };
    let shown: Vec<&Participant> =
        if leads(viewer, programme) { everyone.iter().filter(|p| p.side == side).collect() } else { Vec::new() };
    let pages = shown.len().div_ceil(PER_PAGE).max(1);
    let page = query.page.as_deref().and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).clamp(1, pages);
    let slice: Vec<&&Participant> = shown.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
    let waiting = everyone.iter().filter(|p| p.side == Side::Mentee && p.current_match.is_none()).count();
    let untrained = everyone
        .iter()
        .filter(|p| {
            p.side == Side::Mentor && p.trained_ms.is_none() && !programme.settings.required_training.is_empty()
        })
        .count();
    let rounds = mentoring::rounds(state.db(), viewer.organisation, programme.id).await?;
    let waiting_applications = if leads(viewer, programme) {
        mentoring::applications::applications(state.db(), viewer.organisation, programme.id)
            .await?
            .iter()
            .filter(|a| a.status == ApplicationStatus::Pending)
            .count()
    } else {
        0
    };
    let my_applications =
        mentoring::applications::applications_of(state.db(), viewer.organisation, programme.id, viewer.user.id).await?;
    // Someone on both sides already has nothing left to apply for; one waiting application at a time.
    let may_apply = mine.len() < 2 && !my_applications.iter().any(|a| a.status == ApplicationStatus::Pending);
    let status = if upload.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "mentoring/programme.html",
        page! { title => programme.name.clone(), section => "mentoring", viewer => viewer.view(), programme => programme, leads => leads(viewer, programme), participants => slice, mine => mine, totals => totals, side => side.slug(), page => page, pages => pages, shown => shown.len(), waiting => waiting, untrained => untrained, rounds => rounds, upload => upload, field_errors => field_errors(&upload.errors), waiting_applications => waiting_applications, my_applications => my_applications, may_apply => may_apply },
    )?;
    Ok((status, html).into_response())
}

pub async fn edit_programme(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    render_programme_form(
        &viewer,
        Some(&programme),
        &ProgrammeForm::from_draft(&programme.draft()),
        &FieldErrors::new(),
        None,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    #[serde(flatten)]
    form: ProgrammeForm,
    /// "preview" to see the effect of the weights without saving.
    action: String,
}

pub async fn update_programme(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(input): axum::Form<SettingsForm>,
) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    let draft = match input.form.parse() {
        Ok(draft) => draft,
        Err(errors) => return render_programme_form(&viewer, Some(&programme), &input.form, &errors, None),
    };
    if input.action == "preview" {
        let preview = rounds::preview(&state, &viewer, &programme, &draft.settings).await?;
        return render_programme_form(&viewer, Some(&programme), &input.form, &FieldErrors::new(), preview);
    }
    mentoring::update_programme(state.db(), viewer.actor(now_ms()), programme.id, &draft).await?;
    Ok(Redirect::to(&format!("/mentoring/programmes/{}", programme.id)).into_response())
}

fn render_participant_form(
    viewer: &Viewer,
    programme: &Programme,
    form: &ParticipantForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "mentoring/participant_form.html",
        page! { title => "Enrol a participant", section => "mentoring", viewer => viewer.view(), programme => programme, form => form, errors => errors, field_errors => field_errors(errors), choices => choices() },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_participant(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    let form = ParticipantForm { side: "mentee".into(), ..ParticipantForm::default() };
    render_participant_form(&viewer, &programme, &form, &FieldErrors::new())
}

pub async fn enrol(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ParticipantForm>,
) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    let draft = match form.parse() {
        Ok(draft) => draft,
        Err(errors) => return render_participant_form(&viewer, &programme, &form, &errors),
    };
    let mut errors = programme.settings.mentee_eligibility(&draft);
    errors.extend(mentoring::roster(state.db(), programme.id).await?.check(&draft));
    if !errors.is_empty() {
        return render_participant_form(&viewer, &programme, &form, &errors);
    }
    match mentoring::enrol(state.db(), viewer.actor(now_ms()), programme.id, &draft).await {
        Ok(participant) => Ok(Redirect::to(&format!("/mentoring/participants/{participant}")).into_response()),
        Err(kindling_store::StoreError::Conflict(message)) => {
            let mut errors = FieldErrors::new();
            errors.add("reference", message);
            render_participant_form(&viewer, &programme, &form, &errors)
        }
        Err(other) => Err(other.into()),
    }
}

/// A participant file: all rows enrolled, or none with every problem by line.
pub async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    let mut upload = ParticipantUpload::default();
    let file = crate::uploads::uploaded_file(&headers, &body).await?.1;
    match file {
        Err(message) => upload.errors.add("file", message),
        Ok((name, text)) => {
            let roster = mentoring::roster(state.db(), programme.id).await?;
            match parse_participants(&text, &roster, &programme.settings) {
                Ok(people) => {
                    let count = mentoring::import(state.db(), viewer.actor(now_ms()), programme.id, &people).await?;
                    upload.imported = Some(count);
                }
                Err(rows) => {
                    upload.errors.add(
                        "file",
                        format!(
                            "{name} has {} row{} that cannot be imported: nobody was enrolled. Correct the file and choose it again.",
                            rows.len(),
                            if rows.len() == 1 { "" } else { "s" }
                        ),
                    );
                    upload.rows = rows;
                }
            }
        }
    }
    render_programme(&state, &viewer, &programme, &ListQuery::default(), &upload).await
}

/// A participant of a programme the viewer leads.
async fn load_participant(state: &AppState, viewer: &Viewer, raw: &str) -> Result<(Programme, Participant), AppError> {
    let (programme, participant) =
        mentoring::participant(state.db(), viewer.organisation, parse_number(raw)?).await?.ok_or(AppError::NotFound)?;
    let programme = load_led_id(state, viewer, programme).await?;
    Ok((programme, participant))
}

/// What the participant page's forms show: what was typed into the one that failed.
struct ParticipantForms<'a> {
    errors: &'a FieldErrors,
    capacity: &'a str,
    training: &'a TrainingForm,
    /// What just happened ("invited", "linked"), to say so at the top.
    notice: &'a str,
    /// An invitation link that could not be emailed, shown once for the lead to pass on.
    link: Option<&'a str>,
}

async fn render_participant(
    state: &AppState,
    viewer: &Viewer,
    programme: &Programme,
    participant: &Participant,
    forms: &ParticipantForms<'_>,
) -> Result<Response, AppError> {
    let errors = forms.errors;
    // A mentee's current relationship, so the lead can return them to the pool once it has closed.
    let current = match participant.current_match {
        Some(id) => mentoring::find_match(state.db(), viewer.organisation, id).await?,
        None => None,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "mentoring/participant.html",
        page! { title => participant.name.clone(), section => "mentoring", viewer => viewer.view(), programme => programme, participant => participant, errors => errors, field_errors => field_errors(errors), capacity => forms.capacity, training => forms.training, current => current, notice => forms.notice, link => forms.link },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

pub async fn participant(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let (programme, participant) = load_participant(&state, &viewer, &id).await?;
    let forms = ParticipantForms {
        errors: &FieldErrors::new(),
        capacity: &participant.capacity.to_string(),
        training: &applications::training_form(&programme),
        notice: &query.notice,
        link: None,
    };
    render_participant(&state, &viewer, &programme, &participant, &forms).await
}

/// Invites a participant who has no account to Kindling (as a mentee or mentor of the organisation),
/// so that they are told about their matches and answer them themselves.
pub async fn invite_participant(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (programme, participant) = load_participant(&state, &viewer, &id).await?;
    let back = format!("/mentoring/participants/{}", participant.id);
    match mentoring::invite_participant(state.db(), viewer.actor(now_ms()), &participant).await? {
        None => Err(AppError::Conflict(format!(
            "{} has an account already, or no email address to invite them at.",
            participant.name
        ))),
        Some(ParticipantInvited::Linked) => Ok(Redirect::to(&format!("{back}?notice=linked")).into_response()),
        Some(ParticipantInvited::New { token, email }) => {
            match crate::admin::people::send_invitation(&state, &viewer, &participant.name, &email, &token).await {
                None => Ok(Redirect::to(&format!("{back}?notice=invited")).into_response()),
                Some(link) => {
                    // Not emailed: the link is shown once, for the lead to pass on.
                    let (_, participant) = load_participant(&state, &viewer, &id).await?;
                    let forms = ParticipantForms {
                        errors: &FieldErrors::new(),
                        capacity: &participant.capacity.to_string(),
                        training: &applications::training_form(&programme),
                        notice: "invited-not-emailed",
                        link: Some(&link),
                    };
                    render_participant(&state, &viewer, &programme, &participant, &forms).await
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CapacityForm {
    capacity: String,
}

pub async fn set_capacity(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CapacityForm>,
) -> Result<Response, AppError> {
    let (programme, participant) = load_participant(&state, &viewer, &id).await?;
    if participant.side != Side::Mentor {
        return Err(AppError::BadRequest("Only mentors have a capacity.".into()));
    }
    match check_capacity(&form.capacity, participant.load) {
        Ok(capacity) => {
            mentoring::set_capacity(state.db(), viewer.actor(now_ms()), participant.id, capacity).await?;
            Ok(Redirect::to(&format!("/mentoring/participants/{}", participant.id)).into_response())
        }
        Err(errors) => {
            let training = applications::training_form(&programme);
            let forms = ParticipantForms {
                errors: &errors,
                capacity: &form.capacity,
                training: &training,
                notice: "",
                link: None,
            };
            render_participant(&state, &viewer, &programme, &participant, &forms).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PauseForm {
    /// "yes" to pause, anything else to resume.
    paused: String,
}

/// Pauses a mentor (no new mentees in later rounds; their current pairs carry on) or resumes them.
pub async fn set_paused(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<PauseForm>,
) -> Result<Response, AppError> {
    let (_, participant) = load_participant(&state, &viewer, &id).await?;
    if participant.side != Side::Mentor {
        return Err(AppError::BadRequest("Only mentors can be paused.".into()));
    }
    mentoring::set_paused(state.db(), viewer.actor(now_ms()), participant.id, form.paused == "yes").await?;
    Ok(Redirect::to(&format!("/mentoring/participants/{}", participant.id)).into_response())
}

/// Returns a mentee whose relationship closed to the pool, for a new mentor in the next round.
pub async fn return_to_pool(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (_, participant) = load_participant(&state, &viewer, &id).await?;
    match mentoring::return_to_pool(state.db(), viewer.actor(now_ms()), &participant).await {
        Ok(()) => Ok(Redirect::to(&format!("/mentoring/participants/{}", participant.id)).into_response()),
        Err(kindling_store::StoreError::Conflict(message)) => Err(AppError::Conflict(message)),
        Err(other) => Err(other.into()),
    }
}

/// The mentor selection step: the training record (course, the day it was completed, evidence).
pub async fn record_training(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TrainingForm>,
) -> Result<Response, AppError> {
    let (programme, participant) = load_participant(&state, &viewer, &id).await?;
    if participant.side != Side::Mentor {
        return Err(AppError::BadRequest("Training is recorded for mentors.".into()));
    }
    match form.parse(crate::today()) {
        Ok(record) => {
            mentoring::record_training(state.db(), viewer.actor(now_ms()), participant.id, &record).await?;
            Ok(Redirect::to(&format!("/mentoring/participants/{}", participant.id)).into_response())
        }
        Err(errors) => {
            let forms = ParticipantForms {
                errors: &errors,
                capacity: &participant.capacity.to_string(),
                training: &form,
                notice: "",
                link: None,
            };
            render_participant(&state, &viewer, &programme, &participant, &forms).await
        }
    }
}
