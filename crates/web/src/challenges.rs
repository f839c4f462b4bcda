//! Challenges in collaborative spaces (issue 19 §5). The space's facilitator (who opened it) asks a
//! question for a set time with the criteria ideas are judged on; members post ideas, support them
//! (one support each) and comment; the facilitator closes the challenge to new ideas, shortlists and
//! names a panel from the members; the panel scores the shortlist against each criterion; and the
//! facilitator makes the best ideas initiatives of their authors' organisations, with their history.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::challenges::{
    ChallengeForm, IdeaForm, Phase, Ranked, SCORE_FIELDS, TOP_SCORE, parse_comment, parse_scores, rank, similar,
    takes_ideas,
};
use kindling_domain::ids::UserId;
use kindling_domain::initiatives::InitiativeForm;
use kindling_domain::validation::FieldErrors;
use kindling_store::StoreError;
use kindling_store::challenges::{self, Challenge, Idea};
use kindling_store::spaces::{self, Space};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::field_errors;
use crate::mentoring::parse_number;
use crate::{AppError, AppState, now_ms, templates};

fn facilitates(viewer: &Viewer, space: &Space) -> bool {
    space.facilitator == viewer.user.id
}

fn require_facilitator(viewer: &Viewer, space: &Space) -> Result<(), AppError> {
    if facilitates(viewer, space) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only the space's facilitator runs its challenges.".into()))
    }
}

async fn load_space(state: &AppState, raw: &str) -> Result<Space, AppError> {
    spaces::get(state.db(), parse_number(raw)?).await?.ok_or(AppError::NotFound)
}

/// A challenge with its space, if the viewer may open the space (see `spaces::open`).
async fn load(state: &AppState, viewer: &Viewer, raw: &str) -> Result<(Challenge, Space), AppError> {
    let challenge = challenges::get(state.db(), parse_number(raw)?).await?.ok_or(AppError::NotFound)?;
    let space = crate::spaces::open(state, viewer, challenge.space).await?;
    Ok((challenge, space))
}

/// An idea of this challenge (an idea of another challenge under this one's address is not found).
async fn load_idea(
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    idea: &str,
) -> Result<(Challenge, Space, Idea), AppError> {
    let (challenge, space) = load(state, viewer, raw).await?;
    let idea = challenges::idea(state.db(), parse_number(idea)?).await?.ok_or(AppError::NotFound)?;
    if idea.challenge != challenge.id {
        return Err(AppError::NotFound);
    }
    Ok((challenge, space, idea))
}

