//! People, as administrators manage them: a searchable, paginated list filtered by role, site and status;
//! inviting one person by email (with a one-time link, valid a week, that can be sent again or
//! withdrawn); one person's page (roles, deactivate, reactivate, end their sessions, remove their
//! authenticator); and the people file (CSV or Excel), previewed in full before anything is written.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::accounts::AccountStatus;
use kindling_domain::accounts::import::{PersonRow, parse_people};
use kindling_domain::ids::{SiteId, UserId};
use kindling_domain::measures::RowError;
use kindling_domain::paging::Page;
use kindling_domain::people::{Email, Profession, Role};
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::people::{self as store, Filter, Invited, Invitee};
use kindling_store::{StoreError, orgs};
use serde::{Deserialize, Serialize};

use super::{actor, by_field, require_admin};
use crate::auth::Viewer;
use crate::{AppError, AppState, now_ms, templates};

const PER_PAGE: u32 = 25;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    role: String,
    site: String,
    status: String,
    page: Option<String>,
    notice: String,
}

fn role_options() -> Vec<(String, String)> {
    Role::ALL.iter().map(|r| (r.slug().to_owned(), r.label().to_owned())).collect()
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let filter = Filter {
        query: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        role: query.role.parse().ok(),
        site: query.site.parse::<i64>().ok().map(SiteId::new),
        status: query.status.parse().ok(),
    };
    let page = Page::parse(query.page.as_deref(), PER_PAGE);
    let (people, total) = store::list(state.db(), viewer.organisation, &filter, page).await?;
    let sites = orgs::site_names_in_use(state.db(), viewer.organisation).await?;
    let pages = page.count_for(total);
    let link = |n: u32| {
        let params = [
            ("q", query.q.as_str()),
            ("role", &query.role),
            ("site", &query.site),
            ("status", &query.status),
            ("page", &n.to_string()),
        ];
        format!("/admin/people?{}", serde_urlencoded::to_string(params).unwrap_or_default())
    };
    let (prev, next) = (
        (page.number() > 1).then(|| link(page.number() - 1)),
        (page.number() < pages).then(|| link(page.number() + 1)),
    );
    let statuses: Vec<(&str, &str)> = AccountStatus::ALL.iter().map(|s| (s.slug(), s.label())).collect();
    let html = templates::render(
        "admin/people.html",
        page! { title => "People", section => "admin", viewer => viewer.view(), people => people, total => total, query => &query, roles => role_options(), sites => sites.iter().map(|(id, name)| (id.get().to_string(), name.clone())).collect::<Vec<_>>(), statuses => statuses, page => page.number(), pages => pages, prev => prev, next => next },
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Default, Serialize)]
pub struct InviteForm {
    email: String,
    name: String,
    profession: String,
    /// The ticked role boxes.
    roles: Vec<String>,
    site: String,
}

impl InviteForm {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        use crate::form_fields::{all, first};
        Self {
            email: first(pairs, "email"),
            name: first(pairs, "name"),
            profession: first(pairs, "profession"),
            roles: all(pairs, "roles"),
            site: first(pairs, "site"),
        }
    }
}

async fn render_invite(
    state: &AppState,
    viewer: &Viewer,
    form: &InviteForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let sites = orgs::site_names_in_use(state.db(), viewer.organisation).await?;
    let sites: Vec<(String, String)> = std::iter::once((String::new(), "Not recorded".to_owned()))
        .chain(sites.iter().map(|(id, name)| (id.get().to_string(), name.clone())))
        .collect();
    let professions: Vec<(&str, &str)> = std::iter::once(("", "Choose a profession"))
        .chain(Profession::ALL.iter().map(|p| (p.slug(), p.label())))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "admin/invite.html",
        page! { title => "Invite a person", section => "admin", viewer => viewer.view(), form => form, errors => errors, field_errors => by_field(errors), roles => role_options(), professions => professions, sites => sites },
    )?;
    Ok((status, html).into_response())
}

pub async fn invite_form(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let form = InviteForm { roles: vec![Role::Clinician.slug().to_owned()], ..InviteForm::default() };
    render_invite(&state, &viewer, &form, &FieldErrors::new()).await
}

