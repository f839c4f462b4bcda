//! Learning from every try: an initiative's blameless learning review (refused, with the matches
//! highlighted, while it contains what looks like patient-identifiable data), the library and its
//! search across what the reader may see, the similar-initiative hint while an idea is written, and
//! adopting another site's initiative with local adaptations.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::OrganisationId;
use kindling_domain::initiatives::{Aim, InitiativeDraft, Stage, Tag};
use kindling_domain::learning::{FIELDS, Flagged, ReviewErrors, ReviewForm, Visibility};
use kindling_domain::people::{CareSetting, Profession};
use kindling_domain::permissions::{Action, allows};
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::initiatives::Initiative;
use kindling_store::learning::{self, Review};
use kindling_store::search::{self, Filters, Hit, Kind};
use kindling_store::{orgs, pdsa};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::{field_errors, is_team_or_lead, load, parse_id, require_team};
use crate::{AppError, AppState, now_ms, templates};

/// Search results' marked words as HTML: the text is escaped, then the markers become `<mark>`.
fn marked(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 16);
    for c in snippet.chars() {
        match c {
            '\u{2}' => out.push_str("<mark>"),
            '\u{3}' => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Serialize)]
pub struct HitView {
    pub href: String,
    kind: &'static str,
    title: String,
    snippet: String,
    organisation: String,
    own_organisation: bool,
    stage: String,
}

/// Where a hit opens: a review on its own page (readable across organisations when shared with the
/// hub); an initiative or a PDSA cycle inside the reader's organisation.
fn hit_view(hit: &Hit) -> HitView {
    let (href, kind) = match hit.kind {
        Kind::Review => (format!("/learning/reviews/{}", hit.ref_id), "Learning review"),
        Kind::Initiative => (format!("/initiatives/{}", hit.initiative), "Initiative"),
        Kind::Pdsa => (format!("/initiatives/{}/pdsa/{}", hit.initiative, hit.ref_id), "PDSA cycle"),
    };
    HitView {
        href,
        kind,
        title: hit.title.clone(),
        snippet: marked(&hit.snippet),
        organisation: hit.organisation.clone(),
        own_organisation: hit.own_organisation,
        stage: hit.stage.parse::<Stage>().map(|s| s.label().to_owned()).unwrap_or_default(),
    }
}

async fn render_review_form(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    form: &ReviewForm,
    errors: &ReviewErrors,
) -> Result<Response, AppError> {
    let existing = learning::for_initiative(state.db(), viewer.organisation, item.id).await?;
    let visibilities: Vec<(&str, &str, Option<String>)> = Visibility::ALL
        .iter()
        .map(|v| {
            let hint = match v {
                Visibility::Team => "Only the people on this initiative",
                Visibility::Organisation => "Everyone in your organisation can find it",
                Visibility::Hub => "Everyone in every organisation of the hub can find it and adopt the change",
            };
            (v.slug(), v.label(), Some(hint.to_owned()))
        })
        .collect();
    let flagged: Vec<&Flagged> = errors.flagged.iter().collect();
    let status = if errors.fields.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "learning/form.html",
        page! { title => "Learning review", section => "initiatives", viewer => viewer.view(), item => item, existing => existing.is_some(), form => form, fields => FIELDS, visibilities => visibilities, flagged => flagged, errors => &errors.fields, field_errors => field_errors(&errors.fields) },
    )?;
    Ok((status, html).into_response())
}

pub async fn review_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "write its learning review")?;
    let form = match learning::for_initiative(state.db(), viewer.organisation, item.id).await? {
        Some(review) => ReviewForm::from_draft(&review.draft),
        None => ReviewForm { visibility: "team".into(), ..ReviewForm::default() },
    };
    render_review_form(&state, &viewer, &item, &form, &ReviewErrors::default()).await
}