fn render_new(
    viewer: &Viewer,
    space: &Space,
    form: &ChallengeForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "spaces/challenge_form.html",
        page! { title => "Run a challenge", section => "mentoring", viewer => viewer.view(), space => space, form => form, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_challenge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let space = load_space(&state, &id).await?;
    require_facilitator(&viewer, &space)?;
    let form = ChallengeForm {
        criteria: "Benefit to patients and people who use services\nHow easy it is to try\nCost".into(),
        ..ChallengeForm::default()
    };
    render_new(&viewer, &space, &form, &FieldErrors::new())
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ChallengeForm>,
) -> Result<Response, AppError> {
    let space = load_space(&state, &id).await?;
    require_facilitator(&viewer, &space)?;
    match form.parse(crate::today()) {
        Ok(draft) => {
            let id = challenges::create(state.db(), viewer.actor(now_ms()), space.id, &draft).await?;
            Ok(Redirect::to(&format!("/challenges/{id}")).into_response())
        }
        Err(errors) => render_new(&viewer, &space, &form, &errors),
    }
}

/// An idea in the panel's results.
#[derive(Serialize)]
struct Result_<'a> {
    idea: &'a Idea,
    ranked: &'a Ranked,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Typed {
    title: String,
    description: String,
    judge: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    (challenge, space): (&Challenge, &Space),
    typed: &Typed,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let ideas = challenges::ideas(state.db(), challenge.id).await?;
    let panel = challenges::panel(state.db(), challenge.id).await?;
    let members = spaces::members(state.db(), space.id).await?;
    let is_member = members.iter().any(|m| m.user == viewer.user.id);
    let shortlist: Vec<(i64, i64)> = ideas.iter().filter(|i| i.shortlisted).map(|i| (i.id, i.supporters)).collect();
    let ranked = rank(&shortlist, &challenges::scorings(state.db(), challenge.id).await?, challenge.criteria.len());
    let results: Vec<Result_<'_>> = ranked
        .iter()
        .filter_map(|r| ideas.iter().find(|i| i.id == r.idea).map(|idea| Result_ { idea, ranked: r }))
        .collect();
    let candidates: Vec<[String; 2]> = members
        .iter()
        .filter(|m| !panel.iter().any(|j| j.user == m.user))
        .map(|m| [m.user.get().to_string(), format!("{}, {}", m.name, m.organisation)])
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "spaces/challenge.html",
        page! { title => challenge.question.clone(), section => "mentoring", viewer => viewer.view(), challenge => challenge, space => space, ideas => ideas, panel => panel, results => results, top => challenge.criteria.len() * usize::from(TOP_SCORE), candidates => candidates, is_member => is_member, facilitates => facilitates(viewer, space), takes_ideas => takes_ideas(challenge.phase, challenge.closes_on, crate::today()), typed => typed, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let (challenge, space) = load(&state, &viewer, &id).await?;
    render(&state, &viewer, (&challenge, &space), &Typed::default(), &FieldErrors::new()).await
}

pub async fn post_idea(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let (challenge, space) = load(&state, &viewer, &id).await?;
    crate::spaces::require_member(&state, &viewer, space.id).await?;
    if !takes_ideas(challenge.phase, challenge.closes_on, crate::today()) {
        return Err(AppError::Conflict("This challenge has closed to new ideas.".into()));
    }
    let form = IdeaForm { title: typed.title.clone(), description: typed.description.clone() };
    match form.parse() {
        Ok(draft) => match challenges::post_idea(state.db(), viewer.actor(now_ms()), &challenge, &draft).await {
            Ok(idea) => Ok(Redirect::to(&format!("/challenges/{}/ideas/{idea}", challenge.id)).into_response()),
            Err(StoreError::Conflict(message)) => Err(AppError::Conflict(message)),
            Err(other) => Err(other.into()),
        },
        Err(errors) => render(&state, &viewer, (&challenge, &space), &typed, &errors).await,
    }
}

pub async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    move_on(&state, &viewer, &id, Phase::Open, Phase::Judging).await
}

pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    move_on(&state, &viewer, &id, Phase::Judging, Phase::Decided).await
}

async fn move_on(state: &AppState, viewer: &Viewer, id: &str, from: Phase, to: Phase) -> Result<Response, AppError> {
    let (challenge, space) = load(state, viewer, id).await?;
    require_facilitator(viewer, &space)?;
    match challenges::set_phase(state.db(), viewer.actor(now_ms()), &challenge, from, to).await {
        Ok(()) => Ok(Redirect::to(&format!("/challenges/{}", challenge.id)).into_response()),
        Err(StoreError::Conflict(message)) => Err(AppError::Conflict(message)),
        Err(other) => Err(other.into()),
    }
}

pub async fn add_judge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let (challenge, space) = load(&state, &viewer, &id).await?;
    require_facilitator(&viewer, &space)?;
    let chosen = typed.judge.trim().parse::<i64>().ok().map(UserId::new);
    let members = spaces::members(state.db(), space.id).await?;
    match chosen.filter(|u| members.iter().any(|m| m.user == *u)) {
        Some(judge) => {
            challenges::add_judge(state.db(), viewer.actor(now_ms()), &challenge, judge).await?;
            Ok(Redirect::to(&format!("/challenges/{}#panel", challenge.id)).into_response())
        }
        None => {
            let mut errors = FieldErrors::new();
            errors.add("judge", "Choose a member of the space for the panel");
            render(&state, &viewer, (&challenge, &space), &typed, &errors).await
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct Choice {
    /// "yes" or "no".
    value: String,
}

pub async fn shortlist(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, idea)): Path<(String, String)>,
    axum::Form(choice): axum::Form<Choice>,
) -> Result<Response, AppError> {
    let (challenge, space, idea) = load_idea(&state, &viewer, &id, &idea).await?;
    require_facilitator(&viewer, &space)?;
    if challenge.phase == Phase::Decided {
        return Err(AppError::Conflict("This challenge has been decided.".into()));
    }
    challenges::set_shortlisted(state.db(), viewer.actor(now_ms()), idea.id, choice.value == "yes").await?;
    Ok(Redirect::to(&format!("/challenges/{}#ideas", challenge.id)).into_response())
}

