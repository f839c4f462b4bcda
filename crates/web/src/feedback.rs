//! Feedback: the public form behind each initiative's link (no account needed), the printable QR
//! poster, and the team's page to read answers and reply publicly ("you said, we did").

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::feedback::{AgeBand, Audience, FeedbackForm, RATINGS};
use kindling_domain::privacy::{describe, screen};
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::feedback::{self, PublicInitiative, Received};
use kindling_store::initiatives::Initiative;
use kindling_store::secrets::random_token;
use serde::Deserialize;

use crate::auth::{ClientAddr, Viewer, anonymous_csrf, cookie, csrf_cookie_name};
use crate::initiatives::{field_errors, load, parse_id};
use crate::{AppError, AppState, now_ms, templates};

/// A link token has this shape; anything else is simply not found, without a database query.
fn valid_token(token: &str) -> bool {
    token.len() == 16 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn target(state: &AppState, token: &str) -> Result<PublicInitiative, AppError> {
    if !valid_token(token) {
        return Err(AppError::NotFound);
    }
    feedback::by_token(state.db(), token).await?.ok_or(AppError::NotFound)
}

/// The public form. Visitors have no session, so the form carries a double-submit token whose
/// cookie is set here.
/// What the public page shows besides the initiative: the form as typed, its errors, or the thanks.
#[derive(Default)]
struct PublicPage {
    form: FeedbackForm,
    errors: FieldErrors,
    thanked: bool,
}

async fn render_public(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    target: &PublicInitiative,
    page: PublicPage,
    status: StatusCode,
) -> Result<Response, AppError> {
    let PublicPage { form, errors, thanked } = page;
    let secure = state.config().secure_cookies;
    let existing = anonymous_csrf(headers, secure).map(str::to_owned);
    let csrf = existing.clone().unwrap_or_else(random_token);
    // Comments stored before a screening rule existed are quoted only as screened now.
    let mut answered = feedback::answered(state.db(), target.initiative).await?;
    for item in &mut answered {
        item.comment = item.comment.as_deref().map(kindling_domain::privacy::redact);
        item.reply = item.reply.as_deref().map(kindling_domain::privacy::redact);
    }
    // The plain-language page about the change, once reviewed and published.
    let about: Option<Vec<(&str, String)>> =
        kindling_store::public_pages::published(state.db(), target.initiative).await?.and_then(|p| p.live).map(|t| {
            let values = [t.what_changing, t.why, t.how_helps, t.learned, t.feedback_how];
            kindling_domain::public_page::FIELDS.iter().map(|(_, heading, _)| *heading).zip(values).collect()
        });
    let audiences: Vec<(&str, &str, Option<String>)> =
        Audience::ALL.iter().map(|a| (a.slug(), a.label(), None)).collect();
    let ratings: Vec<(String, &str, Option<String>)> = RATINGS.iter().map(|(v, l)| (v.to_string(), *l, None)).collect();
    let mut bands = vec![(String::new(), "Prefer not to say".to_owned())];
    bands.extend(AgeBand::ALL.iter().map(|b| (b.slug().to_owned(), b.label().to_owned())));
    let html = templates::render(
        "feedback/public.html",
        page! { title => format!("Tell us what you think: {}", target.title), section => "", target => target, token => token, csrf_token => &csrf, form => &form, errors => &errors, field_errors => field_errors(&errors), audiences => audiences, ratings => ratings, bands => bands, answered => answered, thanked => thanked, about => about },
    )?;
    let mut response = (status, html).into_response();
    if existing.is_none()
        && let Ok(value) = cookie(csrf_cookie_name(secure), &csrf, 2 * 60 * 60, secure).parse()
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

pub async fn public_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let target = target(&state, &token).await?;
    render_public(&state, &headers, &token, &target, PublicPage::default(), StatusCode::OK).await
}

pub async fn public_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
    axum::Form(form): axum::Form<FeedbackForm>,
) -> Result<Response, AppError> {
    let target = target(&state, &token).await?;
    if form.is_spam() {
        tracing::info!(initiative.id = %target.initiative, "feedback honeypot filled: ignored");
        return Ok(Redirect::to(&format!("/feedback/{token}?thanks=1")).into_response());
    }
    match form.parse() {
        Err(errors) => {
            render_public(
                &state,
                &headers,
                &token,
                &target,
                PublicPage { form, errors, thanked: false },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Ok(draft) => match feedback::receive(state.db(), &target, &token, &client, &draft, now_ms()).await? {
            Received::Stored => Ok(Redirect::to(&format!("/feedback/{token}/thanks")).into_response()),
            Received::TooMany => {
                let mut errors = FieldErrors::new();
                errors
                    .add("rating", "You have sent several answers in the last hour. Thank you: please try again later");
                render_public(
                    &state,
                    &headers,
                    &token,
                    &target,
                    PublicPage { form, errors, thanked: false },
                    StatusCode::TOO_MANY_REQUESTS,
                )
                .await
            }
        },
    }
}

pub async fn public_thanks(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let target = target(&state, &token).await?;
    render_public(
        &state,
        &headers,
        &token,
        &target,
        PublicPage { thanked: true, ..PublicPage::default() },
        StatusCode::OK,
    )
    .await
}

/// The link as people will type or scan it: this server's own address, as the request reached it.
fn public_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.config().secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}/feedback/{token}")
}