pub async fn save_review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(mut form): axum::Form<ReviewForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "write its learning review")?;
    form.staff_names = staff_names(&state, &viewer).await?;
    match form.parse() {
        Err(errors) => render_review_form(&state, &viewer, &item, &form, &errors).await,
        Ok(draft) => {
            let review =
                learning::save(state.db(), viewer.actor(now_ms()), item.id, &draft).await?.ok_or(AppError::NotFound)?;
            Ok(Redirect::to(&format!("/learning/reviews/{review}?notice=saved")).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewQuery {
    notice: String,
}

/// A review, for anyone allowed to read it, with the evidence its initiative gathered.
pub async fn show_review(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<ReviewQuery>,
) -> Result<Response, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let notice = match query.notice.as_str() {
        "saved" => Some("The learning review has been saved."),
        "asked" => Some("Your colleague has been asked to review it."),
        "reviewed" => Some("Thank you: your review has been recorded and the authors told."),
        _ => None,
    };
    render_review_page(&state, &viewer, id, notice, &FieldErrors::new(), &ReviewedForm::default()).await
}

/// The review page, with a notice or with the errors of the reviewer's or the asking form (and what
/// was typed in it).
async fn render_review_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    notice: Option<&str>,
    errors: &FieldErrors,
    typed: &ReviewedForm,
) -> Result<Response, AppError> {
    let review =
        learning::readable(state.db(), (viewer.organisation, viewer.user.id), id).await?.ok_or(AppError::NotFound)?;
    let own = review.organisation == viewer.organisation;
    // The initiative, from the review's organisation (a hub-wide review may come from another).
    let item = kindling_store::initiatives::get(state.db(), review.organisation, review.initiative)
        .await?
        .ok_or(AppError::NotFound)?;
    let evidence = evidence_summary(state, &item).await?;
    let adoptions = learning::adoptions_of(state.db(), review.initiative).await?;
    let can_edit = own && is_team_or_lead(viewer, &item);
    let people = learning::people(state.db(), review.id).await?;
    let awaiting_me =
        people.iter().any(|p| p.user == viewer.user.id && p.role == "reviewer" && p.reviewed_ms.is_none());
    // Colleagues who could be asked: members of the review's organisation not yet named on it.
    let candidates: Vec<(String, String)> = if can_edit {
        kindling_store::users::members(state.db(), viewer.organisation)
            .await?
            .into_iter()
            .filter(|m| !people.iter().any(|p| p.user == m.id))
            .map(|m| (m.id.to_string(), format!("{} ({})", m.name, m.profession.label())))
            .collect()
    } else {
        Vec::new()
    };
    // A stopped change is learned from, never adopted; one with a spread package is adopted from it.
    let may_adopt = !own && review.draft.visibility == Visibility::Hub && item.stage != Stage::Stopped;
    let package = kindling_store::packages::readable(state.db(), viewer.organisation, review.initiative)
        .await?
        .map(|p| p.version);
    let html = templates::render(
        "learning/review.html",
        page! { title => format!("Learning review: {}", review.initiative_title), section => "learning", viewer => viewer.view(), review => &review, visibility_label => review.draft.visibility.label(), own => own, can_edit => can_edit, may_adopt => may_adopt, package => package, stopped => item.stage == Stage::Stopped, evidence => evidence, adoptions => adoptions, notice => notice, people => people, awaiting_me => awaiting_me, candidates => candidates, typed => typed, errors => errors, field_errors => field_errors(errors) },
    )?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewerForm {
    reviewer: String,
}

/// Asks a colleague in the review's organisation to review it (the team and leads only).
pub async fn ask_reviewer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ReviewerForm>,
) -> Result<Response, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let review =
        learning::readable(state.db(), (viewer.organisation, viewer.user.id), id).await?.ok_or(AppError::NotFound)?;
    if review.organisation != viewer.organisation {
        return Err(AppError::NotFound);
    }
    let item = load(&state, &viewer, review.initiative).await?;
    require_team(&viewer, &item, "write its learning review")?;
    let members = kindling_store::users::members(state.db(), viewer.organisation).await?;
    let Some(reviewer) = form.reviewer.parse::<i64>().ok().and_then(|r| members.iter().find(|m| m.id.get() == r))
    else {
        return Err(AppError::BadRequest("Choose a colleague from the list to ask.".into()));
    };
    learning::ask_reviewer(state.db(), viewer.actor(now_ms()), &review, reviewer.id).await?;
    Ok(Redirect::to(&format!("/learning/reviews/{id}?notice=asked")).into_response())
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReviewedForm {
    comment: String,
}

/// A reviewer records that they have read the review, with a comment (screened like the review).
pub async fn mark_reviewed(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ReviewedForm>,
) -> Result<Response, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let review =
        learning::readable(state.db(), (viewer.organisation, viewer.user.id), id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let comment = required_text(&mut errors, "comment", &form.comment, "your comments", 2000);
    let findings = kindling_domain::privacy::screen(&comment);
    if !findings.is_empty() {
        errors.add(
            "comment",
            format!("Remove what looks like {} from your comments", kindling_domain::privacy::describe(&findings)),
        );
    }
    if !errors.is_empty() {
        return render_review_page(&state, &viewer, id, None, &errors, &form).await;
    }
    if !learning::mark_reviewed(state.db(), viewer.actor(now_ms()), &review, &comment).await? {
        return Err(AppError::Forbidden("Only colleagues asked to review it can record a review.".into()));
    }
    Ok(Redirect::to(&format!("/learning/reviews/{id}?notice=reviewed")).into_response())
}

#[derive(Serialize)]
pub(crate) struct EvidenceSummary {
    /// Each measure: name (kind), signal, verdict.
    pub measures: Vec<(String, String, String)>,
    pub cycles: Vec<String>,
    pub decisions: Vec<String>,
    pub proposed_change: String,
}

/// What an initiative measured, tried and was told, in words: the linked evidence of a learning
/// review, and the evidence section of a committee paper.
pub(crate) async fn evidence_summary(state: &AppState, item: &Initiative) -> Result<EvidenceSummary, AppError> {
    let (organisation, initiative) = (item.organisation, item.id);
    let measures = crate::evidence::of_initiative(state.db(), organisation, initiative)
        .await?
        .into_iter()
        .map(|view| {
            (
                format!("{} ({})", view.name, view.kind_label.to_lowercase()),
                view.signal_label.to_owned(),
                view.verdict_and_comparison(),
            )
        })
        .collect();
    let cycles = pdsa::for_initiative(state.db(), organisation, initiative)
        .await?
        .into_iter()
        .map(|c| format!("Cycle {}: {} ({})", c.number, c.change, c.decision.map_or("no decision yet", |d| d.label())))
        .collect();
    let decisions =
        item.history.iter().map(|h| format!("{} to {}: {}", h.from.label(), h.to.label(), h.reason)).collect();
    Ok(EvidenceSummary { measures, cycles, decisions, proposed_change: item.draft.proposed_change.clone() })
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct LibraryQuery {
    q: String,
    kind: String,
    stage: String,
    outcome: String,
    tag: String,
    scope: String,
    /// An organisation's id: only its documents.
    organisation: String,
    setting: String,
    profession: String,
}

/// The library: search across initiatives, learning reviews and PDSA notes the reader may see, or
/// the newest reviews when nothing is asked.
pub async fn library(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<LibraryQuery>,
) -> Result<Response, AppError> {
    let wanted = search::Wanted::parse(&query.q);
    let (stage, adapted) = match query.outcome.as_str() {
        "adopted" => (Some("adopted".to_owned()), false),
        "spread" => (Some("spreading".to_owned()), false),
        "stopped" => (Some("stopped".to_owned()), false),
        "adapted" => (None, true),
        _ => (query.stage.parse::<Stage>().ok().map(|s| s.slug().to_owned()), false),
    };
    let filters = Filters {
        kind: Kind::parse(&query.kind),
        stage,
        tag: search::terms(&query.tag).into_iter().next(),
        organisation: match query.organisation.parse::<i64>() {
            Ok(id) => Some(OrganisationId::new(id)),
            Err(_) => (query.scope == "mine").then_some(viewer.organisation),
        },
        adapted,
        setting: query.setting.parse().ok(),
        profession: query.profession.parse().ok(),
    };
    // Words, filters or both are a search; with neither, the newest reviews are shown instead.
    let searched = !wanted.is_empty() || filters != Filters::default();
    let started = std::time::Instant::now();
    let hits: Vec<HitView> = if searched {
        search::search(state.db(), (viewer.organisation, viewer.user.id), &wanted, &filters, 50)
            .await?
            .iter()
            .map(hit_view)
            .collect()
    } else {
        Vec::new()
    };
    metrics::histogram!("kindling_search_seconds").record(started.elapsed().as_secs_f64());
    let recent = if searched {
        vec![]
    } else {
        learning::library(state.db(), (viewer.organisation, viewer.user.id), 20).await?
    };
    let kinds =
        [("", "Anything"), ("initiative", "Initiatives"), ("review", "Learning reviews"), ("pdsa", "PDSA cycles")];
    let outcomes = [
        ("", "Any outcome"),
        ("adopted", "Adopted"),
        ("adapted", "Adopted elsewhere with adaptations"),
        ("spread", "Spreading"),
        ("stopped", "Stopped"),
    ];
    let stages: Vec<(&str, &str)> =
        std::iter::once(("", "Any stage")).chain(Stage::ALL.iter().map(|s| (s.slug(), s.label()))).collect();
    let organisations: Vec<(String, String)> = std::iter::once((String::new(), "Any organisation".to_owned()))
        .chain(orgs::all(state.db()).await?.into_iter().map(|o| (o.id.to_string(), o.name)))
        .collect();
    let settings: Vec<(&str, &str)> =
        std::iter::once(("", "Any setting")).chain(CareSetting::ALL.iter().map(|s| (s.slug(), s.label()))).collect();
    let professions: Vec<(&str, &str)> =
        std::iter::once(("", "Any profession")).chain(Profession::ALL.iter().map(|p| (p.slug(), p.label()))).collect();
    let html = templates::render(
        "learning/library.html",
        page! { title => "Learning library", section => "learning", viewer => viewer.view(), query => &query, searched => searched, hits => hits, recent => recent, kinds => kinds, outcomes => outcomes, stages => stages, organisations => organisations, settings => settings, professions => professions },
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SimilarQuery {
    title: String,
    problem: String,
}

/// Initiatives and reviews like the idea being written (any of its significant words), as an HTML
/// fragment the idea form shows while the person types, so duplicates are caught before submission.
pub async fn similar(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SimilarQuery>,
) -> Result<Response, AppError> {
    let hits = similar_to(&state, &viewer, &format!("{} {}", query.title, query.problem)).await?;
    let html = templates::render("learning/similar.html", page! { hits => hits })?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], html).into_response())
}

pub async fn similar_to(state: &AppState, viewer: &Viewer, text: &str) -> Result<Vec<HitView>, AppError> {
    let words = kindling_domain::search::meaningful_words(text);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let wanted = search::Wanted::any_of(words);
    let hits =
        search::search(state.db(), (viewer.organisation, viewer.user.id), &wanted, &Filters::default(), 12).await?;
    // Initiatives and reviews only, five at most.
    Ok(hits.iter().filter(|h| h.kind != Kind::Pdsa).take(5).map(hit_view).collect())
}

/// The adoption form as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AdoptForm {
    title: String,
    site: String,
    core_kept: String,
    adaptations: String,
}

