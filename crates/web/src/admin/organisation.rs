//! The organisation as its administrators keep it: name and kind; sites with their care setting and
//! units (add, rename, retire: a retired site keeps its history and drops out of the forms); who must use
//! two-factor sign-in and whether local passwords may be used; and the organisation's own identity
//! provider for single sign-on.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::accounts::TwoFactorPolicy;
use kindling_domain::accounts::sso::parse_role_map;
use kindling_domain::ids::SiteId;
use kindling_domain::people::{CareSetting, Role};
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::{orgs, sso};
use serde::{Deserialize, Serialize};

use super::{actor, by_field, conflict_on, require_admin};
use crate::auth::Viewer;
use crate::setup::ORGANISATION_KINDS;
use crate::{AppError, AppState, templates};

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OrganisationForm {
    name: String,
    kind: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SiteForm {
    /// `site_name` on the page, where the organisation's own form has a `name` too.
    #[serde(rename = "site_name")]
    name: String,
    setting: String,
    /// New units, one per line.
    units: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    ORGANISATION_KINDS.iter().map(|k| (*k, *k)).collect()
}

fn settings() -> Vec<(&'static str, &'static str)> {
    std::iter::once(("", "Choose a care setting"))
        .chain(CareSetting::ALL.iter().map(|s| (s.slug(), s.label())))
        .collect()
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    organisation: &OrganisationForm,
    site: &SiteForm,
    errors: &FieldErrors,
    notice: &str,
) -> Result<Response, AppError> {
    let sites = orgs::sites_for_admin(state.db(), viewer.organisation).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "admin/organisation.html",
        page! { title => "Organisation and sites", section => "admin", viewer => viewer.view(), organisation => organisation, site => site, errors => errors, field_errors => by_field(errors), sites => sites, kinds => kinds(), settings => settings(), notice => notice },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let current = orgs::organisation(state.db(), viewer.organisation).await?.ok_or(AppError::NotFound)?;
    let form = OrganisationForm { name: current.name, kind: current.kind };
    render(&state, &viewer, &form, &SiteForm::default(), &FieldErrors::new(), &query.notice).await
}

pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<OrganisationForm>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let mut errors = FieldErrors::new();
    let name = required_text(&mut errors, "name", &form.name, "the organisation's name", 120);
    if !ORGANISATION_KINDS.contains(&form.kind.as_str()) {
        errors.add("kind", "Choose the kind of organisation");
    }
    if errors.is_empty() {
        conflict_on(
            orgs::update_organisation(state.db(), actor(&viewer), &name, &form.kind).await,
            &mut errors,
            "name",
        )?;
    }
    if !errors.is_empty() {
        return render(&state, &viewer, &form, &SiteForm::default(), &errors, "").await;
    }
    Ok(Redirect::to("/admin/organisation?notice=saved").into_response())
}

/// A site form's values, checked: the name, the care setting and the new units.
fn check_site(form: &SiteForm, errors: &mut FieldErrors) -> (String, Option<CareSetting>, Vec<String>) {
    let name = required_text(errors, "site_name", &form.name, "the site's name", 120);
    let setting = form.setting.parse::<CareSetting>().ok();
    if setting.is_none() {
        errors.add("setting", "Choose the kind of care the site gives");
    }
    let units: Vec<String> = form.units.lines().map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned).collect();
    if units.iter().any(|u| u.chars().count() > 120) {
        errors.add("units", "Each unit's name must be 120 characters or fewer");
    }
    (name, setting, units)
}

pub async fn add_site(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<SiteForm>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let mut errors = FieldErrors::new();
    let (name, setting, units) = check_site(&form, &mut errors);
    if let (Some(setting), true) = (setting, errors.is_empty()) {
        let added = orgs::add_site(state.db(), actor(&viewer), &name, setting, &units).await.map(|_| ());
        conflict_on(added, &mut errors, "site_name")?;
    }
    if !errors.is_empty() {
        let current = orgs::organisation(state.db(), viewer.organisation).await?.ok_or(AppError::NotFound)?;
        let organisation = OrganisationForm { name: current.name, kind: current.kind };
        return render(&state, &viewer, &organisation, &form, &errors, "").await;
    }
    Ok(Redirect::to("/admin/organisation?notice=site-added#sites").into_response())
}

fn site_id(raw: &str) -> Result<SiteId, AppError> {
    raw.parse::<i64>().map(SiteId::new).map_err(|_| AppError::NotFound)
}

async fn render_site(
    state: &AppState,
    viewer: &Viewer,
    id: SiteId,
    form: &SiteForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let site = orgs::sites_for_admin(state.db(), viewer.organisation)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "admin/site.html",
        page! { title => format!("Edit {}", site.name), section => "admin", viewer => viewer.view(), site => site, form => form, errors => errors, field_errors => by_field(errors), settings => settings() },
    )?;
    Ok((status, html).into_response())
}

