//! `/api/v1/admin/…`: the administration pages for integrations (an identity or workforce system keeping
//! people in step): people (list, invite, roles, deactivate, reactivate), sites, and the audit log. Only
//! the organisation's administrators may call them; each change is audited like the pages'.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kindling_domain::ids::{SiteId, UserId};
use kindling_domain::initiatives::Standing;
use kindling_domain::paging::Page;
use kindling_domain::people::{CareSetting, Email, Profession, Role};
use kindling_domain::permissions::{Action, allows};
use kindling_store::people::{self as store, Filter, Invited, Invitee};
use kindling_store::{Actor, StoreError, audit, orgs};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, ApiJson, ApiQuery, ApiUser, Problem};
use crate::{AppState, now_ms};

fn require_admin(who: &ApiUser) -> Result<Actor, ApiError> {
    let standing = Standing { roles: who.roles.clone(), is_submitter: false, is_team_member: false };
    if allows(&standing, Action::ManageOrganisation) {
        Ok(Actor { organisation: who.organisation, user: who.user.id, now_ms: now_ms() })
    } else {
        Err(ApiError::forbidden("Only the organisation's administrators may use the administration API.".into()))
    }
}

/// A role, as the API names it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RoleName {
    Admin,
    Clinician,
    ImprovementLead,
    Approver,
    Executive,
    ProgrammeLead,
    Mentor,
    Mentee,
    ClinicalSafetyOfficer,
    DataProtectionOfficer,
    ResearchOffice,
    /// A patient or public partner's limited account (the collaborative spaces they take part in).
    Partner,
}

impl RoleName {
    fn role(self) -> Role {
        match self {
            Self::Admin => Role::Admin,
            Self::Clinician => Role::Clinician,
            Self::ImprovementLead => Role::ImprovementLead,
            Self::Approver => Role::Approver,
            Self::Executive => Role::Executive,
            Self::ProgrammeLead => Role::ProgrammeLead,
            Self::Mentor => Role::Mentor,
            Self::Mentee => Role::Mentee,
            Self::ClinicalSafetyOfficer => Role::ClinicalSafetyOfficer,
            Self::DataProtectionOfficer => Role::DataProtectionOfficer,
            Self::ResearchOffice => Role::ResearchOffice,
            Self::Partner => Role::Partner,
        }
    }
}

/// An account's status.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusName {
    Invited,
    Active,
    Deactivated,
}

#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// The profession's slug (nurse, doctor, ahp, …).
    pub profession: String,
    #[schema(value_type = Vec<RoleName>)]
    pub roles: Vec<String>,
    pub site: Option<String>,
    #[schema(value_type = StatusName)]
    pub status: String,
    pub two_factor: bool,
}

