//! A relationship after a match is published: the pair accept or decline, agree goals and rate them,
//! log sessions, keep private notes, give feedback at set points, and close with a reflection. The
//! programme lead sees its progress but never the notes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::mentoring::meetings::{CalendarEvent, MeetingForm, calendar};
use kindling_domain::mentoring::{
    AGREEMENT, ATTAINMENT, FEEDBACK_POINTS, MatchStatus, SessionForm, SessionMode, Side, answer_offer,
    attainment_label, match_reasons, parse_attainment, parse_feedback, screened_text,
};
use kindling_domain::validation::FieldErrors;
use kindling_store::mentoring::{self, Match, NewMeeting, Programme};
use serde::{Deserialize, Serialize};

use super::parse_number;
use crate::auth::Viewer;
use crate::initiatives::field_errors;
use crate::{AppError, AppState, now_ms, templates};

/// Who is looking at a relationship.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Standing {
    Mentee,
    Mentor,
    /// The programme's lead or an administrator: progress, not the private notes.
    Lead,
}

impl Standing {
    fn in_pair(self) -> bool {
        matches!(self, Standing::Mentee | Standing::Mentor)
    }
}

pub(crate) async fn load(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<(Match, Programme, Standing), AppError> {
    let m =
        mentoring::find_match(state.db(), viewer.organisation, parse_number(raw)?).await?.ok_or(AppError::NotFound)?;
    let programme =
        mentoring::programme(state.db(), viewer.organisation, m.programme).await?.ok_or(AppError::NotFound)?;
    let standing = if m.mentee_user == Some(viewer.user.id) {
        Standing::Mentee
    } else if m.mentor_user == Some(viewer.user.id) {
        Standing::Mentor
    } else if programme.is_led_by(viewer.user.id, &viewer.roles) {
        Standing::Lead
    } else {
        return Err(AppError::NotFound);
    };
    Ok((m, programme, standing))
}

fn require_pair(standing: Standing) -> Result<(), AppError> {
    if standing.in_pair() { Ok(()) } else { Err(AppError::Forbidden("Only the mentee and mentor can do this.".into())) }
}

/// Goals are rated and feedback given while a relationship runs and when it closes; never on an offer
/// or a decline.
fn require_started(m: &Match) -> Result<(), AppError> {
    if matches!(m.status, MatchStatus::Active | MatchStatus::Closed) {
        Ok(())
    } else {
        Err(AppError::Conflict("This relationship has not started.".into()))
    }
}

fn require_active(m: &Match) -> Result<(), AppError> {
    if m.status == MatchStatus::Active {
        Ok(())
    } else {
        Err(AppError::Conflict("This relationship is not active.".into()))
    }
}

/// What a failed form leaves on the page: which form, what was typed, and the errors.
#[derive(Default, Serialize)]
pub(crate) struct Forms {
    which: &'static str,
    errors: FieldErrors,
    session: SessionForm,
    meeting: MeetingForm,
    text: String,
}

/// A planned meeting as the page shows it.
#[derive(Serialize)]
struct MeetingView {
    id: i64,
    when: String,
    minutes: i64,
    mode: &'static str,
    place: Option<String>,
    link: Option<String>,
    planned_by: String,
    upcoming: bool,
}

/// The other person as the viewer needs to know them before answering (the mentor's profession,
/// expertise, site and free times for the mentee; the mentee's goals for the mentor; the mentor for
/// the lead), and why they were matched, criterion by criterion, scored as the programme scores now.
async fn partner_and_reasons(
    state: &AppState,
    viewer: &Viewer,
    m: &Match,
    programme: &Programme,
    standing: Standing,
) -> Result<(Option<mentoring::Participant>, Vec<String>), AppError> {
    let mentee = mentoring::participant(state.db(), viewer.organisation, m.mentee).await?.map(|x| x.1);
    let mentor = mentoring::participant(state.db(), viewer.organisation, m.mentor).await?.map(|x| x.1);
    let (Some(mentee), Some(mentor)) = (mentee, mentor) else { return Ok((None, Vec::new())) };
    let reasons = reasons_for(&mentee, &mentor, programme);
    Ok((Some(if standing == Standing::Mentor { mentee } else { mentor }), reasons))
}

/// A mentor on a choosing mentee's shortlist, as the mentee needs to know them.
#[derive(Serialize)]
struct ChoiceView {
    mentor: mentoring::Participant,
    reasons: Vec<String>,
    /// The mentor the round chose.
    offered: bool,
}

/// The shortlist of an offer whose mentee chooses (the offered mentor first), for the mentee or for
/// the lead answering for a mentee without an account; empty otherwise.
async fn shortlist(
    state: &AppState,
    viewer: &Viewer,
    m: &Match,
    programme: &Programme,
    standing: Standing,
) -> Result<Vec<ChoiceView>, AppError> {
    let answers_for_mentee = standing == Standing::Mentee || (standing == Standing::Lead && m.mentee_user.is_none());
    if m.status != MatchStatus::Offered || !answers_for_mentee {
        return Ok(Vec::new());
    }
    let alternatives = mentoring::alternatives(state.db(), m).await?;
    if alternatives.is_empty() {
        return Ok(Vec::new());
    }
    let Some((_, mentee)) = mentoring::participant(state.db(), viewer.organisation, m.mentee).await? else {
        return Ok(Vec::new());
    };
    let mut views = Vec::new();
    for (mentor, offered) in std::iter::once((m.mentor, true)).chain(alternatives.iter().map(|a| (a.mentor, false))) {
        if let Some((_, mentor)) = mentoring::participant(state.db(), viewer.organisation, mentor).await? {
            let reasons = reasons_for(&mentee, &mentor, programme);
            views.push(ChoiceView { mentor, reasons, offered });
        }
    }
    Ok(views)
}

/// Why a mentee and a mentor suit each other, criterion by criterion, scored as the programme scores
/// now; none when the rules exclude the pair (an override paired them).
fn reasons_for(mentee: &mentoring::Participant, mentor: &mentoring::Participant, programme: &Programme) -> Vec<String> {
    let (a, b) = (mentee.profile(), mentor.profile());
    let settings = &programme.settings;
    kindling_matching::profiles::score_pair(&a, &b, &settings.weights(), &settings.rules(Vec::new(), Vec::new()))
        .map(|breakdown| match_reasons(&a, &b, &breakdown))
        .unwrap_or_default()
}

/// The page for a relationship already loaded (and checked) by the handler.
async fn render(
    state: &AppState,
    viewer: &Viewer,
    (m, programme, standing): (Match, Programme, Standing),
    forms: Forms,
) -> Result<Response, AppError> {
    let goals = mentoring::goals(state.db(), m.id).await?;
    let sessions = mentoring::sessions(state.db(), m.id).await?;
    let choices = shortlist(state, viewer, &m, &programme, standing).await?;
    // A shortlist shows the offered mentor with the others; otherwise the page shows the other person.
    let (partner, reasons) = if choices.is_empty() {
        partner_and_reasons(state, viewer, &m, &programme, standing).await?
    } else {
        (None, Vec::new())
    };
    let choice_options: Vec<[String; 2]> = choices
        .iter()
        .map(|c| {
            [
                c.mentor.id.to_string(),
                if c.offered { format!("{} (the round's choice)", c.mentor.name) } else { c.mentor.name.clone() },
            ]
        })
        .collect();
    // The mentor hears of the offer once chosen: until then it is the mentee's to answer.
    let choosing = standing == Standing::Mentor
        && m.status == MatchStatus::Offered
        && !mentoring::alternatives(state.db(), &m).await?.is_empty();
    let now = now_ms();
    let meetings: Vec<MeetingView> = mentoring::meetings(state.db(), m.id)
        .await?
        .into_iter()
        .map(|x| MeetingView {
            id: x.id,
            when: crate::templates::date_and_time(x.starts_ms),
            minutes: x.minutes,
            mode: x.mode.label(),
            place: x.place,
            link: x.link,
            planned_by: x.planned_by,
            upcoming: x.starts_ms + x.minutes * 60_000 >= now,
        })
        .collect();
    let notes = if standing.in_pair() { mentoring::notes(state.db(), m.id).await? } else { Vec::new() };
    let feedback = mentoring::feedback(state.db(), m.id).await?;
    let protected_minutes: i64 = sessions.iter().filter(|s| s.protected).map(|s| s.minutes).sum();
    let goal_rows: Vec<minijinja::Value> = goals
        .iter()
        .map(|g| minijinja::context! { goal => minijinja::Value::from(minijinja::value::Serde(g)), label => g.attainment.map(attainment_label) })
        .collect();
    let my_side = match standing {
        Standing::Mentee => Some(Side::Mentee),
        Standing::Mentor => Some(Side::Mentor),
        Standing::Lead => None,
    };
    let given: Vec<&str> = feedback.iter().filter(|f| Some(f.side) == my_side).map(|f| f.point.as_str()).collect();
    let points: Vec<[&str; 2]> =
        FEEDBACK_POINTS.iter().filter(|(slug, _)| !given.contains(slug)).map(|(a, b)| [*a, *b]).collect();
    let attainment: Vec<[String; 2]> =
        ATTAINMENT.iter().map(|(l, label)| [l.to_string(), (*label).to_owned()]).collect();
    let agreement: Vec<[String; 2]> = AGREEMENT.iter().map(|(l, label)| [l.to_string(), (*label).to_owned()]).collect();
    let modes: Vec<[&str; 2]> = SessionMode::ALL.iter().map(|m| [m.slug(), m.label()]).collect();
    let status = if forms.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "mentoring/match.html",
        page! { title => format!("{} and {}", m.mentee_name, m.mentor_name), section => "mentoring", viewer => viewer.view(), m => &m, programme => programme, standing => standing, goals => goal_rows, sessions => sessions, meetings => meetings, partner => partner, reasons => reasons, choices => choices, choice_options => choice_options, choosing => choosing, protected_minutes => protected_minutes, notes => notes, feedback_count => feedback.len(), points => points, attainment => attainment, agreement => agreement, modes => modes, forms => &forms, field_errors => field_errors(&forms.errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    render(&state, &viewer, load(&state, &viewer, &id).await?, Forms::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
    reason: String,
    /// The mentor chosen from a shortlist (a participant id), where the mentee chooses.
    mentor: String,
}

pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<AnswerForm>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = load(&state, &viewer, &id).await?;
    // A mentee without an account answers through the lead, who records what they said.
    let for_the_mentee = standing == Standing::Lead && m.mentee_user.is_none();
    if !for_the_mentee {
        require_pair(standing)?;
    }
    let accept = form.answer == "accept";
    if accept && standing != Standing::Mentee && !for_the_mentee {
        return Err(AppError::Forbidden("The mentee accepts a match; the mentor may decline it.".into()));
    }
    // A shortlist matters only while the offer waits for an answer.
    let alternatives = match m.status {
        MatchStatus::Offered => mentoring::alternatives(state.db(), &m).await?,
        _ => Vec::new(),
    };
    if !alternatives.is_empty() && standing == Standing::Mentor {
        return Err(AppError::Conflict(format!(
            "{} is choosing a mentor from a shortlist: the offer is theirs to answer.",
            m.mentee_name
        )));
    }
    if accept && !alternatives.is_empty() {
        let chosen = form.mentor.trim().parse::<i64>().ok();
        let known = |id: i64| id == m.mentor || alternatives.iter().any(|a| a.mentor == id);
        let Some(chosen) = chosen.filter(|&id| known(id)) else {
            let mut errors = FieldErrors::new();
            errors.add("mentor", "Choose a mentor from the shortlist");
            return render(
                &state,
                &viewer,
                (m, programme, standing),
                Forms { which: "answer", errors, ..Forms::default() },
            )
            .await;
        };
        if chosen != m.mentor {
            mentoring::accept_alternative(state.db(), viewer.actor(now_ms()), &m, chosen).await?;
            return Ok(Redirect::to(&format!("/mentoring/matches/{}", m.id)).into_response());
        }
    }
    match answer_offer(m.status, accept, &form.reason) {
        Ok((status, reason)) => {
            mentoring::answer(state.db(), viewer.actor(now_ms()), &m, status, reason.as_deref()).await?;
            Ok(Redirect::to(&format!("/mentoring/matches/{}", m.id)).into_response())
        }
        Err(errors) => {
            render(
                &state,
                &viewer,
                (m, programme, standing),
                Forms { which: "answer", errors, text: form.reason, ..Forms::default() },
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TextForm {
    goal: String,
    note: String,
    reflection: String,
}

pub async fn add_goal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TextForm>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = load(&state, &viewer, &id).await?;
    require_pair(standing)?;
    require_active(&m)?;
    match screened_text("goal", &form.goal, "the goal") {
        Ok(text) => {
            mentoring::add_goal(state.db(), viewer.actor(now_ms()), m.id, &text).await?;
            Ok(Redirect::to(&format!("/mentoring/matches/{}#goals", m.id)).into_response())
        }
        Err(errors) => {
            render(
                &state,
                &viewer,
                (m, programme, standing),
                Forms { which: "goal", errors, text: form.goal, ..Forms::default() },
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RatingForm {
    attainment: String,
}

pub async fn rate_goal(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, goal)): Path<(String, String)>,
    axum::Form(form): axum::Form<RatingForm>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = load(&state, &viewer, &id).await?;
    require_pair(standing)?;
    require_started(&m)?;
    match parse_attainment(&form.attainment) {
        Ok(level) => {
            // A goal of another relationship, or none, is not found (issue 17: it answered 409).
            if !mentoring::rate_goal(state.db(), viewer.actor(now_ms()), m.id, parse_number(&goal)?, level).await? {
                return Err(AppError::NotFound);
            }
            Ok(Redirect::to(&format!("/mentoring/matches/{}#goals", m.id)).into_response())
        }
        Err(errors) => {
            render(&state, &viewer, (m, programme, standing), Forms { which: "rating", errors, ..Forms::default() })
                .await
        }
    }
}

pub async fn log_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<SessionForm>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = load(&state, &viewer, &id).await?;
    require_pair(standing)?;
    require_active(&m)?;
    let today = CivilDate::from_unix_ms(now_ms()).ok_or_else(|| AppError::BadRequest("the clock is wrong".into()))?;
    let began = CivilDate::from_unix_ms(m.offered_ms).unwrap_or(today);
    match form.parse(today, began) {
        Ok(session) => {
            mentoring::log_session(state.db(), viewer.actor(now_ms()), m.id, &session).await?;
            Ok(Redirect::to(&format!("/mentoring/matches/{}#sessions", m.id)).into_response())
        }
        Err(errors) => {
            render(
                &state,
                &viewer,
                (m, programme, standing),
                Forms { which: "session", errors, session: form, ..Forms::default() },
            )
            .await
        }
    }
}

/// The instant of a UK wall-clock time: the meeting form is filled in UK time, summer or winter.
fn uk_instant(date: CivilDate, hour: u8, minute: u8) -> Option<i64> {
    let zone = jiff::tz::TimeZone::get("Europe/London").ok()?;
    let civil = jiff::civil::DateTime::new(
        i16::try_from(date.year).ok()?,
        i8::try_from(date.month).ok()?,
        i8::try_from(date.day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        0,
        0,
    )
    .ok()?;
    Some(zone.to_ambiguous_zoned(civil).compatible().ok()?.timestamp().as_millisecond())
}

/// The UK civil date now.
fn uk_today() -> Option<CivilDate> {
    let zone = jiff::tz::TimeZone::get("Europe/London").ok()?;
    let today = jiff::Timestamp::from_millisecond(now_ms()).ok()?.to_zoned(zone).date();
    CivilDate::new(i32::from(today.year()), u8::try_from(today.month()).ok()?, u8::try_from(today.day()).ok()?)
}

pub async fn plan_meeting(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MeetingForm>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = load(&state, &viewer, &id).await?;
    require_pair(standing)?;
    require_active(&m)?;
    let today = uk_today().ok_or_else(|| AppError::BadRequest("the clock is wrong".into()))?;
    let outcome = form.parse(today).and_then(|d| {
        let starts_ms = uk_instant(d.date, d.hour, d.minute).unwrap_or(0);
        if starts_ms <= now_ms() {
            let mut errors = FieldErrors::new();
            errors.add("meeting_time", "That time has passed: choose a later one");
            return Err(errors);
        }
        Ok(NewMeeting { starts_ms, minutes: d.minutes, mode: d.mode, place: d.place, link: d.link })
    });
    match outcome {
        Ok(meeting) => {
            mentoring::plan_meeting(state.db(), viewer.actor(now_ms()), &m, &meeting).await?;
            Ok(Redirect::to(&format!("/mentoring/matches/{}#meetings", m.id)).into_response())
        }
        Err(errors) => {
            render(
                &state,
                &viewer,
                (m, programme, standing),
                Forms { which: "meeting", errors, meeting: form, ..Forms::default() },
            )
            .await
        }
    }
}

/// A planned meeting's calendar invitation, for the pair and the programme's lead.
pub async fn meeting_calendar(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (m, programme, _) = load(&state, &viewer, &id).await?;
    let wanted = parse_number(&meeting)?;
    let meeting =
        mentoring::meetings(state.db(), m.id).await?.into_iter().find(|x| x.id == wanted).ok_or(AppError::NotFound)?;
    let page = state.config().link(&format!("/mentoring/matches/{}", m.id));
    let host = page.split("://").nth(1).and_then(|rest| rest.split(['/', ':']).next()).unwrap_or("kindling");
    let uid = format!("mentoring-meeting-{}@{host}", meeting.id);
    let summary = format!("Mentoring: {} and {}", m.mentee_name, m.mentor_name);
    let description = format!(
        "{} ({}), {} minutes, {}. The relationship in Kindling: {page}",
        programme.name,
        programme.settings.frequency.label().to_lowercase(),
        meeting.minutes,
        meeting.mode.label().to_lowercase()
    );
    let file = calendar(&CalendarEvent {
        uid: &uid,
        stamp_ms: meeting.created_ms,
        start_ms: meeting.starts_ms,
        minutes: u32::try_from(meeting.minutes).unwrap_or(60),
        summary: &summary,
        location: meeting.place.as_deref().or(meeting.link.as_deref()),
        description: &description,
        url: meeting.link.as_deref(),
    });
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"mentoring-meeting-{}.ics\"", meeting.id),
            ),
        ],
        file,
    )
        .into_response())
}

pub async fn add_note(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TextForm>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = load(&state, &viewer, &id).await?;
    require_pair(standing)?;
    require_active(&m)?;
    match screened_text("note", &form.note, "the note") {
        Ok(text) => {
            mentoring::add_note(state.db(), viewer.actor(now_ms()), m.id, &text).await?;
            Ok(Redirect::to(&format!("/mentoring/matches/{}#notes", m.id)).into_response())
        }
        Err(errors) => {
            render(
                &state,
                &viewer,
                (m, programme, standing),
                Forms { which: "note", errors, text: form.note, ..Forms::default() },
            )
            .await
        }
    }
}

pub async fn give_feedback(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = load(&state, &viewer, &id).await?;
    require_pair(standing)?;
    require_started(&m)?;
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let questions = programme.settings.questions.len();
    let answers: Vec<String> = (0..questions).map(|k| get(&format!("q{k}"))).collect();
    let side = if standing == Standing::Mentor { Side::Mentor } else { Side::Mentee };
    match parse_feedback(&get("point"), &answers, questions) {
        Ok(values) => {
            mentoring::give_feedback(state.db(), viewer.actor(now_ms()), m.id, side, &get("point"), &values).await?;
            Ok(Redirect::to(&format!("/mentoring/matches/{}#feedback", m.id)).into_response())
        }
        Err(errors) => {
            render(&state, &viewer, (m, programme, standing), Forms { which: "feedback", errors, ..Forms::default() })
                .await
        }
    }
}

pub async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TextForm>,
) -> Result<Response, AppError> {
    let (m, programme, standing) = load(&state, &viewer, &id).await?;
    require_pair(standing)?;
    require_active(&m)?;
    match screened_text("reflection", &form.reflection, "a short reflection") {
        Ok(text) => {
            mentoring::close(state.db(), viewer.actor(now_ms()), &m, &text).await?;
            Ok(Redirect::to(&format!("/mentoring/matches/{}", m.id)).into_response())
        }
        Err(errors) => {
            render(
                &state,
                &viewer,
                (m, programme, standing),
                Forms { which: "close", errors, text: form.reflection, ..Forms::default() },
            )
            .await
        }
    }
}