pub async fn site_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let id = site_id(&id)?;
    let site = orgs::sites_for_admin(state.db(), viewer.organisation)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    let form = SiteForm {
        name: site.name,
        setting: site.setting.map(|s| s.slug().to_owned()).unwrap_or_default(),
        units: String::new(),
    };
    render_site(&state, &viewer, id, &form, &FieldErrors::new()).await
}

pub async fn update_site(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<SiteForm>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let id = site_id(&id)?;
    let mut errors = FieldErrors::new();
    let (name, setting, units) = check_site(&form, &mut errors);
    if let (Some(setting), true) = (setting, errors.is_empty()) {
        match orgs::update_site(state.db(), actor(&viewer), id, &name, setting, &units).await {
            Ok(true) => return Ok(Redirect::to("/admin/organisation?notice=site-saved#sites").into_response()),
            Ok(false) => return Err(AppError::NotFound),
            Err(e) => conflict_on(Err(e), &mut errors, "site_name")?,
        }
    }
    render_site(&state, &viewer, id, &form, &errors).await
}

pub async fn retire_site(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    set_retired(state, viewer, id, true).await
}

pub async fn restore_site(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    set_retired(state, viewer, id, false).await
}

async fn set_retired(state: AppState, viewer: Viewer, id: String, retired: bool) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    if !orgs::set_site_retired(state.db(), actor(&viewer), site_id(&id)?, retired).await? {
        return Err(AppError::NotFound);
    }
    let notice = if retired { "site-retired" } else { "site-restored" };
    Ok(Redirect::to(&format!("/admin/organisation?notice={notice}#sites")).into_response())
}

/// The sign-in page for administrators: two-factor policy, local passwords, and single sign-on.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SignInForm {
    two_factor: String,
    passwords_allowed: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct SsoForm {
    issuer: String,
    client_id: String,
    #[serde(skip_serializing)]
    client_secret: String,
    label: String,
    /// One domain per line.
    allowed_domains: String,
    create_people: String,
    default_role: String,
    roles_claim: String,
    role_map: String,
}

async fn render_sign_in(
    state: &AppState,
    viewer: &Viewer,
    policy_form: &SignInForm,
    sso_form: &SsoForm,
    errors: &FieldErrors,
    notice: &str,
) -> Result<Response, AppError> {
    let current = orgs::sign_in_policy(state.db(), viewer.organisation).await?;
    let configured = sso::provider(state.db(), viewer.organisation).await?;
    // The demo's "not required" is shown but cannot be chosen for a real organisation.
    let mut two_factor_options: Vec<(&str, &str, Option<String>)> =
        [TwoFactorPolicy::Administrators, TwoFactorPolicy::Everyone]
            .iter()
            .map(|p| (p.slug(), p.label(), None))
            .collect();
    if current.two_factor == TwoFactorPolicy::Nobody {
        two_factor_options.push((TwoFactorPolicy::Nobody.slug(), TwoFactorPolicy::Nobody.label(), None));
    }
    let roles: Vec<(&str, &str)> = Role::ALL.iter().map(|r| (r.slug(), r.label())).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "admin/sign_in.html",
        page! { title => "Sign-in and security", section => "admin", viewer => viewer.view(), policy => policy_form, current => current, current_label => current.two_factor.label(), sso => sso_form, configured => configured, errors => errors, field_errors => by_field(errors), two_factor_options => two_factor_options, roles => roles, notice => notice, redirect_uri => state.config().link("/sign-in/sso/callback"), sealing => state.config().secret_key.is_some(), organisation_id => viewer.organisation.get(), installation_sso => state.config().sso.as_ref().map(|p| p.label.clone()) },
    )?;
    Ok((status, html).into_response())
}

fn sso_form_from(p: &sso::Provider) -> SsoForm {
    SsoForm {
        issuer: p.issuer.clone(),
        client_id: p.client_id.clone(),
        client_secret: String::new(),
        label: p.label.clone(),
        allowed_domains: p.allowed_domains.join("\n"),
        create_people: if p.create_people { "yes".into() } else { String::new() },
        default_role: p.default_role.clone(),
        roles_claim: p.roles_claim.clone(),
        role_map: p.role_map.clone(),
    }
}

async fn current_forms(state: &AppState, viewer: &Viewer) -> Result<(SignInForm, SsoForm), AppError> {
    let current = orgs::sign_in_policy(state.db(), viewer.organisation).await?;
    let policy = SignInForm {
        two_factor: current.two_factor.slug().to_owned(),
        passwords_allowed: if current.passwords_allowed { "yes".into() } else { "no".into() },
    };
    let sso = match sso::provider(state.db(), viewer.organisation).await? {
        Some(p) => sso_form_from(&p),
        None => {
            SsoForm { default_role: Role::Clinician.slug().into(), roles_claim: "groups".into(), ..SsoForm::default() }
        }
    };
    Ok((policy, sso))
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let (policy, sso_form) = current_forms(&state, &viewer).await?;
    render_sign_in(&state, &viewer, &policy, &sso_form, &FieldErrors::new(), &query.notice).await
}

