//! Administration (role `admin`, pages under `/admin`): the organisation and its places, people and
//! their invitations, how people sign in (two-factor policy, local passwords, single sign-on), the audit
//! log, and, for hub administrators, the organisations of the hub. Every action is audited by the store
//! in the transaction that makes it, and scoped to the administrator's chosen organisation.
//!
//! - [`organisation`]: name and kind, sites and units, the sign-in policy and single sign-on.
//! - [`people`]: the list, invitations, roles, deactivation, and the people file.
//! - [`audit`]: the log, filtered, and as CSV.
//! - [`hub`]: organisations of the hub.

pub mod audit;
pub mod hub;
pub mod organisation;
pub mod people;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kindling_domain::ids::OrganisationId;
use kindling_domain::permissions::{Action, allows};
use kindling_domain::validation::FieldErrors;
use kindling_store::{Actor, StoreError, orgs, sessions};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::{AppError, AppState, now_ms, templates};

/// Administration is for the organisation's administrators only.
pub(crate) fn require_admin(viewer: &Viewer) -> Result<(), AppError> {
    if allows(&viewer.standing(false, false), Action::ManageOrganisation) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only your organisation's administrators can do that.".into()))
    }
}

/// The administrator acting in their chosen organisation, now.
pub(crate) fn actor(viewer: &Viewer) -> Actor {
    viewer.actor(now_ms())
}

/// Field errors keyed by field, as templates show them.
pub(crate) fn by_field(errors: &FieldErrors) -> std::collections::BTreeMap<&str, &str> {
    errors.iter().map(|e| (e.field, e.message.as_str())).collect()
}

/// A store conflict (a name taken, the last administrator) as a form error on `field`; anything else
/// stays an error.
pub(crate) fn conflict_on(
    result: Result<(), StoreError>,
    errors: &mut FieldErrors,
    field: &'static str,
) -> Result<(), AppError> {
    match result {
        Err(StoreError::Conflict(why)) => {
            errors.add(field, why);
            Ok(())
        }
        other => other.map_err(AppError::from),
    }
}

pub async fn index(State(state): State<AppState>, viewer: Viewer) -> Result<Html<String>, AppError> {
    require_admin(&viewer)?;
    let policy = orgs::sign_in_policy(state.db(), viewer.organisation).await?;
    templates::render(
        "admin/index.html",
        page! { title => "Administration", section => "admin", viewer => viewer.view(), policy => policy, two_factor => policy.two_factor.label(), demo => state.config().demo },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SwitchForm {
    organisation: String,
}

/// The header's organisation switcher: work in another organisation the person belongs to. Anyone else's
/// organisation is refused as if it did not exist.
pub async fn switch_organisation(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<SwitchForm>,
) -> Result<Response, AppError> {
    let chosen = form.organisation.trim().parse::<i64>().ok().map(OrganisationId::new);
    let Some(chosen) = chosen.filter(|o| viewer.user.is_member_of(*o)) else {
        tracing::warn!(user.id = %viewer.user.id, "switch to an organisation the person does not belong to refused");
        return Err(AppError::NotFound);
    };
    sessions::switch_organisation(state.db(), &viewer.session_id, viewer.user.id, chosen, now_ms()).await?;
    Ok(Redirect::to("/?notice=switched").into_response())
}