async fn render_adopt(
    state: &AppState,
    viewer: &Viewer,
    review: &Review,
    form: &AdoptForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let mut sites: Vec<(String, String)> = vec![(String::new(), "The whole organisation".into())];
    sites.extend(
        orgs::sites(state.db(), viewer.organisation).await?.into_iter().map(|s| (s.id.get().to_string(), s.name)),
    );
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "learning/adopt.html",
        page! { title => "Adopt this change at your site", section => "learning", viewer => viewer.view(), review => review, form => form, sites => sites, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

async fn adoptable(state: &AppState, viewer: &Viewer, id: &str) -> Result<Review, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let review =
        learning::readable(state.db(), (viewer.organisation, viewer.user.id), id).await?.ok_or(AppError::NotFound)?;
    if review.stage == Stage::Stopped {
        return Err(AppError::Conflict(
            "This change was stopped: learn from its review instead of adopting it.".into(),
        ));
    }
    if !allows(&viewer.standing(false, false), Action::SubmitIdea) {
        return Err(AppError::Forbidden("You are not a member of this organisation.".into()));
    }
    Ok(review)
}

pub async fn adopt_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let review = adoptable(&state, &viewer, &id).await?;
    let form = AdoptForm { title: review.initiative_title.clone(), ..AdoptForm::default() };
    render_adopt(&state, &viewer, &review, &form, &FieldErrors::new()).await
}

