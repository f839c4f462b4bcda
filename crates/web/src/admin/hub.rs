//! The hub's organisations, for hub administrators: every organisation with its people count, and adding
//! one with its first administrator, who is invited by email (or, with an account already, joins it).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kindling_domain::people::{Email, Profession, Role};
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::people::Invitee;
use kindling_store::{StoreError, orgs};
use serde::{Deserialize, Serialize};

use super::{actor, by_field};
use crate::auth::Viewer;
use crate::setup::ORGANISATION_KINDS;
use crate::{AppError, AppState, templates};

fn require_hub_admin(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.user.hub_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only the hub's administrators can add organisations.".into()))
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OrganisationForm {
    name: String,
    kind: String,
    admin_name: String,
    admin_email: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HubQuery {
    notice: String,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    form: &OrganisationForm,
    errors: &FieldErrors,
    notice: &str,
    link: Option<String>,
) -> Result<Response, AppError> {
    let organisations = orgs::all(state.db()).await?;
    let kinds: Vec<(&str, &str)> =
        std::iter::once(("", "Choose a kind")).chain(ORGANISATION_KINDS.iter().map(|k| (*k, *k))).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "admin/hub.html",
        page! { title => "Organisations on this hub", section => "admin", viewer => viewer.view(), organisations => organisations, form => form, errors => errors, field_errors => by_field(errors), kinds => kinds, notice => notice, link => link },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<HubQuery>,
) -> Result<Response, AppError> {
    require_hub_admin(&viewer)?;
    render(&state, &viewer, &OrganisationForm::default(), &FieldErrors::new(), &query.notice, None).await
}

pub async fn add(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<OrganisationForm>,
) -> Result<Response, AppError> {
    require_hub_admin(&viewer)?;
    let mut errors = FieldErrors::new();
    let name = required_text(&mut errors, "name", &form.name, "the organisation's name", 120);
    if !ORGANISATION_KINDS.contains(&form.kind.as_str()) {
        errors.add("kind", "Choose the kind of organisation");
    }
    let admin_name = required_text(&mut errors, "admin_name", &form.admin_name, "the administrator's name", 120);
    let email = Email::parse(&form.admin_email).map_err(|e| errors.add("admin_email", e.to_string())).ok();
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return render(&state, &viewer, &form, &errors, "", None).await;
    };
    let invitee = Invitee {
        email: email.clone(),
        name: admin_name.clone(),
        profession: Profession::Manager,
        roles: vec![Role::Admin],
        site: None,
    };
    let (organisation, token) = match orgs::add_to_hub(state.db(), actor(&viewer), &name, &form.kind, &invitee).await {
        Ok(done) => done,
        Err(StoreError::Conflict(why)) => {
            errors.add("name", why);
            return render(&state, &viewer, &form, &errors, "", None).await;
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(organisation.id = %organisation, "organisation added to the hub");
    let mut link = None;
    if let Some(token) = token {
        let url = state.config().link(&format!("/set-password?token={token}"));
        let sent = crate::accounts::send_link_email(
            &state,
            &crate::accounts::LinkEmail {
                kind: "invitation",
                subject: format!("You are invited to run Kindling at {name}"),
                to_name: &admin_name,
                to_email: email.as_str(),
                link: url.clone(),
                organisation: &name,
                from_person: Some(&viewer.user.name),
            },
        )
        .await;
        if !sent {
            link = Some(url);
        }
    }
    render(&state, &viewer, &OrganisationForm::default(), &FieldErrors::new(), "added", link).await
}
