//! Recognition, profiles and the organisation's page: giving thanks, awards and learning-from-
//! excellence reports, and the places they are shown.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::UserId;
use kindling_domain::recognition::{Kind, RecognitionForm, may_award};
use kindling_domain::validation::FieldErrors;
use kindling_store::{initiatives, learning, orgs, recognition, users};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::initiatives::field_errors;
use crate::{AppError, AppState, now_ms, templates};

async fn render_form(
    state: &AppState,
    viewer: &Viewer,
    form: &RecognitionForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let kinds: Vec<(&str, &str, Option<String>)> = Kind::ALL
        .iter()
        .filter(|k| **k != Kind::Award || may_award(&viewer.roles))
        .map(|k| {
            let hint = match k {
                Kind::Thanks => "For a colleague or a team, for anything that helped",
                Kind::Award => "For an initiative, from those who lead improvement",
                Kind::Excellence => "Something that went well, and why, so others can do it too",
            };
            (k.slug(), k.label(), Some(hint.to_owned()))
        })
        .collect();
    let people: Vec<(String, String)> = std::iter::once((String::new(), "Nobody in particular".to_owned()))
        .chain(
            users::members(state.db(), viewer.organisation)
                .await?
                .into_iter()
                .filter(|p| p.id != viewer.user.id)
                .map(|p| (p.id.to_string(), format!("{} ({})", p.name, p.profession.label()))),
        )
        .collect();
    let initiatives: Vec<(String, String)> = std::iter::once((String::new(), "No initiative".to_owned()))
        .chain(
            initiatives::titles(state.db(), viewer.organisation)
                .await?
                .into_iter()
                .map(|(id, title)| (id.to_string(), title)),
        )
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "recognition/form.html",
        page! { title => "Recognise someone", section => "recognition", viewer => viewer.view(), form => form, kinds => kinds, people => people, initiatives => initiatives, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewQuery {
    kind: String,
    to: String,
    initiative: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Result<Response, AppError> {
    let form = RecognitionForm {
        kind: if query.kind.is_empty() { "thanks".into() } else { query.kind },
        to_person: query.to,
        initiative: query.initiative,
        ..RecognitionForm::default()
    };
    render_form(&state, &viewer, &form, &FieldErrors::new()).await
}

pub async fn give(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::Form(mut form): axum::Form<RecognitionForm>,
) -> Result<Response, AppError> {
    let members = users::members(state.db(), viewer.organisation).await?;
    form.staff_names = members.iter().map(|m| m.name.clone()).collect();
    let titles = initiatives::titles(state.db(), viewer.organisation).await?;
    let parsed = form.parse(
        viewer.user.id,
        &viewer.roles,
        |p| members.iter().any(|m| m.id == p),
        |i| titles.iter().any(|(id, _)| *id == i),
    );
    match parsed {
        Err(errors) => render_form(&state, &viewer, &form, &errors).await,
        Ok(draft) => {
            recognition::give(state.db(), viewer.actor(now_ms()), &draft).await?;
            Ok(Redirect::to("/recognition?notice=given").into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

/// The organisation's recognition wall.
pub async fn wall(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let items = recognition::for_organisation(state.db(), viewer.organisation, 100).await?;
    let html = templates::render(
        "recognition/wall.html",
        page! { title => "Recognition", section => "recognition", viewer => viewer.view(), items => items, given => query.notice == "given" },
    )?;
    Ok(html.into_response())
}

/// A colleague's profile: their initiatives, learning reviews and recognition. People outside the
/// viewer's organisation are not found.
pub async fn profile(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = id.parse::<i64>().ok().filter(|n| *n > 0).map(UserId::new).ok_or(AppError::NotFound)?;
    let members = users::members(state.db(), viewer.organisation).await?;
    let person = members.into_iter().find(|m| m.id == id).ok_or(AppError::NotFound)?;
    let involved = initiatives::involving(state.db(), viewer.organisation, id).await?;
    let recognised = recognition::for_person(state.db(), viewer.organisation, id).await?;
    let reviews = learning::written_by(state.db(), (viewer.organisation, viewer.user.id), id).await?;
    let steps = kindling_store::pathways::progress(state.db(), id).await?;
    let pathways: Vec<crate::pathways::Progress> =
        crate::pathways::progress_of(&steps).into_iter().filter(|p| p.done > 0).collect();
    let may_see_record = crate::papers::may_see_record(&viewer, id);
    let html = templates::render(
        "recognition/profile.html",
        page! { title => person.name.clone(), viewer => viewer.view(), person => person, profession => person.profession.label(), involved => involved, recognised => recognised, reviews => reviews, own => id == viewer.user.id, pathways => pathways, may_see_record => may_see_record },
    )?;
    Ok(html.into_response())
}

/// The organisation's page: its sites and settings, its people, and the recognition given in it.
pub async fn organisation(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let sites = orgs::sites(state.db(), viewer.organisation).await?;
    let people = users::members(state.db(), viewer.organisation).await?;
    let recognised = recognition::for_organisation(state.db(), viewer.organisation, 12).await?;
    let awards: Vec<&recognition::Recognition> = recognised.iter().filter(|r| r.kind == Kind::Award).collect();
    let html = templates::render(
        "recognition/organisation.html",
        page! { title => viewer.organisation_name.clone(), viewer => viewer.view(), sites => sites, people => people, recognised => recognised, awards => awards },
    )?;
    Ok(html.into_response())
}