pub async fn adopt(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<AdoptForm>,
) -> Result<Response, AppError> {
    let review = adoptable(&state, &viewer, &id).await?;
    let mut errors = FieldErrors::new();
    let title = required_text(&mut errors, "title", &form.title, "a title for your initiative", 150);
    let core_kept =
        required_text(&mut errors, "core_kept", &form.core_kept, "what you will keep exactly as it is", 4000);
    let adaptations =
        required_text(&mut errors, "adaptations", &form.adaptations, "what you will adapt locally, and why", 4000);
    let sites: Vec<_> = orgs::sites(state.db(), viewer.organisation).await?;
    let site = match form.site.trim() {
        "" => None,
        raw => match sites.iter().find(|s| s.id.get().to_string() == raw) {
            Some(s) => Some(s.id),
            None => {
                errors.add("site", "Choose one of your organisation's sites");
                None
            }
        },
    };
    for (field, text) in [("core_kept", &form.core_kept), ("adaptations", &form.adaptations)] {
        let found = kindling_domain::privacy::screen(text);
        if !found.is_empty() {
            errors.add(
                field,
                format!("This contains what looks like {}: remove it", kindling_domain::privacy::describe(&found)),
            );
        }
    }
    if !errors.is_empty() {
        return render_adopt(&state, &viewer, &review, &form, &errors).await;
    }
    let source = kindling_store::initiatives::get(state.db(), review.organisation, review.initiative)
        .await?
        .ok_or(AppError::NotFound)?;
    let draft = InitiativeDraft {
        title,
        problem: source.draft.problem.clone(),
        proposed_change: format!(
            "{}\n\nKept as it is: {core_kept}\n\nAdapted here: {adaptations}",
            source.draft.proposed_change
        ),
        aim: Aim {
            what: source.draft.aim.what.clone(),
            how_much: None,
            by_when: None,
            for_whom: source.draft.aim.for_whom.clone(),
        },
        site,
        tags: source
            .draft
            .tags
            .iter()
            .cloned()
            .chain(Tag::parse("adopted").ok())
            .take(kindling_domain::initiatives::MAX_TAGS)
            .collect(),
    };
    let id = learning::adopt(state.db(), viewer.actor(now_ms()), review.initiative, &draft, &core_kept, &adaptations)
        .await?;
    Ok(Redirect::to(&format!("/initiatives/{id}?notice=adopted")).into_response())
}

