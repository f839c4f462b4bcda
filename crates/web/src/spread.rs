//! The complexity of spreading a change: its NASSS profile, rated by the team, and the support that
//! profile calls for.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::spread::{NasssDomain, ProfileForm, Rating, field_names, support};
use kindling_domain::validation::FieldErrors;
use kindling_store::initiatives::Initiative;
use kindling_store::spread;
use serde::Serialize;

use crate::auth::Viewer;
use crate::initiatives::{field_errors, load, parse_id, require_team};
use crate::{AppError, AppState, now_ms, templates};

/// One domain's row on the form.
#[derive(Serialize)]
struct DomainRow {
    slug: &'static str,
    label: &'static str,
    prompt: &'static str,
    rating_field: &'static str,
    note_field: &'static str,
    rating: String,
    note: String,
}

async fn render(
    viewer: &Viewer,
    item: &Initiative,
    form: &ProfileForm,
    errors: &FieldErrors,
    saved: bool,
) -> Result<Response, AppError> {
    let rows: Vec<DomainRow> = NasssDomain::ALL
        .iter()
        .map(|d| {
            let (rating_field, note_field) = field_names(*d);
            DomainRow {
                slug: d.slug(),
                label: d.label(),
                prompt: d.prompt(),
                rating_field,
                note_field,
                rating: form.ratings.get(d.slug()).cloned().unwrap_or_default(),
                note: form.notes.get(d.slug()).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let ratings: Vec<(&str, &str)> = Rating::ALL.iter().map(|r| (r.slug(), r.label())).collect();
    let advice = form.parse().ok().map(|r| support(&r));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "learning/complexity.html",
        page! { title => "Complexity of spreading it", section => "initiatives", viewer => viewer.view(), item => item, rows => rows, ratings => ratings, advice => advice, saved => saved, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SavedQuery {
    notice: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let profile = spread::profile(state.db(), viewer.organisation, item.id).await?;
    render(&viewer, &item, &ProfileForm::from_ratings(&profile), &FieldErrors::new(), query.notice == "saved").await
}

/// The form posts `rating-<domain>` and `note-<domain>` fields; they are gathered by domain here.
pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "rate its complexity")?;
    let mut form = ProfileForm::default();
    for (key, value) in fields {
        if let Some(domain) = key.strip_prefix("rating-") {
            form.ratings.insert(domain.to_owned(), value);
        } else if let Some(domain) = key.strip_prefix("note-") {
            form.notes.insert(domain.to_owned(), value);
        }
    }
    match form.parse() {
        Err(errors) => render(&viewer, &item, &form, &errors, false).await,
        Ok(ratings) => {
            if !spread::save(state.db(), viewer.actor(now_ms()), item.id, &ratings).await? {
                return Err(AppError::NotFound);
            }
            Ok(Redirect::to(&format!("/initiatives/{}/complexity?notice=saved", item.id)).into_response())
        }
    }
}