#[derive(Default, Serialize)]
struct IdeaForms {
    comment: String,
    scores: Vec<String>,
    errors: FieldErrors,
}

async fn render_idea(
    state: &AppState,
    viewer: &Viewer,
    (challenge, space, idea): (&Challenge, &Space, &Idea),
    forms: &IdeaForms,
) -> Result<Response, AppError> {
    let all = challenges::ideas(state.db(), challenge.id).await?;
    let others: Vec<(i64, String)> =
        all.iter().filter(|i| i.id != idea.id).map(|i| (i.id, format!("{} {}", i.title, i.description))).collect();
    let alike: Vec<&Idea> = similar(&format!("{} {}", idea.title, idea.description), &others, 3)
        .into_iter()
        .filter_map(|(id, _)| all.iter().find(|i| i.id == id))
        .collect();
    let comments = challenges::comments(state.db(), idea.id).await?;
    let is_member = spaces::is_member(state.db(), space.id, viewer.user.id).await?;
    let supported = challenges::supports(state.db(), idea.id, viewer.user.id).await?;
    let on_panel = challenges::panel(state.db(), challenge.id).await?.iter().any(|j| j.user == viewer.user.id);
    let mine = challenges::scorings(state.db(), challenge.id)
        .await?
        .into_iter()
        .find(|s| s.idea == idea.id && s.judge == viewer.user.id.get());
    let scores: Vec<String> = if forms.scores.is_empty() {
        mine.as_ref().map(|s| s.scores.iter().map(u8::to_string).collect()).unwrap_or_default()
    } else {
        forms.scores.clone()
    };
    let criteria: Vec<minijinja::Value> = challenge
        .criteria
        .iter()
        .enumerate()
        .map(|(k, c)| minijinja::context! { field => SCORE_FIELDS[k], text => c, score => scores.get(k).cloned().unwrap_or_default() })
        .collect();
    let may_score = on_panel && idea.shortlisted && challenge.phase == Phase::Judging;
    let status = if forms.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "spaces/challenge_idea.html",
        page! { title => idea.title.clone(), section => "mentoring", viewer => viewer.view(), challenge => challenge, space => space, idea => idea, similar => alike, comments => comments, is_member => is_member, is_author => idea.author == viewer.user.id, supported => supported, may_score => may_score, scored => mine.is_some(), criteria => criteria, top => TOP_SCORE, comment => forms.comment, errors => forms.errors, field_errors => field_errors(&forms.errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn show_idea(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, idea)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (challenge, space, idea) = load_idea(&state, &viewer, &id, &idea).await?;
    render_idea(&state, &viewer, (&challenge, &space, &idea), &IdeaForms::default()).await
}

pub async fn support(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, idea)): Path<(String, String)>,
    axum::Form(choice): axum::Form<Choice>,
) -> Result<Response, AppError> {
    let (challenge, space, idea) = load_idea(&state, &viewer, &id, &idea).await?;
    crate::spaces::require_member(&state, &viewer, space.id).await?;
    if idea.author == viewer.user.id {
        return Err(AppError::Conflict("You cannot support your own idea.".into()));
    }
    challenges::set_support(state.db(), viewer.actor(now_ms()), idea.id, choice.value == "yes").await?;
    Ok(Redirect::to(&format!("/challenges/{}/ideas/{}", challenge.id, idea.id)).into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CommentForm {
    comment: String,
}

pub async fn comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, idea)): Path<(String, String)>,
    axum::Form(form): axum::Form<CommentForm>,
) -> Result<Response, AppError> {
    let (challenge, space, idea) = load_idea(&state, &viewer, &id, &idea).await?;
    crate::spaces::require_contributor(&state, &viewer, space.id).await?;
    match parse_comment(&form.comment) {
        Ok(body) => {
            challenges::comment(state.db(), viewer.actor(now_ms()), &idea, &body).await?;
            Ok(Redirect::to(&format!("/challenges/{}/ideas/{}#comments", challenge.id, idea.id)).into_response())
        }
        Err(errors) => {
            let forms = IdeaForms { comment: form.comment, errors, ..IdeaForms::default() };
            render_idea(&state, &viewer, (&challenge, &space, &idea), &forms).await
        }
    }
}

