//! The plain-language public page of an initiative: written by the team with its readability shown
//! as they write, reviewed and published by someone else, and read by anyone on the page the
//! feedback QR code opens.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::public_page::{FIELDS, PageForm, PageStatus, may_publish};
use kindling_domain::readability::TARGET_READING_AGE;
use kindling_domain::validation::FieldErrors;
use kindling_store::initiatives::Initiative;
use kindling_store::public_pages::{self, PublicPage};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::{field_errors, is_team_or_lead, load, parse_id, require_team};
use crate::{AppError, AppState, now_ms, templates};

/// The readability box: the reading age and what it means for the author.
#[derive(Serialize)]
struct ReadingAge {
    age: u8,
    ease: String,
    ok: bool,
    advice: String,
}

fn reading_age(form: &PageForm) -> Option<ReadingAge> {
    form.readability().map(|r| ReadingAge {
        age: r.reading_age,
        ease: format!("{:.0}", r.reading_ease),
        ok: r.reading_age <= TARGET_READING_AGE,
        advice: if r.reading_age <= TARGET_READING_AGE {
            "Most people will be able to read this.".to_owned()
        } else {
            format!(
                "Aim for a reading age of 9 to {TARGET_READING_AGE}: use shorter sentences (now {:.0} words each on average) and everyday words.",
                r.words as f64 / r.sentences as f64
            )
        },
    })
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    form: &PageForm,
    errors: &FieldErrors,
    notice: &str,
    comment: &str,
) -> Result<Response, AppError> {
    let stored = public_pages::for_initiative(state.db(), viewer.organisation, item.id).await?;
    // The public reads the last published version, whatever happens to the draft.
    let link = match stored.as_ref().and_then(|p| p.live.as_ref()) {
        Some(_) => kindling_store::feedback::link_for(state.db(), viewer.actor(now_ms()), item.id).await?,
        None => None,
    };
    let may_review = stored.as_ref().is_some_and(|p| {
        p.status == PageStatus::InReview && may_publish(&viewer.roles, p.written_by == viewer.user.id)
    });
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    // The published version, shown beside a newer one so the reviewer sees what would change.
    let live_differs = stored.as_ref().is_some_and(|p| p.live.as_ref().is_some_and(|live| *live != p.text));
    let html = templates::render(
        "public_page/edit.html",
        page! { title => "Public page", section => "initiatives", viewer => viewer.view(), item => item, form => form, fields => FIELDS, reading => reading_age(form), stored => stored.as_ref(), status_label => stored.as_ref().map(|p| p.status.label()), may_review => may_review, can_edit => is_team_or_lead(viewer, item), link => link, live_differs => live_differs, comment => comment, notice => notice, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let form = public_pages::for_initiative(state.db(), viewer.organisation, item.id)
        .await?
        .map(|p: PublicPage| p.text)
        .unwrap_or_default();
    render(&state, &viewer, &item, &form, &FieldErrors::new(), &query.notice, "").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageInput {
    #[serde(flatten)]
    form: PageForm,
    /// `check` to score the text without saving it.
    action: String,
}

/// Checks the readability (without saving), or submits the page for review.
pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(input): axum::Form<PageInput>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "write its public page")?;
    if input.action == "check" {
        return render(&state, &viewer, &item, &input.form, &FieldErrors::new(), "checked", "").await;
    }
    match input.form.parse() {
        Err(errors) => render(&state, &viewer, &item, &input.form, &errors, "", "").await,
        Ok(text) => {
            public_pages::save_for_review(state.db(), viewer.actor(now_ms()), item.id, &text).await?;
            Ok(Redirect::to(&format!("/initiatives/{}/public-page?notice=submitted", item.id)).into_response())
        }
    }
}

/// The page in review, if the viewer may review it: an improvement lead, executive or administrator
/// who did not write it.
async fn in_review(state: &AppState, viewer: &Viewer, item: &Initiative) -> Result<PublicPage, AppError> {
    let page =
        public_pages::for_initiative(state.db(), viewer.organisation, item.id).await?.ok_or(AppError::NotFound)?;
    if page.status != PageStatus::InReview {
        return Err(AppError::Conflict("Only a page waiting for review can be published or sent back.".into()));
    }
    if !may_publish(&viewer.roles, page.written_by == viewer.user.id) {
        return Err(AppError::Forbidden(
            "A public page is reviewed by an improvement lead, executive or administrator who did not write it.".into(),
        ));
    }
    Ok(page)
}

/// Publishes a page in review: it replaces the published version, if there was one.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let page = in_review(&state, &viewer, &item).await?;
    public_pages::publish(state.db(), viewer.actor(now_ms()), &page).await?;
    Ok(Redirect::to(&format!("/initiatives/{}/public-page?notice=published", item.id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SendBackInput {
    comment: String,
}

/// The longest comment a reviewer may send back.
const MAX_COMMENT_CHARS: usize = 1000;

/// Sends a page in review back to the team with what to change; the published version stays live.
pub async fn send_back(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(input): axum::Form<SendBackInput>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let page = in_review(&state, &viewer, &item).await?;
    let mut errors = FieldErrors::new();
    let comment = kindling_domain::validation::required_text(
        &mut errors,
        "comment",
        &input.comment,
        "what the team should change",
        MAX_COMMENT_CHARS,
    );
    if !errors.is_empty() {
        return render(&state, &viewer, &item, &page.text, &errors, "", &input.comment).await;
    }
    public_pages::send_back(state.db(), viewer.actor(now_ms()), &page, &comment).await?;
    Ok(Redirect::to(&format!("/initiatives/{}/public-page?notice=sent-back", item.id)).into_response())
}