/// For the initiative page: where it was adopted from, and whether a learning review exists or is due.
pub async fn initiative_panel(
    state: &AppState,
    organisation: OrganisationId,
    item: &Initiative,
) -> Result<LearningPanel, AppError> {
    let review = learning::for_initiative(state.db(), organisation, item.id).await?;
    // The pack is read (and parsed) only when it could make a review due: a stopped initiative always
    // wants one, and one with a review wants no other.
    let due = match (&review, item.stage) {
        (Some(_), _) => false,
        (None, Stage::Stopped) => true,
        (None, stage) => {
            let pack = kindling_store::policy::active(state.db(), organisation).await?.pack;
            kindling_domain::learning::review_due(stage, &pack.learning.review_on_completing)
        }
    };
    let adopted_from = learning::adopted_from(state.db(), organisation, item.id).await?;
    let adoptions = learning::adoptions_of(state.db(), item.id).await?.len();
    // The complexity of spreading it matters once there is something to spread.
    let spreading = matches!(item.stage, Stage::Evaluating | Stage::Adopted | Stage::Spreading)
        || adoptions > 0
        || adopted_from.is_some();
    let complexity = if spreading {
        Some(kindling_domain::spread::support(
            &kindling_store::spread::profile(state.db(), organisation, item.id).await?,
        ))
    } else {
        None
    };
    Ok(LearningPanel {
        review: review.as_ref().map(|r| r.id),
        due,
        stopped: item.stage == Stage::Stopped,
        recognised: kindling_store::recognition::for_initiative(state.db(), organisation, item.id).await?,
        complexity,
        adopted_from,
        adoptions,
    })
}

#[derive(Serialize)]
pub struct LearningPanel {
    review: Option<i64>,
    due: bool,
    stopped: bool,
    recognised: Vec<kindling_store::recognition::Recognition>,
    /// Shown once the initiative has something to spread.
    complexity: Option<kindling_domain::spread::Support>,
    adopted_from: Option<learning::Adoption>,
    adoptions: usize,
}

/// The names of the organisation's own staff: not patient identifiers when written after a title.
pub(crate) async fn staff_names(state: &AppState, viewer: &Viewer) -> Result<Vec<String>, AppError> {
    Ok(kindling_store::users::members(state.db(), viewer.organisation).await?.into_iter().map(|p| p.name).collect())
}