fn require_team(viewer: &Viewer, item: &Initiative) -> Result<(), AppError> {
    crate::initiatives::require_edit(viewer, item, "manage its feedback")
}

/// One answer on the team's page.
#[derive(serde::Serialize)]
struct AnswerRow {
    id: i64,
    audience: &'static str,
    rating: String,
    comment: Option<String>,
    age_band: Option<&'static str>,
    reply: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    feedback: String,
    reply: String,
}

async fn render_team(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    item: &Initiative,
    form: &ReplyForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let by = viewer.actor(now_ms());
    let token = feedback::link_for(state.db(), by, item.id).await?.ok_or(AppError::NotFound)?;
    let url = public_url(state, headers, &token);
    let items = feedback::for_initiative(state.db(), viewer.organisation, item.id).await?;
    let rows: Vec<AnswerRow> = items
        .iter()
        .map(|f| AnswerRow {
            id: f.id,
            audience: f.audience.label(),
            rating: format!(
                "{} ({} of 5)",
                RATINGS.iter().find(|(v, _)| *v == f.rating).map_or("", |(_, l)| l),
                f.rating
            ),
            comment: f.comment.clone(),
            age_band: f.age_band.map(AgeBand::label),
            reply: f.reply.clone(),
        })
        .collect();
    let measure = feedback::by_token(state.db(), &token).await?.map(|t| t.measure.get());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "feedback/team.html",
        page! { title => "Feedback", section => "initiatives", viewer => viewer.view(), item => item, url => url, token => token, rows => rows, measure => measure, form_feedback => &form.feedback, form_reply => &form.reply, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

/// The team's feedback page; opening it the first time makes the link and its rating measure.
pub async fn team(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item)?;
    render_team(&state, &viewer, &headers, &item, &ReplyForm::default(), &FieldErrors::new()).await
}

pub async fn reply(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ReplyForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item)?;
    let mut errors = FieldErrors::new();
    let text = required_text(&mut errors, "reply", &form.reply, "your reply", 1000);
    let found = screen(&text);
    if !found.is_empty() {
        errors.add(
            "reply",
            format!("Your reply seems to include {}. Remove it before it is published", describe(&found)),
        );
    }
    let feedback_id = form.feedback.parse::<i64>().map_err(|_| AppError::NotFound)?;
    if !errors.is_empty() {
        return render_team(&state, &viewer, &headers, &item, &form, &errors).await;
    }
    let by = viewer.actor(now_ms());
    if !feedback::reply(state.db(), by, feedback_id, &text).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/initiatives/{}/feedback#feedback-{feedback_id}", item.id)).into_response())
}

/// A printable poster: what the initiative is changing, the QR code and the link.
pub async fn poster(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item)?;
    let by = viewer.actor(now_ms());
    let token = feedback::link_for(state.db(), by, item.id).await?.ok_or(AppError::NotFound)?;
    let url = public_url(&state, &headers, &token);
    let qr = crate::qr::svg(&url, 320, "QR code for the feedback link")
        .ok_or_else(|| AppError::BadRequest("The link is too long for a QR code.".into()))?;
    Ok(templates::render(
        "feedback/poster.html",
        page! { title => format!("Feedback poster: {}", item.draft.title), section => "initiatives", viewer => viewer.view(), item => &item, url => url, qr => qr },
    )?
    .into_response())
}
