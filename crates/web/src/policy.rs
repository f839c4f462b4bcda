//! The policy pack administrators work with: see the pack in force (with how many of its items are
//! still unverified), download it, paste an edited copy or another pack, and see every pack loaded
//! before. A pack that fails validation is refused with each problem naming its key.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::permissions::{Action, allows};
use kindling_domain::policy::{BUILT_IN, PackError, PolicyPack};
use kindling_domain::validation::FieldErrors;
use kindling_store::policy;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::{AppError, AppState, now_ms, templates};

fn require_admin(viewer: &Viewer) -> Result<(), AppError> {
    if allows(&viewer.standing(false, false), Action::ManageOrganisation) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only administrators can change the policy pack.".into()))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PolicyQuery {
    notice: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    body: Option<&str>,
    problems: &[PackError],
    notice: bool,
) -> Result<Response, AppError> {
    let active = policy::active(state.db(), viewer.organisation).await?;
    let history = policy::history(state.db(), viewer.organisation).await?;
    let mut errors = FieldErrors::new();
    // A missing choice of jurisdiction belongs to its radios; every other problem to the pack's text.
    let (choice, problems): (Vec<&PackError>, Vec<&PackError>) = problems.iter().partition(|p| p.key == "jurisdiction");
    for p in &choice {
        errors.add("jurisdiction", p.message.clone());
    }
    for p in &problems {
        errors.add("body", p.to_string());
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "admin/policy.html",
        page! { title => "Policy pack", section => "admin", viewer => viewer.view(), pack => &active.pack.pack, duties => &active.pack.duties, jurisdictions => jurisdictions(), built_in => active.row == 0, unverified => active.pack.unverified_count(), gates => &active.pack.gates, routes => &active.pack.routes, bands => &active.pack.risk.bands, history => history, body => body.unwrap_or(&active.body), field_errors => crate::initiatives::field_errors(&errors), errors => errors, problems => problems.iter().map(ToString::to_string).collect::<Vec<_>>(), notice => notice },
    )?;
    Ok((status, html).into_response())
}

/// The built-in packs as radio options: (jurisdiction, "NHS Wales default (Wales)").
fn jurisdictions() -> Vec<(&'static str, String)> {
    BUILT_IN
        .iter()
        .filter_map(|(jurisdiction, body)| {
            PolicyPack::parse(body)
                .ok()
                .map(|p| (*jurisdiction, format!("{} ({} {})", p.pack.name, p.pack.id, p.pack.version)))
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(query): axum::extract::Query<PolicyQuery>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    render(&state, &viewer, None, &[], query.notice == "loaded").await
}

/// The pack in force as a TOML file, to edit a copy.
pub async fn download(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let active = policy::active(state.db(), viewer.organisation).await?;
    let name = format!("{}-{}.toml", active.pack.pack.id, active.pack.pack.version);
    Ok((
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        active.body,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PackForm {
    body: String,
}

pub async fn load_pack(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<PackForm>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    match policy::load(state.db(), viewer.actor(now_ms()), &form.body).await? {
        Ok(_) => Ok(Redirect::to("/admin/policy?notice=loaded").into_response()),
        Err(problems) => render(&state, &viewer, Some(&form.body), &problems, false).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JurisdictionForm {
    jurisdiction: String,
}

/// Puts the built-in pack of the organisation's jurisdiction in force (England or Wales), as a
/// loaded pack like any other, so the history shows when it changed and by whom.
pub async fn choose_built_in(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<JurisdictionForm>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let Some((_, body)) = BUILT_IN.iter().find(|(jurisdiction, _)| *jurisdiction == form.jurisdiction) else {
        let problem = PackError { key: "jurisdiction".into(), message: "Choose England or Wales".into() };
        return render(&state, &viewer, None, &[problem], false).await;
    };
    match policy::load(state.db(), viewer.actor(now_ms()), body).await? {
        Ok(_) => Ok(Redirect::to("/admin/policy?notice=loaded").into_response()),
        Err(problems) => render(&state, &viewer, None, &problems, false).await,
    }
}