pub async fn score(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, idea)): Path<(String, String)>,
    axum::Form(body): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (challenge, space, idea) = load_idea(&state, &viewer, &id, &idea).await?;
    let on_panel = challenges::panel(state.db(), challenge.id).await?.iter().any(|j| j.user == viewer.user.id);
    if !on_panel {
        return Err(AppError::Forbidden("Only the challenge's panel scores ideas.".into()));
    }
    if challenge.phase != Phase::Judging || !idea.shortlisted {
        return Err(AppError::Conflict("Only shortlisted ideas are scored, while the panel is judging.".into()));
    }
    let get = |name: &str| body.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let typed: Vec<String> = SCORE_FIELDS.iter().take(challenge.criteria.len()).map(|f| get(f)).collect();
    match parse_scores(&typed, challenge.criteria.len()) {
        Ok(scores) => {
            challenges::score(state.db(), viewer.actor(now_ms()), idea.id, &scores).await?;
            Ok(Redirect::to(&format!("/challenges/{}#results", challenge.id)).into_response())
        }
        Err(errors) => {
            let forms = IdeaForms { scores: typed, errors, ..IdeaForms::default() };
            render_idea(&state, &viewer, (&challenge, &space, &idea), &forms).await
        }
    }
}

/// Makes a scored, shortlisted idea an initiative of its author's organisation; its first comment
/// says where it came from and how the challenge judged it.
pub async fn start_initiative(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, idea)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (challenge, space, idea) = load_idea(&state, &viewer, &id, &idea).await?;
    require_facilitator(&viewer, &space)?;
    let ideas = challenges::ideas(state.db(), challenge.id).await?;
    let shortlist: Vec<(i64, i64)> = ideas.iter().filter(|i| i.shortlisted).map(|i| (i.id, i.supporters)).collect();
    let ranked = rank(&shortlist, &challenges::scorings(state.db(), challenge.id).await?, challenge.criteria.len());
    let Some(standing) = ranked.iter().find(|r| r.idea == idea.id && r.judges > 0) else {
        return Err(AppError::Conflict("Only a shortlisted idea the panel has scored becomes an initiative.".into()));
    };
    let form = InitiativeForm {
        title: idea.title.clone(),
        problem: format!("From the challenge \"{}\" in the space {}.", challenge.question, space.title),
        proposed_change: idea.description.clone(),
        ..InitiativeForm::default()
    };
    let draft = form
        .parse(|_| false)
        .map_err(|_| AppError::Conflict("This idea cannot be an initiative as written.".into()))?;
    let history = history(&challenge, &space, &idea, standing);
    match challenges::start_initiative(state.db(), viewer.actor(now_ms()), &challenge, &idea, &draft, &history).await {
        Ok(initiative) => {
            // The facilitator may belong to another organisation than the author: the challenge page
            // then shows the link the author's colleagues follow.
            let target =
                if kindling_store::initiatives::get(state.db(), viewer.organisation, initiative).await?.is_some() {
                    format!("/initiatives/{initiative}")
                } else {
                    format!("/challenges/{}#results", challenge.id)
                };
            Ok(Redirect::to(&target).into_response())
        }
        Err(StoreError::Conflict(message)) => Err(AppError::Conflict(message)),
        Err(other) => Err(other.into()),
    }
}

/// The initiative's first comment: where the idea came from and how the challenge judged it.
fn history(challenge: &Challenge, space: &Space, idea: &Idea, standing: &Ranked) -> String {
    let means: Vec<String> =
        challenge.criteria.iter().zip(&standing.means).map(|(c, m)| format!("{c} {m:.1} of {TOP_SCORE}")).collect();
    format!(
        "Started from the idea \"{}\" by {}, posted in the challenge \"{}\" (space: {}). {} supporter{}, {} comment{}; shortlisted and scored by {} panel member{}: {:.1} of {} ({}).",
        idea.title,
        idea.author_name,
        challenge.question,
        space.title,
        idea.supporters,
        if idea.supporters == 1 { "" } else { "s" },
        idea.comments,
        if idea.comments == 1 { "" } else { "s" },
        standing.judges,
        if standing.judges == 1 { "" } else { "s" },
        standing.total,
        challenge.criteria.len() * usize::from(TOP_SCORE),
        means.join("; "),
    )
}
