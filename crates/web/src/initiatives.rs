//! Initiative pages: the list with filters, the idea form (new and edit), the initiative's own page, and
//! the forms on it (stage moves, comments, team).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::{InitiativeId, UserId};
use kindling_domain::initiatives::{InitiativeForm, Stage, Tag, TransitionError};
use kindling_domain::paging::Page;
use kindling_domain::permissions::{Action, allows};
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::initiatives::{self, Filter, Initiative};
use kindling_store::{orgs, users};

use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::error::percent_encode;
use crate::governance::MovePlan;
use crate::{AppError, AppState, now_ms, templates};

pub const PER_PAGE: u32 = 20;

/// Parses an id from the URL; anything that is not one is simply not found.
pub fn parse_id(raw: &str) -> Result<InitiativeId, AppError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).map(InitiativeId::new).ok_or(AppError::NotFound)
}

/// Loads an initiative of the viewer's organisation. Another organisation's initiative is "not found",
/// and the attempt is logged for the security team.
pub async fn load(state: &AppState, viewer: &Viewer, id: InitiativeId) -> Result<Initiative, AppError> {
    match initiatives::get(state.db(), viewer.organisation, id).await? {
        Some(item) => Ok(item),
        None => {
            tracing::info!(user.id = %viewer.user.id, initiative.id = %id, "initiative not found in the viewer's organisation");
            Err(AppError::NotFound)
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ListQuery {
    stage: String,
    site: String,
    tag: String,
    page: String,
}

impl ListQuery {
    /// Unknown values in a hand-edited URL are ignored rather than refused.
    pub fn filter(&self) -> Filter {
        Filter {
            stage: self.stage.parse().ok(),
            site: self.site.parse::<i64>().ok().map(kindling_domain::ids::SiteId::new),
            tag: Tag::parse(&self.tag).ok(),
        }
    }

    fn href(&self, page: u32) -> String {
        let mut parts = Vec::new();
        for (key, value) in [("stage", &self.stage), ("site", &self.site), ("tag", &self.tag)] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", percent_encode(value)));
            }
        }
        parts.push(format!("page={page}"));
        format!("/initiatives?{}", parts.join("&"))
    }
}

/// A select's options: an empty first choice labelled `any` ("Choose …"), then `items`.
pub(crate) fn options<T: ToString>(any: &str, items: impl IntoIterator<Item = (T, String)>) -> Vec<(String, String)> {
    std::iter::once((String::new(), any.to_owned())).chain(items.into_iter().map(|(v, t)| (v.to_string(), t))).collect()
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = Page::parse(Some(&query.page), PER_PAGE);
    let (items, total) = initiatives::list(state.db(), viewer.organisation, &query.filter(), page).await?;
    let pages = page.count_for(total);
    let facts = crate::cache::organisation_facts(&state, &viewer).await?;
    let (sites, tags) = (&facts.sites, &facts.tags);
    let n = page.number();
    let (prev_href, next_href) = ((n > 1).then(|| query.href(n - 1)), (n < pages).then(|| query.href(n + 1)));
    Ok(templates::render(
        "initiatives/list.html",
        page! { title => "Initiatives", section => "initiatives", viewer => viewer.view(), items => items, total => total, page => n, pages => pages, filter => &query, prev_href => prev_href, prev_label => format!("Page {} of {pages}", n.saturating_sub(1)), next_href => next_href, next_label => format!("Page {} of {pages}", n + 1), stage_options => options("Any stage", Stage::ALL.iter().map(|s| (s.slug(), s.label().to_owned()))), site_options => options("Any site", sites.iter().map(|s| (s.id.get(), s.name.clone()))), tag_options => options("Any tag", tags.iter().map(|t| (t.clone(), t.clone()))) },
    )?
    .into_response())
}

/// Each field's message, for templates to show beside the field.
pub(crate) fn field_errors(errors: &FieldErrors) -> BTreeMap<&'static str, &str> {
    errors.iter().map(|e| (e.field, e.message.as_str())).collect()
}