pub async fn save_policy(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<SignInForm>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let mut errors = FieldErrors::new();
    let current = orgs::sign_in_policy(state.db(), viewer.organisation).await?;
    let two_factor = form.two_factor.parse::<TwoFactorPolicy>().ok().filter(|p| {
        // "Not required" stays only where it already is (the demo hub).
        *p != TwoFactorPolicy::Nobody || current.two_factor == TwoFactorPolicy::Nobody
    });
    if two_factor.is_none() {
        errors.add("two_factor", "Choose who must use two-factor sign-in");
    }
    let passwords_allowed = match form.passwords_allowed.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    if passwords_allowed.is_none() {
        errors.add("passwords_allowed", "Choose whether people may sign in with a Kindling password");
    }
    if passwords_allowed == Some(false)
        && sso::provider(state.db(), viewer.organisation).await?.is_none()
        && state.config().sso.is_none()
    {
        errors.add(
            "passwords_allowed",
            "Set up single sign-on below before switching passwords off, or nobody could sign in",
        );
    }
    let (Some(two_factor), Some(passwords_allowed), true) = (two_factor, passwords_allowed, errors.is_empty()) else {
        let (_, sso_form) = current_forms(&state, &viewer).await?;
        return render_sign_in(&state, &viewer, &form, &sso_form, &errors, "").await;
    };
    orgs::set_sign_in_policy(state.db(), actor(&viewer), orgs::SignInPolicy { two_factor, passwords_allowed }).await?;
    Ok(Redirect::to("/admin/sign-in?notice=policy-saved").into_response())
}

pub async fn save_sso(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<SsoForm>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let mut errors = FieldErrors::new();
    let issuer = form.issuer.trim().trim_end_matches('/').to_owned();
    if issuer.is_empty() {
        errors.add("issuer", "Enter the issuer URL, for example https://login.microsoftonline.com/TENANT-ID/v2.0");
    } else if let Err(why) = crate::sso::issuer_allowed(&issuer) {
        errors.add("issuer", why);
    }
    let client_id = required_text(&mut errors, "client_id", &form.client_id, "the client (application) id", 200);
    let existing = sso::provider(state.db(), viewer.organisation).await?;
    let env_secret = std::env::var(format!("KINDLING_OIDC_CLIENT_SECRET_ORG_{}", viewer.organisation)).is_ok();
    let sealed = match (form.client_secret.trim(), &state.config().secret_key) {
        ("", _) if existing.is_some() || env_secret => String::new(),
        ("", _) => {
            errors.add("client_secret", "Enter the client secret");
            String::new()
        }
        (secret, Some(key)) => key.seal(secret),
        (_, None) => {
            errors.add("client_secret", format!("This server has no secret key to store client secrets with. Leave this empty and set KINDLING_OIDC_CLIENT_SECRET_ORG_{} on the server, or start it with KINDLING_SECRET_KEY", viewer.organisation));
            String::new()
        }
    };
    let label = required_text(&mut errors, "label", &form.label, "the button's label", 60);
    let domains: Vec<String> = form
        .allowed_domains
        .split(['\n', ',', ' '])
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    if domains.is_empty() || domains.iter().any(|d| !d.contains('.') || d.contains('@')) {
        errors.add("allowed_domains", "Enter at least one email domain, such as northfield.nhs.uk, one per line");
    }
    let default_role = form.default_role.parse::<Role>().ok();
    if default_role.is_none() {
        errors.add("default_role", "Choose the role new people get");
    }
    if let Err(why) = parse_role_map(&form.role_map) {
        errors.add("role_map", why);
    }
    if !errors.is_empty() {
        let (policy, _) = current_forms(&state, &viewer).await?;
        return render_sign_in(&state, &viewer, &policy, &form, &errors, "").await;
    }
    let provider = sso::Provider {
        organisation: viewer.organisation,
        issuer,
        client_id,
        client_secret_sealed: sealed,
        label,
        allowed_domains: domains,
        create_people: form.create_people == "yes",
        default_role: default_role.unwrap_or(Role::Clinician).slug().to_owned(),
        roles_claim: form.roles_claim.trim().to_owned(),
        role_map: form.role_map.trim().to_owned(),
    };
    sso::save_provider(state.db(), actor(&viewer), &provider).await?;
    Ok(Redirect::to("/admin/sign-in?notice=sso-saved").into_response())
}

pub async fn remove_sso(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let policy = orgs::sign_in_policy(state.db(), viewer.organisation).await?;
    if !policy.passwords_allowed && state.config().sso.is_none() {
        return Err(AppError::Conflict(
            "Allow Kindling passwords again before removing single sign-on, or nobody could sign in.".into(),
        ));
    }
    sso::remove_provider(state.db(), actor(&viewer)).await?;
    Ok(Redirect::to("/admin/sign-in?notice=sso-removed").into_response())
}
