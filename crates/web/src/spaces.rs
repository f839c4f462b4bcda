//! Collaborative spaces: the list (every organisation's), opening one, joining, patient partners,
//! outputs by design-thinking stage, starting an idea from the space, and "suggest teams".

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::initiatives::InitiativeForm;
use kindling_domain::people::Email;
use kindling_domain::spaces::{Seat, SpaceForm, Stage, parse_output, parse_partner, read_teams, write_teams};
use kindling_domain::validation::FieldErrors;
use kindling_store::spaces::{self, Invitation, Member, Partner, PartnerAccount, Space};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::field_errors;
use crate::mentoring::parse_number;
use crate::{AppError, AppState, now_ms, templates};

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    // A patient partner's account lists only the spaces they take part in.
    let all = if viewer.is_partner() {
        spaces::of_partner(state.db(), viewer.user.id).await?
    } else {
        spaces::list(state.db()).await?
    };
    let html = templates::render(
        "spaces/list.html",
        page! { title => "Collaborative spaces", section => "mentoring", viewer => viewer.view(), spaces => all },
    )?;
    Ok(html.into_response())
}

fn render_new(viewer: &Viewer, form: &SpaceForm, errors: &FieldErrors) -> Result<Response, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "spaces/new.html",
        page! { title => "Open a collaborative space", section => "mentoring", viewer => viewer.view(), form => form, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_form(viewer: Viewer) -> Result<Response, AppError> {
    render_new(&viewer, &SpaceForm::default(), &FieldErrors::new())
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<SpaceForm>,
) -> Result<Response, AppError> {
    match form.parse() {
        Ok(draft) => {
            let id = spaces::create(state.db(), viewer.actor(now_ms()), &draft).await?;
            Ok(Redirect::to(&format!("/spaces/{id}")).into_response())
        }
        Err(errors) => render_new(&viewer, &form, &errors),
    }
}

async fn load(state: &AppState, raw: &str) -> Result<Space, AppError> {
    spaces::get(state.db(), parse_number(raw)?).await?.ok_or(AppError::NotFound)
}

/// The space as the viewer may open it: any space of the hub for its staff, and for a patient
/// partner's account only the spaces they take part in (any other is not found).
pub(crate) async fn open(state: &AppState, viewer: &Viewer, space: i64) -> Result<Space, AppError> {
    let found = spaces::get(state.db(), space).await?.ok_or(AppError::NotFound)?;
    if viewer.is_partner() && !spaces::is_partner(state.db(), found.id, viewer.user.id).await? {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

/// A suggested team with its mix of professions and organisations.
#[derive(Serialize)]
pub(crate) struct TeamView {
    members: Vec<Member>,
    partners: Vec<Partner>,
    professions: Vec<&'static str>,
    organisations: Vec<String>,
}

#[derive(Serialize)]
pub(crate) struct Suggestion {
    teams: Vec<TeamView>,
    /// The teams as the form that saves them carries them (`domain::spaces::write_teams`).
    encoded: String,
    size: usize,
    prior_pairs_total: usize,
    prior_pairs_together: usize,
    objective: i64,
    upper_bound: i64,
}

/// What the team engine mixes: a member's profession, or "patient partner", so that partners are
/// spread across the teams as a profession is.
const PARTNER_KIND: &str = "Patient partner";

/// Splits the space's members and patient partners into mixed teams of at most `size`, keeping
/// apart people who already work together, within a short time budget.
pub(crate) async fn suggest(state: &AppState, space: i64, size: usize) -> Result<Result<Suggestion, String>, AppError> {
    let members = spaces::members(state.db(), space).await?;
    let partners = spaces::partners(state.db(), space).await?;
    let ids: Vec<_> = members.iter().map(|m| m.user).collect();
    let prior = spaces::worked_together(state.db(), space).await?;
    let index: HashMap<_, usize> = ids.iter().enumerate().map(|(k, id)| (*id, k)).collect();
    let history: Vec<(usize, usize)> =
        prior.iter().filter_map(|(a, b)| Some((*index.get(a)?, *index.get(b)?))).collect();
    // Members first, then partners, in the engine's numbering.
    let mut kinds: Vec<&str> = Vec::new();
    let labels = members.iter().map(|m| m.profession.label()).chain(partners.iter().map(|_| PARTNER_KIND));
    let professions: Vec<u32> = labels
        .map(|label| {
            let at = kinds.iter().position(|k| *k == label).unwrap_or_else(|| {
                kinds.push(label);
                kinds.len() - 1
            });
            at as u32
        })
        .collect();
    let deadline = Instant::now() + Duration::from_millis(300);
    let teams = match kindling_matching::teams::form_teams(&professions, &history, size, || Instant::now() < deadline) {
        Ok(teams) => teams,
        Err(e) => return Ok(Err(e.to_string())),
    };
    // Person k of the engine: a member, or (after the members) a partner.
    let who = |k: usize| members.get(k).ok_or_else(|| &partners[k - members.len()]);
    let seats: Vec<Vec<Seat>> = teams
        .teams
        .iter()
        .map(|team| {
            team.iter()
                .map(|&k| match who(k) {
                    Ok(member) => Seat::Member(member.user),
                    Err(partner) => Seat::Partner(partner.id),
                })
                .collect()
        })
        .collect();
    let views = teams
        .teams
        .iter()
        .map(|team| {
            let people: Vec<Member> = team.iter().filter_map(|&k| who(k).ok().cloned()).collect();
            let partners: Vec<Partner> = team.iter().filter_map(|&k| who(k).err().cloned()).collect();
            let mut professions: Vec<&'static str> = people.iter().map(|m| m.profession.label()).collect();
            professions.sort_unstable();
            professions.dedup();
            let mut organisations: Vec<String> = people.iter().map(|m| m.organisation.clone()).collect();
            organisations.sort();
            organisations.dedup();
            TeamView { members: people, partners, professions, organisations }
        })
        .collect();
    Ok(Ok(Suggestion {
        teams: views,
        encoded: write_teams(&seats),
        size,
        prior_pairs_total: history.len(),
        prior_pairs_together: teams.prior_pairs_together,
        objective: teams.objective,
        upper_bound: teams.upper_bound,
    }))
}

impl Suggestion {
    pub(crate) fn into_dto(self) -> crate::api::mentoring::TeamsDto {
        crate::api::mentoring::TeamsDto {
            teams: self
                .teams
                .into_iter()
                .map(|t| crate::api::mentoring::TeamDto {
                    members: t.members.into_iter().map(|m| m.name).collect(),
                    partners: t.partners.into_iter().map(|p| p.name).collect(),
                    professions: t.professions.into_iter().map(str::to_owned).collect(),
                })
                .collect(),
            prior_pairs: self.prior_pairs_total,
            prior_pairs_together: self.prior_pairs_together,
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Typed {
    stage: String,
    body: String,
    partner: String,
    /// The email address of someone the facilitator invites.
    invite: String,
    size: String,
    /// Suggested teams to save, as `write_teams` wrote them.
    teams: String,
    /// The saved team an idea takes ("" for none).
    team: String,
    title: String,
    problem: String,
    proposed_change: String,
    /// The partner the facilitator gives an account, and the address it is for.
    account_partner: String,
    partner_email: String,
    /// What the page says after a change (from the address it was redirected to).
    #[serde(skip_deserializing)]
    notice: String,
    /// An invitation link that could not be emailed, shown once for the facilitator to pass on.
    #[serde(skip_deserializing)]
    invitation_link: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    space: &Space,
    typed: &Typed,
    errors: &FieldErrors,
    suggestion: Option<Suggestion>,
) -> Result<Response, AppError> {
    let members = spaces::members(state.db(), space.id).await?;
    let partners = spaces::partners(state.db(), space.id).await?;
    let outputs = spaces::outputs(state.db(), space.id).await?;
    let linked = spaces::initiatives(state.db(), space.id).await?;
    let saved_teams = spaces::saved_teams(state.db(), space.id).await?;
    let team_options: Vec<(String, String)> = std::iter::once((String::new(), "No team".to_owned()))
        .chain(saved_teams.iter().map(|t| {
            let names: Vec<&str> = t.places.iter().map(|p| p.name.as_str()).collect();
            (t.number.to_string(), format!("Team {}: {}", t.number, names.join(", ")))
        }))
        .collect();
    let is_member = members.iter().any(|m| m.user == viewer.user.id);
    let without_account: Vec<(String, String)> = std::iter::once((String::new(), "Choose a partner".to_owned()))
        .chain(partners.iter().filter(|p| p.account.is_none()).map(|p| (p.id.to_string(), p.name.clone())))
        .collect();
    let challenges = kindling_store::challenges::of_space(state.db(), space.id).await?;
    let stages: Vec<minijinja::Value> = Stage::ALL
        .iter()
        .map(|s| {
            let mine: Vec<&spaces::Output> = outputs.iter().filter(|o| o.stage == *s).collect();
            minijinja::context! { slug => s.slug(), label => s.label(), prompt => s.prompt(), outputs => minijinja::Value::from(minijinja::value::Serde(&mine)), current => *s == space.stage }
        })
        .collect();
    let stage_options: Vec<[&str; 2]> = Stage::ALL.iter().map(|s| [s.slug(), s.label()]).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "spaces/show.html",
        page! { title => space.title.clone(), section => "mentoring", viewer => viewer.view(), space => space, members => members, partners => partners, stages => stages, stage_options => stage_options, linked => linked, is_member => is_member, challenges => challenges, facilitates => space.facilitator == viewer.user.id, typed => typed, errors => errors, field_errors => field_errors(errors), suggestion => suggestion, saved_teams => saved_teams, team_options => team_options, without_account => without_account, contributes => is_member || viewer.is_partner() },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    notice: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<ShowQuery>,
) -> Result<Response, AppError> {
    let space = open(&state, &viewer, parse_number(&id)?).await?;
    let typed = Typed { size: "4".into(), notice: query.notice, ..Typed::default() };
    render(&state, &viewer, &space, &typed, &FieldErrors::new(), None).await
}

pub async fn join(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let space = load(&state, &id).await?;
    spaces::join(state.db(), viewer.actor(now_ms()), space.id).await?;
    Ok(Redirect::to(&format!("/spaces/{}", space.id)).into_response())
}

/// Refuses unless the viewer is a member of the space.
pub(crate) async fn require_member(state: &AppState, viewer: &Viewer, space: i64) -> Result<(), AppError> {
    if spaces::is_member(state.db(), space, viewer.user.id).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden("Join the space first.".into()))
    }
}

/// Refuses unless the viewer takes part in the space: as a member, or as one of its patient partners
/// (who add outputs and comments as members do).
pub(crate) async fn require_contributor(state: &AppState, viewer: &Viewer, space: i64) -> Result<(), AppError> {
    if viewer.is_partner() && spaces::is_partner(state.db(), space, viewer.user.id).await? {
        return Ok(());
    }
    require_member(state, viewer, space).await
}

pub async fn add_partner(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let space = load(&state, &id).await?;
    require_member(&state, &viewer, space.id).await?;
    match parse_partner(&typed.partner) {
        Ok(name) => {
            spaces::add_partner(state.db(), viewer.actor(now_ms()), space.id, &name).await?;
            Ok(Redirect::to(&format!("/spaces/{}", space.id)).into_response())
        }
        Err(errors) => render(&state, &viewer, &space, &typed, &errors, None).await,
    }
}

/// The facilitator adds someone from any organisation of the hub, by their email address.
pub async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let space = load(&state, &id).await?;
    if space.facilitator != viewer.user.id {
        return Err(AppError::Forbidden("Only the space's facilitator invites people.".into()));
    }
    let mut errors = FieldErrors::new();
    match Email::parse(&typed.invite) {
        Err(e) => errors.add("invite", e.to_string()),
        Ok(email) => match spaces::invite(state.db(), viewer.actor(now_ms()), &space, &email).await? {
            Invitation::Added(_) => return Ok(Redirect::to(&format!("/spaces/{}", space.id)).into_response()),
            Invitation::AlreadyMember(name) => errors.add("invite", format!("{name} is already a member")),
            Invitation::NoAccount => errors.add(
                "invite",
                "Nobody on this hub has an account with that email address: their organisation's administrator can invite them to Kindling first",
            ),
        },
    }
    render(&state, &viewer, &space, &typed, &errors, None).await
}

/// The facilitator gives one of the space's patient partners a limited account: an invitation to
/// the address they give (emailed, or shown once to pass on), or a link to the partner account that
/// address has from another space.
pub async fn give_partner_account(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let space = load(&state, &id).await?;
    if space.facilitator != viewer.user.id {
        return Err(AppError::Forbidden("Only the space's facilitator gives partners accounts.".into()));
    }
    let mut errors = FieldErrors::new();
    let partner = typed.account_partner.trim().parse::<i64>().ok();
    if partner.is_none() {
        errors.add("account_partner", "Choose the partner to give an account");
    }
    let email = Email::parse(&typed.partner_email).map_err(|e| errors.add("partner_email", e.to_string())).ok();
    let (Some(partner), Some(email)) = (partner, email) else {
        return render(&state, &viewer, &space, &typed, &errors, None).await;
    };
    let back = format!("/spaces/{}", space.id);
    match spaces::give_partner_account(state.db(), viewer.actor(now_ms()), &space, partner, &email).await? {
        None => errors.add("account_partner", "Choose one of this space's partners"),
        Some(PartnerAccount::HasAccount) => errors.add("account_partner", "That partner has an account already"),
        Some(PartnerAccount::StaffAccount) => errors.add(
            "partner_email",
            "That address belongs to a member of staff on this hub: add them to the space as a member instead",
        ),
        Some(PartnerAccount::Linked) => {
            return Ok(Redirect::to(&format!("{back}?notice=partner-linked")).into_response());
        }
        Some(PartnerAccount::Invited { token, name }) => {
            match crate::admin::people::send_invitation(&state, &viewer, &name, email.as_str(), &token).await {
                None => return Ok(Redirect::to(&format!("{back}?notice=partner-invited")).into_response()),
                Some(link) => {
                    // Not emailed: the link is shown once, on this response, for the facilitator to pass on.
                    let shown = Typed {
                        size: "4".into(),
                        notice: "partner-invited-not-emailed".into(),
                        invitation_link: link,
                        ..Typed::default()
                    };
                    return render(&state, &viewer, &space, &shown, &FieldErrors::new(), None).await;
                }
            }
        }
    }
    render(&state, &viewer, &space, &typed, &errors, None).await
}

pub async fn add_output(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let space = open(&state, &viewer, parse_number(&id)?).await?;
    require_contributor(&state, &viewer, space.id).await?;
    match parse_output(&typed.stage, &typed.body) {
        Ok((stage, body)) => {
            spaces::add_output(state.db(), viewer.actor(now_ms()), &space, stage, &body).await?;
            Ok(Redirect::to(&format!("/spaces/{}#{}", space.id, stage.slug())).into_response())
        }
        Err(errors) => render(&state, &viewer, &space, &typed, &errors, None).await,
    }
}

pub async fn start_idea(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let space = load(&state, &id).await?;
    require_member(&state, &viewer, space.id).await?;
    let form = InitiativeForm {
        title: typed.title.clone(),
        problem: typed.problem.clone(),
        proposed_change: typed.proposed_change.clone(),
        tags: String::new(),
        ..InitiativeForm::default()
    };
    let team = match typed.team.trim() {
        "" => Ok(None),
        raw => raw.parse::<i64>().map(Some),
    };
    match (form.parse(|_| false), team) {
        (Ok(draft), Ok(team)) => {
            match spaces::start_idea(state.db(), viewer.actor(now_ms()), space.id, &draft, team).await? {
                Some(initiative) => Ok(Redirect::to(&format!("/initiatives/{}", initiative.get())).into_response()),
                None => {
                    let mut errors = FieldErrors::new();
                    errors.add("team", "That team is no longer saved: choose one of the saved teams");
                    render(&state, &viewer, &space, &typed, &errors, None).await
                }
            }
        }
        (parsed, team) => {
            let mut errors = parsed.err().unwrap_or_default();
            if team.is_err() {
                errors.add("team", "Choose one of the saved teams, or no team");
            }
            render(&state, &viewer, &space, &typed, &errors, None).await
        }
    }
}

/// Saves the suggested teams the page showed as the space's teams (replacing any saved before).
pub async fn save_teams(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let space = load(&state, &id).await?;
    require_member(&state, &viewer, space.id).await?;
    let mut errors = FieldErrors::new();
    match read_teams(&typed.teams) {
        None => errors.add("size", "Suggest teams first, then save them"),
        Some(teams) => match spaces::save_teams(state.db(), viewer.actor(now_ms()), space.id, &teams).await? {
            Ok(()) => return Ok(Redirect::to(&format!("/spaces/{}#saved-teams", space.id)).into_response()),
            Err(spaces::TeamsRefused::NotInSpace) => {
                errors.add("size", "The space's members changed since these teams were suggested: suggest teams again")
            }
        },
    }
    render(&state, &viewer, &space, &typed, &errors, None).await
}

pub async fn suggest_teams(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(typed): axum::Form<Typed>,
) -> Result<Response, AppError> {
    let space = load(&state, &id).await?;
    let mut errors = FieldErrors::new();
    let size = typed.size.trim().parse::<usize>().ok().filter(|s| (2..=12).contains(s));
    let Some(size) = size else {
        errors.add("size", "Enter a team size from 2 to 12");
        return render(&state, &viewer, &space, &typed, &errors, None).await;
    };
    match suggest(&state, space.id, size).await? {
        Ok(suggestion) => render(&state, &viewer, &space, &typed, &errors, Some(suggestion)).await,
        Err(message) => {
            errors.add("size", message);
            render(&state, &viewer, &space, &typed, &errors, None).await
        }
    }
}