async fn render_form(
    state: &AppState,
    viewer: &Viewer,
    editing: Option<&Initiative>,
    form: &InitiativeForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let sites = orgs::sites(state.db(), viewer.organisation).await?;
    let (title, action, back_href, submit_label) = match editing {
        Some(item) => (
            "Edit the idea".to_owned(),
            format!("/initiatives/{}/edit", item.id),
            format!("/initiatives/{}", item.id),
            "Save changes",
        ),
        None => ("Submit an idea".to_owned(), "/initiatives/new".to_owned(), "/".to_owned(), "Submit idea"),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "initiatives/form.html",
        page! { title => title, section => if editing.is_some() { "initiatives" } else { "submit" }, viewer => viewer.view(), editing => editing.is_some(), action => action, back_href => back_href, submit_label => submit_label, form => form, errors => errors, field_errors => field_errors(errors), site_options => options("Whole organisation", sites.iter().map(|s| (s.id.get(), s.name.clone()))) },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    render_form(&state, &viewer, None, &InitiativeForm::default(), &FieldErrors::new()).await
}

async fn site_checker(
    state: &AppState,
    viewer: &Viewer,
) -> Result<impl Fn(kindling_domain::ids::SiteId) -> bool, AppError> {
    let sites: Vec<_> = orgs::sites(state.db(), viewer.organisation).await?.into_iter().map(|s| s.id).collect();
    Ok(move |id| sites.contains(&id))
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<InitiativeForm>,
) -> Result<Response, AppError> {
    if !allows(&viewer.standing(false, false), Action::SubmitIdea) {
        return Err(AppError::Forbidden("You are not a member of this organisation.".into()));
    }
    match form.parse(site_checker(&state, &viewer).await?) {
        Err(errors) => render_form(&state, &viewer, None, &form, &errors).await,
        Ok(draft) => {
            let id = initiatives::create(state.db(), viewer.organisation, viewer.user.id, &draft, now_ms()).await?;
            tracing::info!(initiative.id = %id, user.id = %viewer.user.id, "idea submitted");
            Ok(Redirect::to(&format!("/initiatives/{id}?notice=submitted")).into_response())
        }
    }
}

/// Refuses, saying who may, unless the viewer may change this open initiative's `what`.
pub fn require_edit(viewer: &Viewer, item: &Initiative, what: &str) -> Result<(), AppError> {
    if may_edit(viewer, item) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Only the initiative's team, improvement leads and administrators can {what}."
        )))
    }
}

/// Refuses, saying who may, unless the viewer is on the initiative's team, leads improvement or
/// administers the organisation, whatever the stage: a stopped initiative is closed to other
/// changes, but its lessons and its spread are not.
pub fn require_team(viewer: &Viewer, item: &Initiative, what: &str) -> Result<(), AppError> {
    if is_team_or_lead(viewer, item) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Only the initiative's team, improvement leads and administrators can {what}."
        )))
    }
}

/// On the initiative's team (or its submitter), or an improvement lead or administrator.
pub fn is_team_or_lead(viewer: &Viewer, item: &Initiative) -> bool {
    let standing = viewer.standing(item.submitter.id == viewer.user.id, item.is_team_member(viewer.user.id));
    allows(&standing, Action::EditInitiative)
}

pub fn may_edit(viewer: &Viewer, item: &Initiative) -> bool {
    let standing = viewer.standing(item.submitter.id == viewer.user.id, item.is_team_member(viewer.user.id));
    allows(&standing, Action::EditInitiative) && !item.stage.is_terminal()
}

pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    if !may_edit(&viewer, &item) {
        return Err(AppError::Forbidden(
            "Only the team, improvement leads and administrators can edit an initiative that is still open.".into(),
        ));
    }
    render_form(&state, &viewer, Some(&item), &InitiativeForm::from_draft(&item.draft), &FieldErrors::new()).await
}

pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<InitiativeForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    if !may_edit(&viewer, &item) {
        return Err(AppError::Forbidden(
            "Only the team, improvement leads and administrators can edit an initiative that is still open.".into(),
        ));
    }
    match form.parse(site_checker(&state, &viewer).await?) {
        Err(errors) => render_form(&state, &viewer, Some(&item), &form, &errors).await,
        Ok(draft) => {
            initiatives::update(state.db(), &item, viewer.user.id, &draft, now_ms()).await?;
            if crate::governance::reconsider(&state, viewer.actor(now_ms()), item.id).await?.is_some() {
                return Ok(Redirect::to(&format!("/initiatives/{}/governance?notice=reopened#approval", item.id))
                    .into_response());
            }
            Ok(Redirect::to(&format!("/initiatives/{}?notice=saved", item.id)).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StageForm {
    to: String,
    reason: String,
    /// "yes": the decider has weighed the balancing measures of concern (needed to adopt or spread
    /// while one shows concern).
    acknowledge: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CommentForm {
    body: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TeamForm {
    member: String,
    team_role: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    notice: String,
}

const SUBMITTED: &str = "Your idea has been submitted. An improvement lead will be in touch to help shape it.";

/// What the initiative page shows besides the initiative: forms as typed and their errors.
#[derive(Default)]
struct ShowForms {
    stage: StageForm,
    comment: CommentForm,
    team: TeamForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

async fn render_show(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    forms: ShowForms,
) -> Result<Response, AppError> {
    let standing = viewer.standing(item.submitter.id == viewer.user.id, item.is_team_member(viewer.user.id));
    // While a request is open, the decision is taken on the request (by the route's approvers).
    let requests = kindling_store::approvals::for_initiative(state.db(), viewer.organisation, item.id).await?;
    let open_request = requests
        .iter()
        .find(|r| r.outcome.is_none() && item.stage == Stage::Assessment)
        .map(|r| (r.id, r.route_label.clone()));
    // The decision's conditions with who confirms each and when it is due, until every one is met.
    let conditions: Vec<&kindling_store::approvals::Condition> =
        requests.iter().flat_map(|r| &r.conditions).filter(|c| c.met_ms.is_none()).collect();
    let moves: Vec<(&str, &str, Option<String>)> = item
        .stage
        .moves_for(&standing)
        .into_iter()
        .filter(|_| open_request.is_none())
        .map(|m| (m.to.slug(), m.verb, Some(format!("Moves it to {}", m.to.label()))))
        .collect();
    let decides_on_evidence =
        open_request.is_none() && item.stage.moves_for(&standing).iter().any(|m| m.to.decides_on_evidence());
    let can_edit = may_edit(viewer, item);
    let member_options = if can_edit {
        let members = users::members(state.db(), viewer.organisation).await?;
        let candidates: Vec<(i64, String)> = members
            .into_iter()
            .filter(|p| !item.is_team_member(p.id))
            .map(|p| (p.id.get(), format!("{} ({})", p.name, p.profession.label())))
            .collect();
        if candidates.is_empty() { Vec::new() } else { options("Choose a person", candidates) }
    } else {
        Vec::new()
    };
    let mut professions: Vec<&str> = item.team.iter().map(|m| m.person.profession.label()).collect();
    professions.sort_unstable();
    professions.dedup();
    let evidence = crate::evidence::of_initiative(state.db(), viewer.organisation, item.id).await?;
    let balancing_concerns: Vec<&str> =
        evidence.iter().filter(|m| m.balancing_concern).map(|m| m.name.as_str()).collect();
    let cycles = kindling_store::pdsa::for_initiative(state.db(), viewer.organisation, item.id).await?;
    let cycles: Vec<(i64, usize, String, &str, String)> =
        cycles.into_iter().map(|c| (c.id.get(), c.number, c.change, c.stage.label(), c.starts_on.long())).collect();
    let learning = crate::learning::initiative_panel(state, viewer.organisation, item).await?;
    // Just submitted: show what already exists like it, so a duplicate can be withdrawn or joined.
    let similar = if forms.notice == Some(SUBMITTED) {
        let own = format!("/initiatives/{}", item.id);
        crate::learning::similar_to(state, viewer, &format!("{} {}", item.draft.title, item.draft.problem))
            .await?
            .into_iter()
            .filter(|h| h.href != own)
            .collect()
    } else {
        Vec::new()
    };
    let status = if forms.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    // Ideas started in a collaborative space link back to it.
    let space = kindling_store::spaces::of_initiative(state.db(), item.id).await?;
    let challenge = kindling_store::challenges::of_initiative(state.db(), item.id).await?;
    let html = templates::render(
        "initiatives/show.html",
        page! { title => &item.draft.title, section => "initiatives", viewer => viewer.view(), item => item, aim_by_when => item.draft.aim.by_when.map(|d| d.long()), latest_change => item.history.last(), moves => moves, decides_on_evidence => decides_on_evidence, can_edit => can_edit, member_options => member_options, professions => professions, evidence => &evidence, balancing_concerns => balancing_concerns, cycles => cycles, open_request => open_request, conditions => conditions, learning => learning, similar => similar, space => space, challenge => challenge, stage_form => &forms.stage, comment_form => &forms.comment, team_form => &forms.team, errors => &forms.errors, field_errors => field_errors(&forms.errors), notice => forms.notice },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let notice = match query.notice.as_str() {
        "submitted" => Some(SUBMITTED),
        "adopted" => Some(
            "Your initiative has been started from the change you adopted. Record its risks and checks, and its own baseline, before it is approved.",
        ),
        "saved" => Some("Your changes have been saved."),
        "moved" => Some("The stage has been changed, and the team can see your reason."),
        "commented" => Some("Your comment has been added."),
        "team" => Some("The team has been updated."),
        _ => None,
    };
    render_show(&state, &viewer, &item, ShowForms { notice, ..ShowForms::default() }).await
}

pub async fn change_stage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<StageForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let standing = viewer.standing(item.submitter.id == viewer.user.id, item.is_team_member(viewer.user.id));
    let mut errors = FieldErrors::new();
    let outcome = match form.to.parse::<Stage>() {
        Err(_) => {
            errors.add("to", "Select what you want to do");
            if form.reason.trim().is_empty() {
                errors.add("reason", "Enter the reason for this decision");
            }
            None
        }
        Ok(to) => match item.stage.transition(to, &standing, &form.reason) {
            Ok(outcome) => Some(outcome),
            Err(e @ (TransitionError::MissingReason | TransitionError::ReasonTooLong)) => {
                errors.add("reason", e.to_string());
                None
            }
            Err(e) => {
                errors.add("to", e.to_string());
                None
            }
        },
    };
    let Some((mut change, events)) = outcome else {
        return render_show(&state, &viewer, &item, ShowForms { stage: form, errors, ..ShowForms::default() }).await;
    };
    // A decision on the evidence keeps what the measures showed; one with a balancing measure of
    // concern needs the decider to say they weighed it. Its error is shown with any blockers.
    match crate::evidence::for_move(state.db(), viewer.organisation, item.id, change.to, form.acknowledge == "yes")
        .await?
    {
        Ok(evidence) => change.evidence = evidence,
        Err(unweighed) => errors.add("acknowledge", unweighed),
    }
    let result = match crate::governance::plan_move(&state, viewer.organisation, &item, change.to).await? {
        MovePlan::Blocked(missing) => {
            for need in missing {
                errors.add("to", format!("Not yet: {need}"));
            }
            return render_show(&state, &viewer, &item, ShowForms { stage: form, errors, ..ShowForms::default() })
                .await;
        }
        _ if !errors.is_empty() => {
            return render_show(&state, &viewer, &item, ShowForms { stage: form, errors, ..ShowForms::default() })
                .await;
        }
        MovePlan::DecideOnRequest(request) => {
            return Ok(Redirect::to(&format!("/approvals/{request}")).into_response());
        }
        MovePlan::Submit(route) => {
            kindling_store::approvals::submit(state.db(), viewer.actor(now_ms()), item.id, &change, &route)
                .await
                .map(|_| ())
        }
        MovePlan::Plain => {
            initiatives::change_stage(state.db(), viewer.organisation, item.id, viewer.user.id, &change, now_ms()).await
        }
    };
    match result {
        Ok(()) => {
            tracing::info!(initiative.id = %item.id, stage.from = change.from.slug(), stage.to = change.to.slug(), events = ?events, "stage changed");
            Ok(Redirect::to(&format!("/initiatives/{}?notice=moved", item.id)).into_response())
        }
        Err(kindling_store::StoreError::Conflict(message)) => {
            let fresh = load(&state, &viewer, item.id).await?;
            errors.add("to", message);
            render_show(&state, &viewer, &fresh, ShowForms { stage: form, errors, ..ShowForms::default() }).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CommentForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let mut errors = FieldErrors::new();
    let body = required_text(&mut errors, "body", &form.body, "a comment", initiatives::MAX_COMMENT_CHARS);
    if !errors.is_empty() {
        return render_show(&state, &viewer, &item, ShowForms { comment: form, errors, ..ShowForms::default() }).await;
    }
    initiatives::add_comment(state.db(), viewer.organisation, item.id, viewer.user.id, &body, now_ms()).await?;
    Ok(Redirect::to(&format!("/initiatives/{}?notice=commented", item.id)).into_response())
}

pub async fn add_team_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<TeamForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    if !may_edit(&viewer, &item) {
        return Err(AppError::Forbidden(
            "Only the team, improvement leads and administrators can change the team.".into(),
        ));
    }
    let mut errors = FieldErrors::new();
    let members = users::members(state.db(), viewer.organisation).await?;
    let member =
        form.member.parse::<i64>().ok().map(UserId::new).and_then(|id| members.into_iter().find(|p| p.id == id));
    if member.is_none() {
        errors.add("member", "Choose a person from the list");
    }
    let team_role = required_text(&mut errors, "team_role", &form.team_role, "their role on the team", 60);
    let Some(member) = member.filter(|_| errors.is_empty()) else {
        return render_show(&state, &viewer, &item, ShowForms { team: form, errors, ..ShowForms::default() }).await;
    };
    initiatives::set_team_member(
        state.db(),
        viewer.organisation,
        item.id,
        viewer.user.id,
        &member,
        &team_role,
        now_ms(),
    )
    .await?;
    Ok(Redirect::to(&format!("/initiatives/{}?notice=team", item.id)).into_response())
}
