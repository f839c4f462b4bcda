//! Skills pathways: the guides, each person's progress, and templates filled from an initiative.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::InitiativeId;
use kindling_domain::pathways::{Facts, PATHWAYS, Template, fill, pathway};
use kindling_store::pathways::Done;
use kindling_store::{initiatives, measures, pdsa};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::load;
use crate::{AppError, AppState, now_ms, templates};

/// A pathway with how far someone has got.
#[derive(Serialize)]
pub struct Progress {
    pub slug: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub steps: usize,
    pub done: usize,
}

pub fn progress_of(steps: &[Done]) -> Vec<Progress> {
    PATHWAYS
        .iter()
        .map(|p| Progress {
            slug: p.slug,
            title: p.title,
            summary: p.summary,
            steps: p.steps.len(),
            done: p.steps.iter().filter(|s| steps.iter().any(|d| d.pathway == p.slug && d.step == s.slug)).count(),
        })
        .collect()
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct InitiativeQuery {
    initiative: String,
}

/// The viewer's initiatives to fill templates from: the one asked for first.
async fn chosen(state: &AppState, viewer: &Viewer, raw: &str) -> Result<Option<InitiativeId>, AppError> {
    let Some(id) = raw.parse::<i64>().ok().filter(|n| *n > 0).map(InitiativeId::new) else { return Ok(None) };
    Ok(initiatives::get(state.db(), viewer.organisation, id).await?.map(|i| i.id))
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<InitiativeQuery>,
) -> Result<Response, AppError> {
    let steps = kindling_store::pathways::progress(state.db(), viewer.user.id).await?;
    let html = templates::render(
        "pathways/list.html",
        page! { title => "Skills pathways", viewer => viewer.view(), pathways => progress_of(&steps), initiative => query.initiative },
    )?;
    Ok(html.into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(query): Query<InitiativeQuery>,
) -> Result<Response, AppError> {
    let pathway = pathway(&slug).ok_or(AppError::NotFound)?;
    let steps = kindling_store::pathways::progress(state.db(), viewer.user.id).await?;
    let done: Vec<&str> = steps.iter().filter(|d| d.pathway == slug).map(|d| d.step.as_str()).collect();
    let mine: Vec<(String, String)> = initiatives::involving(state.db(), viewer.organisation, viewer.user.id)
        .await?
        .into_iter()
        .map(|i| (i.id.to_string(), i.title))
        .collect();
    let html = templates::render(
        "pathways/show.html",
        page! { title => pathway.title, viewer => viewer.view(), pathway => pathway, done => done, initiative => query.initiative, mine => mine },
    )?;
    Ok(html.into_response())
}

/// Marks a step done, with the initiative it was done for if one was chosen.
pub async fn complete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((slug, step)): Path<(String, String)>,
    axum::Form(form): axum::Form<InitiativeQuery>,
) -> Result<Response, AppError> {
    let pathway = pathway(&slug).ok_or(AppError::NotFound)?;
    if !pathway.steps.iter().any(|s| s.slug == step) {
        return Err(AppError::NotFound);
    }
    let initiative = chosen(&state, &viewer, &form.initiative).await?;
    kindling_store::pathways::complete(state.db(), viewer.actor(now_ms()), &slug, &step, initiative).await?;
    let back = match initiative {
        Some(i) => format!("/pathways/{slug}?initiative={i}#{step}"),
        None => format!("/pathways/{slug}#{step}"),
    };
    Ok(Redirect::to(&back).into_response())
}

/// What a template is filled from, gathered from the initiative's records.
async fn facts(state: &AppState, viewer: &Viewer, id: InitiativeId) -> Result<Facts, AppError> {
    let item = load(state, viewer, id).await?;
    let measures = measures::for_initiative(state.db(), viewer.organisation, id).await?;
    let cycles = pdsa::for_initiative(state.db(), viewer.organisation, id).await?;
    let route = kindling_store::approvals::for_initiative(state.db(), viewer.organisation, id).await?;
    let mut team: Vec<String> = vec![format!("{} (submitted the idea)", item.submitter.name)];
    team.extend(
        item.team
            .iter()
            .filter(|m| m.person.id != item.submitter.id)
            .map(|m| format!("{} ({})", m.person.name, m.team_role)),
    );
    Ok(Facts {
        title: item.draft.title.clone(),
        problem: item.draft.problem.clone(),
        proposed_change: item.draft.proposed_change.clone(),
        aim: item.draft.aim.what.as_ref().map(|_| crate::drivers::aim_line(&item)),
        for_whom: item.draft.aim.for_whom.clone(),
        team,
        measures: measures
            .iter()
            .map(|m| format!("{} ({})", m.draft.name, m.draft.kind.label().to_lowercase()))
            .collect(),
        decided_by: route.last().map(|r| r.route_label.clone()),
        latest_cycle: cycles.iter().max_by_key(|c| c.number).map(|c| {
            [
                Some(c.change.clone()),
                Some(c.prediction.clone()),
                c.do_notes.clone(),
                c.study.clone(),
                c.decision.map(|d| {
                    format!("{}{}", d.label(), c.decision_notes.as_ref().map(|n| format!(". {n}")).unwrap_or_default())
                }),
            ]
        }),
    })
}

pub async fn template(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(which): Path<String>,
    Query(query): Query<InitiativeQuery>,
) -> Result<Response, AppError> {
    let template = Template::parse(&which).ok_or(AppError::NotFound)?;
    let mine: Vec<(String, String)> = std::iter::once((String::new(), "Choose an initiative".to_owned()))
        .chain(
            initiatives::involving(state.db(), viewer.organisation, viewer.user.id)
                .await?
                .into_iter()
                .map(|i| (i.id.to_string(), i.title)),
        )
        .collect();
    let filled = match chosen(&state, &viewer, &query.initiative).await? {
        Some(id) => Some(fill(template, &facts(&state, &viewer, id).await?)),
        None => None,
    };
    let html = templates::render(
        "pathways/template.html",
        page! { title => template.label(), viewer => viewer.view(), template => template.slug(), filled => filled, mine => mine, initiative => query.initiative },
    )?;
    Ok(html.into_response())
}