pub async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let form = InviteForm::from_pairs(&pairs);
    let mut errors = FieldErrors::new();
    let email = Email::parse(&form.email).map_err(|e| errors.add("email", e.to_string())).ok();
    let name = required_text(&mut errors, "name", &form.name, "their full name", 120);
    let profession = form.profession.parse::<Profession>().ok();
    if profession.is_none() {
        errors.add("profession", "Choose their profession");
    }
    let roles: Vec<Role> = form.roles.iter().filter_map(|r| r.parse().ok()).collect();
    if roles.is_empty() {
        errors.add("roles", "Choose at least one role");
    }
    let sites = orgs::site_names_in_use(state.db(), viewer.organisation).await?;
    let site = match form.site.trim() {
        "" => None,
        raw => {
            let found = raw.parse::<i64>().ok().map(SiteId::new).filter(|s| sites.iter().any(|(id, _)| id == s));
            if found.is_none() {
                errors.add("site", "Choose one of the organisation's sites");
            }
            found
        }
    };
    let (Some(email), Some(profession), true) = (email, profession, errors.is_empty()) else {
        return render_invite(&state, &viewer, &form, &errors).await;
    };
    let invitee = Invitee { email: email.clone(), name: name.clone(), profession, roles, site };
    let outcome = match store::invite(state.db(), actor(&viewer), &invitee).await {
        Ok(outcome) => outcome,
        Err(StoreError::Conflict(why)) => {
            errors.add("email", why);
            return render_invite(&state, &viewer, &form, &errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    match outcome {
        Invited::New { user, token } => match send_invitation(&state, &viewer, &name, email.as_str(), &token).await {
            None => Ok(Redirect::to(&format!("/admin/people/{user}?notice=invited")).into_response()),
            // Not emailed: the link is shown once, on this response, for the administrator to pass on.
            Some(link) => {
                render_person(&state, &viewer, user, &FieldErrors::new(), "invited-not-emailed", None, Some(link)).await
            }
        },
        Invited::Joined { user } => Ok(Redirect::to(&format!("/admin/people/{user}?notice=joined")).into_response()),
    }
}

/// Emails an invitation; the link back when it could not be sent, so the page can show it instead (it is
/// never stored: only a hash of its token is in the database).
pub(crate) async fn send_invitation(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    email: &str,
    token: &str,
) -> Option<String> {
    let link = state.config().link(&format!("/set-password?token={token}"));
    let sent = crate::accounts::send_link_email(
        state,
        &crate::accounts::LinkEmail {
            kind: "invitation",
            subject: format!("You are invited to Kindling at {}", viewer.organisation_name),
            to_name: name,
            to_email: email,
            link: link.clone(),
            organisation: &viewer.organisation_name,
            from_person: Some(&viewer.user.name),
        },
    )
    .await;
    (!sent).then_some(link)
}

fn user_id(raw: &str) -> Result<UserId, AppError> {
    raw.parse::<i64>().map(UserId::new).map_err(|_| AppError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonQuery {
    notice: String,
}

async fn render_person(
    state: &AppState,
    viewer: &Viewer,
    id: UserId,
    errors: &FieldErrors,
    notice: &str,
    roles_form: Option<&[String]>,
    link: Option<String>,
) -> Result<Response, AppError> {
    let Some(member) = store::member(state.db(), viewer.organisation, id).await? else {
        tracing::warn!(user.id = %viewer.user.id, target = %id, "administrator asked for someone outside their organisation");
        return Err(AppError::NotFound);
    };
    let open_sessions = kindling_store::sessions::list(state.db(), id, now_ms()).await?.len();
    let ticked: Vec<String> = match roles_form {
        Some(roles) => roles.to_vec(),
        None => member.roles.iter().map(|r| r.slug().to_owned()).collect(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "admin/person.html",
        page! { title => member.name.clone(), section => "admin", viewer => viewer.view(), member => &member, status_label => member.status.label(), roles => role_options(), ticked => ticked, errors => errors, field_errors => by_field(errors), notice => notice, link => link, open_sessions => open_sessions, is_self => member.id == viewer.user.id, anonymised => member.email.ends_with("@anonymised.invalid") },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PersonQuery>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    render_person(&state, &viewer, user_id(&id)?, &FieldErrors::new(), &query.notice, None, None).await
}

pub async fn set_roles(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let id = user_id(&id)?;
    let ticked = crate::form_fields::all(&pairs, "roles");
    let roles: Vec<Role> = ticked.iter().filter_map(|r| r.parse().ok()).collect();
    let mut errors = FieldErrors::new();
    if roles.is_empty() {
        errors.add("roles", "Choose at least one role. To stop someone signing in, deactivate them instead");
    } else {
        match store::set_roles(state.db(), actor(&viewer), id, &roles).await {
            Ok(true) => return Ok(Redirect::to(&format!("/admin/people/{id}?notice=roles-saved")).into_response()),
            Ok(false) => return Err(AppError::NotFound),
            Err(StoreError::Conflict(why)) => errors.add("roles", why),
            Err(e) => return Err(e.into()),
        }
    }
    render_person(&state, &viewer, id, &errors, "", Some(&ticked), None).await
}

/// Deactivate, reactivate, resend or withdraw an invitation, end sessions, remove the authenticator.
pub async fn act(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let id = user_id(&id)?;
    let by = actor(&viewer);
    let mut errors = FieldErrors::new();
    let notice = match action.as_str() {
        "deactivate" => match store::deactivate(state.db(), by, id).await {
            Ok(true) => "deactivated",
            Ok(false) => return Err(AppError::NotFound),
            Err(StoreError::Conflict(why)) => {
                errors.add("deactivate", why);
                ""
            }
            Err(e) => return Err(e.into()),
        },
        "reactivate" => {
            if !store::reactivate(state.db(), by, id).await? {
                return Err(AppError::NotFound);
            }
            "reactivated"
        }
        "resend" => {
            let Some(token) = store::resend_invitation(state.db(), by, id).await? else {
                return Err(AppError::NotFound);
            };
            let member = store::member(state.db(), viewer.organisation, id).await?.ok_or(AppError::NotFound)?;
            if let Some(link) = send_invitation(&state, &viewer, &member.name, &member.email, &token).await {
                return render_person(&state, &viewer, id, &FieldErrors::new(), "resent-not-emailed", None, Some(link))
                    .await;
            }
            "resent"
        }
        "revoke" => {
            if !store::revoke_invitation(state.db(), by, id).await? {
                return Err(AppError::NotFound);
            }
            return Ok(Redirect::to("/admin/people?notice=invitation-withdrawn").into_response());
        }
        "end-sessions" => {
            store::end_sessions(state.db(), by, id).await?.ok_or(AppError::NotFound)?;
            "sessions-ended"
        }
        "anonymise" => {
            if !kindling_store::data_protection::anonymise(state.db(), by, id).await? {
                errors.add("anonymise", "Only a deactivated person can be anonymised. Deactivate them first.");
                ""
            } else {
                "anonymised"
            }
        }
        "remove-two-factor" => {
            store::member(state.db(), viewer.organisation, id).await?.ok_or(AppError::NotFound)?;
            kindling_store::accounts::remove_totp(state.db(), id, viewer.user.id, Some(viewer.organisation), by.now_ms)
                .await?;
            "two-factor-removed"
        }
        _ => return Err(AppError::NotFound),
    };
    if !errors.is_empty() {
        return render_person(&state, &viewer, id, &errors, "", None, None).await;
    }
    Ok(Redirect::to(&format!("/admin/people/{id}?notice={notice}")).into_response())
}

/// One row of the preview: what will happen to whom.
#[derive(Debug, Serialize)]
struct PreviewRow {
    line: usize,
    email: String,
    name: String,
    profession: &'static str,
    roles: String,
    site: String,
    /// `invite` or `update`.
    action: &'static str,
}

async fn render_import(
    viewer: &Viewer,
    errors: &FieldErrors,
    rows: &[RowError],
    preview: Option<(&[PreviewRow], &str, &str)>,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (preview_rows, csv, file) = match preview {
        Some((rows, csv, file)) => (Some(rows), csv, file),
        None => (None, "", ""),
    };
    let invites = preview_rows.map_or(0, |r| r.iter().filter(|r| r.action == "invite").count());
    let updates = preview_rows.map_or(0, |r| r.iter().filter(|r| r.action == "update").count());
    let html = templates::render(
        "admin/import.html",
        page! { title => "Invite or update people from a file", section => "admin", viewer => viewer.view(), errors => errors, field_errors => by_field(errors), rows => rows, preview => preview_rows, csv => csv, file => file, invites => invites, updates => updates },
    )?;
    Ok((status, html).into_response())
}

pub async fn import_form(viewer: Viewer) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    render_import(&viewer, &FieldErrors::new(), &[], None).await
}

async fn checked_rows(
    state: &AppState,
    viewer: &Viewer,
    text: &str,
) -> Result<Result<Vec<(PersonRow, Option<SiteId>)>, Vec<RowError>>, AppError> {
    let sites = orgs::site_names_in_use(state.db(), viewer.organisation).await?;
    let names: Vec<String> = sites.iter().map(|(_, n)| n.clone()).collect();
    Ok(parse_people(text, &names).map(|rows| {
        rows.into_iter()
            .map(|row| {
                let site = row.site.as_ref().and_then(|name| sites.iter().find(|(_, n)| n == name).map(|(id, _)| *id));
                (row, site)
            })
            .collect()
    }))
}

/// The upload: every row checked; any bad row lists every problem and nothing is kept. A good file is
/// previewed, carried in the confirmation form, and written only when confirmed.
pub async fn import_upload(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let (_, file) = crate::uploads::uploaded_file(&headers, &body).await?;
    let mut errors = FieldErrors::new();
    let (name, text) = match file {
        Ok(file) => file,
        Err(message) => {
            errors.add("file", message);
            return render_import(&viewer, &errors, &[], None).await;
        }
    };
    match checked_rows(&state, &viewer, &text).await? {
        Err(rows) => {
            errors.add("file", format!("{name} has {} row{} that cannot be imported: nothing was imported. Correct the file and choose it again.", rows.len(), if rows.len() == 1 { "" } else { "s" }));
            render_import(&viewer, &errors, &rows, None).await
        }
        Ok(rows) => {
            let members = store::member_emails(state.db(), viewer.organisation).await?;
            let preview: Vec<PreviewRow> = rows
                .iter()
                .map(|(row, _)| PreviewRow {
                    line: row.line,
                    email: row.email.as_str().to_owned(),
                    name: row.name.clone(),
                    profession: row.profession.label(),
                    roles: row.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
                    site: row.site.clone().unwrap_or_default(),
                    action: if members.iter().any(|m| m == row.email.as_str()) { "update" } else { "invite" },
                })
                .collect();
            render_import(&viewer, &errors, &[], Some((&preview, &text, &name))).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    csv: String,
    file: String,
}

/// Writes the previewed file, checking it again (the sites may have changed since).
pub async fn import_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let mut errors = FieldErrors::new();
    let rows = match checked_rows(&state, &viewer, &form.csv).await? {
        Ok(rows) => rows,
        Err(rows) => {
            errors.add(
                "file",
                format!(
                    "{} can no longer be imported (something changed since the preview): nothing was imported.",
                    form.file
                ),
            );
            return render_import(&viewer, &errors, &rows, None).await;
        }
    };
    let invitees: Vec<Invitee> = rows
        .into_iter()
        .map(|(row, site)| Invitee {
            email: row.email,
            name: row.name,
            profession: row.profession,
            roles: row.roles,
            site,
        })
        .collect();
    let applied = match store::apply_file(state.db(), actor(&viewer), &invitees).await {
        Ok(applied) => applied,
        Err(StoreError::Conflict(why)) => {
            errors.add("file", format!("Nothing was imported. {why}"));
            return render_import(&viewer, &errors, &[], None).await;
        }
        Err(e) => return Err(e.into()),
    };
    let mut unsent = 0;
    for (email, name, token) in &applied.invited {
        if send_invitation(&state, &viewer, name, email.as_str(), token).await.is_some() {
            unsent += 1;
        }
    }
    let html = templates::render(
        "admin/imported.html",
        page! { title => "People imported", section => "admin", viewer => viewer.view(), invited => applied.invited.len(), joined => applied.joined, updated => applied.updated, unsent => unsent, file => form.file },
    )?;
    Ok(html.into_response())
}

/// Everything held about a person (a subject access request), as JSON or CSV. The download is audited.
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    require_admin(&viewer)?;
    let id = user_id(&id)?;
    let Some(sections) = kindling_store::data_protection::subject_access(state.db(), viewer.organisation, id).await?
    else {
        return Err(AppError::NotFound);
    };
    let (body, content_type, extension) = match file.as_str() {
        "export.json" => {
            let json: serde_json::Map<String, serde_json::Value> = sections
                .iter()
                .map(|s| {
                    let rows = s
                        .rows
                        .iter()
                        .map(|r| {
                            serde_json::Value::Object(
                                r.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect(),
                            )
                        })
                        .collect();
                    (s.name.to_owned(), serde_json::Value::Array(rows))
                })
                .collect();
            (serde_json::to_string_pretty(&json).unwrap_or_default(), "application/json", "json")
        }
        "export.csv" => {
            let mut out = String::from("section,row,field,value\n");
            for s in &sections {
                for (n, row) in s.rows.iter().enumerate() {
                    for (field, value) in row {
                        let cells = [s.name.to_owned(), (n + 1).to_string(), field.clone(), value.clone()];
                        out.push_str(&cells.iter().map(|c| crate::measures::csv_cell(c)).collect::<Vec<_>>().join(","));
                        out.push('\n');
                    }
                }
            }
            (out, "text/csv; charset=utf-8", "csv")
        }
        _ => return Err(AppError::NotFound),
    };
    let read = kindling_domain::audit::AuditEvent {
        at_ms: now_ms(),
        actor: Some(viewer.user.id),
        organisation: Some(viewer.organisation),
        action: "people.subject_access_export".into(),
        subject: format!("user:{id}"),
        summary: format!("Everything held about this person downloaded ({extension})"),
    };
    kindling_store::audit::append_alone(state.db(), &read).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"kindling-person-{id}.{extension}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