fn dto(m: store::Member) -> PersonDto {
    PersonDto {
        id: m.id.get(),
        name: m.name,
        email: m.email,
        profession: m.profession.slug().to_owned(),
        roles: m.roles.iter().map(|r| r.slug().to_owned()).collect(),
        site: m.site,
        status: m.status.slug().to_owned(),
        two_factor: m.two_factor,
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Part of a name or email address.
    pub q: Option<String>,
    pub role: Option<RoleName>,
    /// A site's id.
    pub site: Option<i64>,
    pub status: Option<StatusName>,
    /// From 1; 50 people a page.
    #[param(schema_with = super::schemas::page)]
    pub page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct PeoplePage {
    pub total: u64,
    pub page: u32,
    pub people: Vec<PersonDto>,
}

/// The organisation's people, by name, filtered, 50 a page.
#[utoipa::path(get, path = "/api/v1/admin/people", tag = "administration", params(PeopleQuery),
    responses((status = 200, description = "Success", body = PeoplePage),
              (status = 400, description = "A filter is not one of its allowed values", body = Problem, content_type = "application/problem+json"),
              (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json")))]
pub async fn list_people(
    State(state): State<AppState>,
    who: ApiUser,
    ApiQuery(query): ApiQuery<PeopleQuery>,
) -> Result<Json<PeoplePage>, ApiError> {
    require_admin(&who)?;
    let filter = Filter {
        query: query.q.filter(|q| !q.trim().is_empty()),
        role: query.role.map(RoleName::role),
        site: query.site.map(SiteId::new),
        status: query.status.map(|s| match s {
            StatusName::Invited => kindling_domain::accounts::AccountStatus::Invited,
            StatusName::Active => kindling_domain::accounts::AccountStatus::Active,
            StatusName::Deactivated => kindling_domain::accounts::AccountStatus::Deactivated,
        }),
    };
    let page = Page::parse(query.page.map(|p| p.to_string()).as_deref(), 50);
    let (people, total) = store::list(state.db(), who.organisation, &filter, page).await?;
    Ok(Json(PeoplePage { total, page: page.number(), people: people.into_iter().map(dto).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPerson {
    #[schema(format = Email)]
    pub email: String,
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    pub name: String,
    /// A profession's slug.
    #[schema(schema_with = super::schemas::profession)]
    pub profession: String,
    #[schema(min_items = 1)]
    pub roles: Vec<RoleName>,
    #[serde(default)]
    pub site_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitedDto {
    pub person: PersonDto,
    /// Whether the invitation was emailed (false for someone who already had an account on the hub).
    pub emailed: bool,
    /// The one-time link, only when it could not be emailed: pass it on yourself.
    pub invitation_url: Option<String>,
}

/// Invite a person by email (a one-time link valid 7 days). Someone with an account elsewhere on the hub
/// joins this organisation instead.
#[utoipa::path(post, path = "/api/v1/admin/people", tag = "administration", request_body = NewPerson,
    responses((status = 201, description = "Invited", body = InvitedDto),
              (status = 400, description = "The body is not JSON of this shape", body = Problem, content_type = "application/problem+json"),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Already a member", body = Problem, content_type = "application/problem+json"),
              (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Not valid", body = Problem, content_type = "application/problem+json")))]
pub async fn invite(
    State(state): State<AppState>,
    who: ApiUser,
    ApiJson(input): ApiJson<NewPerson>,
) -> Result<Response, ApiError> {
    let by = require_admin(&who)?;
    let mut problems = Vec::new();
    let email = Email::parse(&input.email).map_err(|e| problems.push(("email".to_owned(), e.to_string()))).ok();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 120 {
        problems.push(("name".into(), "Give their full name, in 120 characters or fewer".into()));
    }
    let profession = input.profession.parse::<Profession>().ok();
    if profession.is_none() {
        problems.push(("profession".into(), "Not one of the professions".into()));
    }
    if input.roles.is_empty() {
        problems.push(("roles".into(), "Give at least one role".into()));
    }
    let sites = orgs::site_names_in_use(state.db(), who.organisation).await?;
    let site = input.site_id.map(SiteId::new);
    if site.is_some_and(|s| !sites.iter().any(|(id, _)| *id == s)) {
        problems.push(("site_id".into(), "Not a site of the organisation".into()));
    }
    let (Some(email), Some(profession), true) = (email, profession, problems.is_empty()) else {
        return Err(ApiError::invalid(problems));
    };
    let invitee = Invitee {
        email: email.clone(),
        name: name.clone(),
        profession,
        roles: input.roles.iter().map(|r| r.role()).collect(),
        site,
    };
    let outcome = match store::invite(state.db(), by, &invitee).await {
        Ok(outcome) => outcome,
        Err(StoreError::Conflict(why)) => return Err(ApiError::conflict(why)),
        Err(e) => return Err(e.into()),
    };
    let (user, emailed, url) = match outcome {
        Invited::New { user, token } => {
            let link = state.config().link(&format!("/set-password?token={token}"));
            let organisation =
                orgs::organisation(state.db(), who.organisation).await?.map(|o| o.name).unwrap_or_default();
            let sent = crate::accounts::send_link_email(
                &state,
                &crate::accounts::LinkEmail {
                    kind: "invitation",
                    subject: format!("You are invited to Kindling at {organisation}"),
                    to_name: &name,
                    to_email: email.as_str(),
                    link: link.clone(),
                    organisation: &organisation,
                    from_person: Some(&who.user.name),
                },
            )
            .await;
            (user, sent, (!sent).then_some(link))
        }
        Invited::Joined { user } => (user, false, None),
    };
    let person = store::member(state.db(), who.organisation, user).await?.ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(InvitedDto { person: dto(person), emailed, invitation_url: url })).into_response())
}

fn person_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse::<i64>().map(UserId::new).map_err(|_| ApiError::not_found())
}

/// One person of the organisation.
#[utoipa::path(get, path = "/api/v1/admin/people/{id}", tag = "administration", params(("id" = i64, Path)),
    responses((status = 200, description = "Success", body = PersonDto),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
              (status = 404, description = "No such person in this organisation", body = Problem, content_type = "application/problem+json")))]
pub async fn get_person(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PersonDto>, ApiError> {
    require_admin(&who)?;
    let member = store::member(state.db(), who.organisation, person_id(&id)?).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(dto(member)))
}

#[derive(Deserialize, ToSchema)]
pub struct RolesDto {
    /// At least one; to stop someone signing in, deactivate them.
    #[schema(min_items = 1)]
    pub roles: Vec<RoleName>,
}

/// Replace a person's roles here. The last active administrator cannot lose the role (409).
#[utoipa::path(put, path = "/api/v1/admin/people/{id}/roles", tag = "administration", params(("id" = i64, Path)), request_body = RolesDto,
    responses((status = 200, description = "Saved", body = PersonDto),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
              (status = 404, description = "No such person in this organisation", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "It would leave no active administrator", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "No roles given", body = Problem, content_type = "application/problem+json")))]
pub async fn put_roles(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RolesDto>,
) -> Result<Json<PersonDto>, ApiError> {
    let by = require_admin(&who)?;
    let id = person_id(&id)?;
    if input.roles.is_empty() {
        return Err(ApiError::invalid(vec![(
            "roles".into(),
            "Give at least one role; to stop someone signing in, deactivate them".into(),
        )]));
    }
    let roles: Vec<Role> = input.roles.iter().map(|r| r.role()).collect();
    match store::set_roles(state.db(), by, id, &roles).await {
        Ok(true) => {}
        Ok(false) => return Err(ApiError::not_found()),
        Err(StoreError::Conflict(why)) => return Err(ApiError::conflict(why)),
        Err(e) => return Err(e.into()),
    }
    get_person(State(state), who, Path(id.to_string())).await
}

/// Deactivate a person: their sessions and API tokens end at once. Not the last active administrator (409).
#[utoipa::path(post, path = "/api/v1/admin/people/{id}/deactivate", tag = "administration", params(("id" = i64, Path)),
    responses((status = 200, description = "Deactivated", body = PersonDto),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
              (status = 404, description = "No such person in this organisation", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The last active administrator", body = Problem, content_type = "application/problem+json")))]
pub async fn deactivate(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PersonDto>, ApiError> {
    let by = require_admin(&who)?;
    let id = person_id(&id)?;
    match store::deactivate(state.db(), by, id).await {
        Ok(true) => {}
        Ok(false) => return Err(ApiError::not_found()),
        Err(StoreError::Conflict(why)) => return Err(ApiError::conflict(why)),
        Err(e) => return Err(e.into()),
    }
    get_person(State(state), who, Path(id.to_string())).await
}

/// Reactivate a deactivated person.
#[utoipa::path(post, path = "/api/v1/admin/people/{id}/reactivate", tag = "administration", params(("id" = i64, Path)),
    responses((status = 200, description = "Reactivated", body = PersonDto),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
              (status = 404, description = "No such person in this organisation", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The person is not deactivated", body = Problem, content_type = "application/problem+json")))]
pub async fn reactivate(
    State(state): State<AppState>,
    who: ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PersonDto>, ApiError> {
    let by = require_admin(&who)?;
    let id = person_id(&id)?;
    if !store::reactivate(state.db(), by, id).await? {
        // Someone who is here and active (or invited) is a conflict with their state, not a
        // missing resource.
        return Err(match store::member(state.db(), who.organisation, id).await? {
            Some(_) => ApiError::conflict("They are not deactivated.".into()),
            None => ApiError::not_found(),
        });
    }
    get_person(State(state), who, Path(id.to_string())).await
}

/// A care setting, as the API names it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SettingName {
    Acute,
    Community,
    MentalHealth,
    PrimaryCare,
    SocialCare,
    Ambulance,
}

#[derive(Serialize, ToSchema)]
pub struct SiteDto {
    pub id: i64,
    pub name: String,
    #[schema(value_type = Option<SettingName>)]
    pub setting: Option<String>,
    pub units: Vec<String>,
    pub retired: bool,
}

/// The organisation's sites, in use first, with their units.
#[utoipa::path(get, path = "/api/v1/admin/sites", tag = "administration",
    responses((status = 200, description = "Success", body = Vec<SiteDto>),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json")))]
pub async fn list_sites(State(state): State<AppState>, who: ApiUser) -> Result<Json<Vec<SiteDto>>, ApiError> {
    require_admin(&who)?;
    let sites = orgs::sites_for_admin(state.db(), who.organisation).await?;
    Ok(Json(
        sites
            .into_iter()
            .map(|s| SiteDto {
                id: s.id.get(),
                name: s.name,
                setting: s.setting.map(|c| c.slug().to_owned()),
                units: s.units,
                retired: s.retired_ms.is_some(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSite {
    #[schema(min_length = 1, max_length = 120, pattern = r"\S")]
    pub name: String,
    pub setting: SettingName,
    /// Blank names are left out.
    #[serde(default)]
    #[schema(schema_with = super::schemas::unit_names)]
    pub units: Vec<String>,
}

/// Add a site with its care setting and units.
#[utoipa::path(post, path = "/api/v1/admin/sites", tag = "administration", request_body = NewSite,
    responses((status = 201, description = "Added", body = SiteDto),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "A site of that name exists", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Not valid", body = Problem, content_type = "application/problem+json")))]
pub async fn add_site(
    State(state): State<AppState>,
    who: ApiUser,
    ApiJson(input): ApiJson<NewSite>,
) -> Result<Response, ApiError> {
    let by = require_admin(&who)?;
    let name = input.name.trim().to_owned();
    let units: Vec<String> = input.units.iter().map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()).collect();
    if name.is_empty() || name.chars().count() > 120 || units.iter().any(|u| u.chars().count() > 120) {
        return Err(ApiError::invalid(vec![(
            "name".into(),
            "Give the site's name (and each unit's) in 120 characters or fewer".into(),
        )]));
    }
    let setting: CareSetting = serde_json::to_value(input.setting)
        .ok()
        .and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| ApiError::invalid(vec![("setting".into(), "Not a care setting".into())]))?;
    let id = match orgs::add_site(state.db(), by, &name, setting, &units).await {
        Ok(id) => id,
        Err(StoreError::Conflict(why)) => return Err(ApiError::conflict(why)),
        Err(e) => return Err(e.into()),
    };
    let dto = SiteDto { id: id.get(), name, setting: Some(setting.slug().to_owned()), units, retired: false };
    Ok((StatusCode::CREATED, Json(dto)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// A person's id.
    pub person: Option<i64>,
    /// An action (`people.deactivated`) or a family of them (`people`).
    pub action: Option<String>,
    /// A subject, such as `user:12` or `initiative:4`.
    pub subject: Option<String>,
    /// From this date (YYYY-MM-DD, UTC).
    #[param(schema_with = super::schemas::date_or_empty)]
    pub from: Option<String>,
    /// Until the end of this date (YYYY-MM-DD, UTC).
    #[param(schema_with = super::schemas::date_or_empty)]
    pub until: Option<String>,
    /// From 1; 100 entries a page.
    #[param(schema_with = super::schemas::page)]
    pub page: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject: String,
    pub summary: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub total: u64,
    pub page: u32,
    pub entries: Vec<AuditEntryDto>,
}

/// The organisation's audit log, newest first, filtered, 100 entries a page.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "administration", params(AuditQuery),
    responses((status = 200, description = "Success", body = AuditPage),
              (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "A date is not a date", body = Problem, content_type = "application/problem+json")))]
pub async fn list_audit(
    State(state): State<AppState>,
    who: ApiUser,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    require_admin(&who)?;
    let day = |raw: &Option<String>, field: &str| -> Result<Option<i64>, ApiError> {
        match raw.as_deref().filter(|r| !r.is_empty()) {
            None => Ok(None),
            Some(raw) => super::schemas::parse_day(raw)
                .map(|d| Some(d.unix_ms()))
                .ok_or_else(|| ApiError::invalid(vec![(field.to_owned(), "Not a date like 2026-12-02".into())])),
        }
    };
    let filter = audit::Filter {
        actor: query.person.map(UserId::new),
        action: query.action.filter(|a| !a.trim().is_empty()),
        subject: query.subject.filter(|s| !s.trim().is_empty()),
        from_ms: day(&query.from, "from")?,
        until_ms: day(&query.until, "until")?.map(|ms| ms + 86_400_000),
    };
    let page = Page::parse(query.page.map(|p| p.to_string()).as_deref(), 100);
    let (entries, total) = audit::list(state.db(), who.organisation, &filter, page.per_page(), page.offset()).await?;
    Ok(Json(AuditPage {
        total,
        page: page.number(),
        entries: entries
            .into_iter()
            .map(|e| AuditEntryDto {
                seq: e.seq,
                at_ms: e.at_ms,
                actor_id: e.actor.map(UserId::get),
                actor_name: e.actor_name,
                action: e.action,
                subject: e.subject,
                summary: e.summary,
            })
            .collect(),
    }))
}
