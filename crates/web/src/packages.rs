//! Spread packages: the originating team writes what must stay and what may change, with its files;
//! another site of the organisation, or another organisation of the hub, reads it, adopts it answering
//! for every core component, and the two teams follow the adoption: fidelity checks and a thread.

use std::collections::BTreeSet;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::ids::{InitiativeId, OrganisationId};
use kindling_domain::initiatives::{Aim, InitiativeDraft, Stage, Tag};
use kindling_domain::measures::MeasureDraft;
use kindling_domain::packages::{
    AdoptionForm, MAX_PARTS, PackageForm, ResourceForm, baseline_points, changes, parse_fidelity, relocate,
    resource_kind, unit_is_a_place,
};
use kindling_domain::permissions::{Action, allows};
use kindling_domain::policy::Fact;
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::initiatives::Initiative;
use kindling_store::packages::{self, Adopting, NewResource, StoredPackage};
use kindling_store::{learning, orgs};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::initiatives::{field_errors, is_team_or_lead, load, parse_id, require_team};
use crate::{AppError, AppState, multipart, now_ms, templates};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoticeQuery {
    notice: String,
}

/// The names a package may not use: the organisation's own, its sites' and its wards' (a unit named
/// for a service every hospital has, such as the pharmacy, may be written about).
async fn place_names(state: &AppState, organisation: OrganisationId) -> Result<Vec<String>, AppError> {
    let mut names: Vec<String> =
        orgs::organisation(state.db(), organisation).await?.map(|o| o.name).into_iter().collect();
    names.extend(orgs::sites(state.db(), organisation).await?.into_iter().map(|s| s.name));
    names.extend(
        orgs::units(state.db(), organisation).await?.into_iter().map(|u| u.name).filter(|n| unit_is_a_place(n)),
    );
    Ok(names)
}

/// The names that say where an adopted change came from: for another organisation, every place of the
/// originating one; for another site of the same organisation, the originating site and its units only
/// (the adopting site's own name is its to use).
async fn origin_places(
    state: &AppState,
    source: &StoredPackage,
    adopter: OrganisationId,
) -> Result<Vec<String>, AppError> {
    if adopter != source.organisation {
        return place_names(state, source.organisation).await;
    }
    let site = kindling_store::initiatives::get(state.db(), source.organisation, source.initiative)
        .await?
        .and_then(|i| i.draft.site);
    let Some(site) = site else { return Ok(Vec::new()) };
    let mut names: Vec<String> = orgs::sites(state.db(), source.organisation)
        .await?
        .into_iter()
        .filter(|s| s.id == site)
        .map(|s| s.name)
        .collect();
    names.extend(
        orgs::units(state.db(), source.organisation)
            .await?
            .into_iter()
            .filter(|u| u.site == site && unit_is_a_place(&u.name))
            .map(|u| u.name),
    );
    Ok(names)
}

async fn render_edit(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    current: Option<&StoredPackage>,
    forms: (&PackageForm, &ResourceForm),
    errors: &FieldErrors,
    notice: &str,
) -> Result<Response, AppError> {
    let (form, resource_form) = forms;
    let resources = match current {
        Some(package) => packages::resources(state.db(), package).await?,
        None => Vec::new(),
    };
    let shares = [("hub", "Every organisation of the hub"), ("organisation", "Only the sites of this organisation")];
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "packages/edit.html",
        page! { title => "Spread package", section => "initiatives", viewer => viewer.view(), item => item, form => form, resource_form => resource_form, current => current, resources => resources, shares => shares, errors => errors, field_errors => field_errors(errors), notice => notice },
    )?;
    Ok((status, html).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let current = packages::readable(state.db(), viewer.organisation, item.id).await?;
    let form = current.as_ref().map_or_else(PackageForm::blank, |p| PackageForm::from_package(&p.package));
    let forms = (&form, &ResourceForm::default());
    render_edit(&state, &viewer, &item, current.as_ref(), forms, &FieldErrors::new(), &query.notice).await
}

pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "write its spread package")?;
    let form = PackageForm::from_fields(&fields);
    match form.parse(&place_names(&state, viewer.organisation).await?) {
        Err(errors) => {
            let current = packages::readable(state.db(), viewer.organisation, item.id).await?;
            render_edit(&state, &viewer, &item, current.as_ref(), (&form, &ResourceForm::default()), &errors, "").await
        }
        Ok(package) => {
            packages::save(state.db(), viewer.actor(now_ms()), item.id, &package).await?.ok_or(AppError::NotFound)?;
            Ok(Redirect::to(&format!("/packages/{}?notice=saved", item.id)).into_response())
        }
    }
}

/// Adds a file: PDF, Office or image, up to 20 MB, recognised by its name and first bytes together.
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_team(&viewer, &item, "add files to its spread package")?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let parts = multipart::boundary(content_type)
        .and_then(|b| multipart::parse(&body, b))
        .ok_or_else(|| AppError::BadRequest("The upload could not be read; choose the file again.".into()))?;
    let text = |name: &str| multipart::text(&parts, name).unwrap_or("").to_owned();
    let resource_form = ResourceForm { title: text("title"), description: text("description") };
    let mut errors = FieldErrors::new();
    let parsed = resource_form.parse();
    if let Err(e) = &parsed {
        errors.extend(e.clone());
    }
    let file = parts.iter().find(|p| p.name == "file" && p.filename.as_deref().is_some_and(|f| !f.is_empty()));
    let kind = match file {
        None => {
            errors.add("file", "Select a file to add");
            None
        }
        Some(f) => match resource_kind(f.filename.as_deref().unwrap_or(""), f.data.len(), &f.data) {
            Ok(kind) => Some(kind),
            Err(message) => {
                errors.add("file", message);
                None
            }
        },
    };
    let current = packages::readable(state.db(), viewer.organisation, item.id).await?;
    if current.is_none() {
        errors.add("file", "Save the package first, then add its files");
    }
    let (Ok((title, description)), Some(kind), Some(file), Some(package)) = (parsed, kind, file, current.as_ref())
    else {
        let form = current.as_ref().map_or_else(PackageForm::blank, |p| PackageForm::from_package(&p.package));
        return render_edit(&state, &viewer, &item, current.as_ref(), (&form, &resource_form), &errors, "").await;
    };
    let new = NewResource {
        title: &title,
        description: description.as_deref(),
        file_name: file.filename.as_deref().unwrap_or("file"),
        kind,
    };
    packages::add_resource(state.db(), viewer.actor(now_ms()), package.initiative, &new, &file.data)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/initiatives/{}/package?notice=file-added#resources", item.id)).into_response())
}

/// A file name safe inside a quoted header parameter: letters, digits, spaces, dots, dashes and
/// underscores (the full name is also given percent-encoded, RFC 6266).
fn header_file_name(name: &str) -> (String, String) {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (ascii, encoded)
}

/// Streams a file chunk by chunk, always as an attachment with its kind's fixed content type, so the
/// browser never renders it and no request holds the whole file.
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, resource)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let initiative = parse_id(&id)?;
    let resource = resource.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let file =
        packages::resource(state.db(), viewer.organisation, initiative, resource).await?.ok_or(AppError::NotFound)?;
    let (ascii, encoded) = header_file_name(&file.file_name);
    let db = state.db().clone();
    let (id, chunks) = (file.id, file.chunks);
    let stream = futures_util::stream::unfold(0_i64, move |seq| {
        let db = db.clone();
        async move {
            if seq >= chunks {
                return None;
            }
            let next = match packages::chunk(&db, id, seq).await {
                Ok(Some(bytes)) => Ok(Bytes::from(bytes)),
                Ok(None) => Err(std::io::Error::other(format!("resource {id} is missing chunk {seq}"))),
                Err(e) => Err(std::io::Error::other(e.to_string())),
            };
            Some((next, seq + 1))
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, file.kind.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
            (header::CONTENT_LENGTH, file.size_bytes.to_string()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A measure of the originating change as the package offers it, with its evidence there.
#[derive(Serialize)]
struct PackageMeasure {
    name: String,
    definition: kindling_domain::measures::OperationalDefinition,
    unit: Option<String>,
    direction: &'static str,
    signal: &'static str,
    verdict: String,
    svg: Option<String>,
}

async fn readable(state: &AppState, viewer: &Viewer, id: &str) -> Result<StoredPackage, AppError> {
    let initiative = parse_id(id)?;
    packages::readable(state.db(), viewer.organisation, initiative).await?.ok_or(AppError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let current = readable(&state, &viewer, &id).await?;
    let versions = packages::versions(state.db(), &current).await?;
    // What changed in each version since the one before, newest first.
    let history: Vec<(i64, i64, Vec<String>)> = versions
        .iter()
        .zip(versions.iter().skip(1).map(Some).chain(std::iter::once(None)))
        .map(|(v, before)| {
            let changed = before.map_or_else(|| vec!["First version.".to_owned()], |b| changes(&b.package, &v.package));
            (v.version, v.created_ms, changed)
        })
        .collect();
    let resources = packages::resources(state.db(), &current).await?;
    let mut measures = Vec::new();
    for with in crate::evidence::with_data(state.db(), current.organisation, current.initiative).await? {
        let (m, evaluated) = (&with.measure, with.evaluate());
        measures.push(PackageMeasure {
            name: m.draft.name.clone(),
            definition: m.draft.definition.clone(),
            unit: m.draft.unit.clone(),
            direction: m.draft.direction.label(),
            signal: evaluated.view.signal_label,
            verdict: evaluated.view.verdict_and_comparison(),
            svg: evaluated.svg_as(&format!("measure-{}", m.id.get())),
        });
    }
    let adoptions = learning::adoptions_of(state.db(), current.initiative).await?;
    let own = current.organisation == viewer.organisation;
    let stopped = current.stage == Stage::Stopped;
    let review = if stopped {
        learning::for_initiative(state.db(), current.organisation, current.initiative).await?.map(|r| r.id)
    } else {
        None
    };
    let may_adopt = !stopped && allows(&viewer.standing(false, false), Action::SubmitIdea);
    let tags = kindling_store::follows::tags(state.db(), current.initiative).await?;
    // The NASSS profile the originating team recorded is part of the context it worked in.
    let profile = kindling_store::spread::profile(state.db(), current.organisation, current.initiative).await?;
    let complexity = (!profile.is_empty()).then(|| {
        let rows: Vec<(&str, &str, Option<String>)> =
            profile.iter().map(|r| (r.domain.label(), r.rating.label(), r.note.clone())).collect();
        (kindling_domain::spread::support(&profile), rows)
    });
    let html = templates::render(
        "packages/show.html",
        page! { title => format!("Spread package: {}", current.initiative_title), section => "learning", viewer => viewer.view(), current => &current, history => history, resources => resources, measures => measures, adoptions => adoptions, own => own, stopped => stopped, review => review, may_adopt => may_adopt, tags => tags, complexity => complexity, baseline_points => baseline_points(), notice => query.notice },
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LibraryQuery {
    q: String,
}

/// Every package the viewer may read, searchable by the change's title, the package's text and its
/// files' titles and descriptions.
pub async fn library(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<LibraryQuery>,
) -> Result<Response, AppError> {
    render_library(&state, &viewer, &query.q, &FieldErrors::new()).await
}

/// The library for the words `q`, with `errors` (a search that could not be saved) above it.
pub(crate) async fn render_library(
    state: &AppState,
    viewer: &Viewer,
    q: &str,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let words: Vec<String> = q.split_whitespace().take(8).map(str::to_owned).collect();
    let found = packages::library(state.db(), viewer.organisation, &words).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "packages/library.html",
        page! { title => "Spread packages", section => "learning", viewer => viewer.view(), packages => found, q => q, errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

/// The adoption form as shown: the typed answers, the facts ticked and the sites to choose from.
#[derive(Serialize)]
struct AdoptPage<'a> {
    form: &'a AdoptionForm,
    facts: Vec<(&'static str, &'static str, bool)>,
    sites: Vec<(String, String)>,
}

async fn render_adopt(
    state: &AppState,
    viewer: &Viewer,
    current: &StoredPackage,
    form: &AdoptionForm,
    facts: &BTreeSet<Fact>,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let mut sites: Vec<(String, String)> = vec![(String::new(), "The whole organisation".into())];
    sites.extend(
        orgs::sites(state.db(), viewer.organisation).await?.into_iter().map(|s| (s.id.get().to_string(), s.name)),
    );
    let adopt =
        AdoptPage { form, facts: Fact::ALL.iter().map(|f| (f.slug(), f.label(), facts.contains(f))).collect(), sites };
    let choices = [("kept", "Kept as it is"), ("adapted", "Adapted")];
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "packages/adopt.html",
        page! { title => "Adopt this change", section => "learning", viewer => viewer.view(), current => current, adopt => adopt, choices => choices, max_parts => MAX_PARTS, baseline_points => baseline_points(), errors => errors, field_errors => field_errors(errors) },
    )?;
    Ok((status, html).into_response())
}

/// The package, if the viewer may adopt from it: a stopped change is learned from, not adopted.
async fn adoptable(state: &AppState, viewer: &Viewer, id: &str) -> Result<StoredPackage, AppError> {
    let current = readable(state, viewer, id).await?;
    if current.stage == Stage::Stopped {
        return Err(AppError::Conflict(
            "This change was stopped: learn from its review instead of adopting it.".into(),
        ));
    }
    if !allows(&viewer.standing(false, false), Action::SubmitIdea) {
        return Err(AppError::Forbidden("You are not a member of this organisation.".into()));
    }
    Ok(current)
}

pub async fn adopt_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let current = adoptable(&state, &viewer, &id).await?;
    // The originating change's facts are where the adopting team starts; it confirms them for its site.
    let facts =
        kindling_store::gates::facts(state.db(), current.organisation, current.initiative).await?.unwrap_or_default();
    // The title is the adopting team's own: the original's may name its place.
    let form = AdoptionForm::default();
    render_adopt(&state, &viewer, &current, &form, &facts, &FieldErrors::new()).await
}

pub async fn adopt(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let current = adoptable(&state, &viewer, &id).await?;
    let form = AdoptionForm::from_fields(&fields);
    let mut errors = FieldErrors::new();
    let facts_form = kindling_domain::gates::FactsForm {
        facts: fields.iter().filter(|(k, _)| k == "fact").map(|(_, v)| v.clone()).collect(),
    };
    let facts = facts_form.parse().unwrap_or_else(|e| {
        errors.extend(e);
        BTreeSet::new()
    });
    let sites = orgs::sites(state.db(), viewer.organisation).await?;
    let site = match form.site.trim() {
        "" => None,
        raw => {
            let found = sites.iter().find(|s| s.id.get().to_string() == raw);
            if found.is_none() {
                errors.add("site", "Choose one of your organisation's sites");
            }
            found
        }
    };
    let plan = form.parse(&current.package).map_err(|e| errors.extend(e)).ok();
    let places = origin_places(&state, &current, viewer.organisation).await?;
    // Nothing the new initiative starts with names the original place, its title included.
    if let Some(place) = kindling_domain::packages::named_place(&form.title, &places) {
        errors
            .add("title", format!("This names {place}, where the change started: give your initiative its own title"));
    }
    let Some(plan) = plan.filter(|_| errors.is_empty()) else {
        return render_adopt(&state, &viewer, &current, &form, &facts, &errors).await;
    };
    // Measures travel with their definitions, rewritten for the adopting site; data never travel.
    let here = match site {
        Some(s) => s.name.clone(),
        None => viewer.organisation_name.clone(),
    };
    let measures: Vec<MeasureDraft> =
        kindling_store::measures::for_initiative(state.db(), current.organisation, current.initiative)
            .await?
            .into_iter()
            .map(|m| relocated(m.draft, &places, &here))
            .collect();
    let draft = InitiativeDraft {
        title: plan.title.clone(),
        problem: plan.local_context.clone(),
        proposed_change: plan.proposed_change(&current.package),
        aim: Aim::default(),
        site: site.map(|s| s.id),
        tags: Tag::parse("adopted").ok().into_iter().collect(),
    };
    let adopting = Adopting { source: &current, plan: &plan, draft: &draft, facts: &facts, measures: &measures };
    let id = packages::adopt(state.db(), viewer.actor(now_ms()), &adopting).await?;
    Ok(Redirect::to(&format!("/adoptions/{id}?notice=adopted")).into_response())
}

fn relocated(mut draft: MeasureDraft, places: &[String], here: &str) -> MeasureDraft {
    let d = &mut draft.definition;
    for text in [&mut d.numerator, &mut d.source] {
        *text = relocate(text, places, here);
    }
    for text in [&mut d.denominator, &mut d.inclusions, &mut d.exclusions].into_iter().flatten() {
        *text = relocate(text, places, here);
    }
    draft.name = relocate(&draft.name, places, here);
    draft
}

/// The adoption page: each core component's answer, the fidelity checks and the thread, for the
/// adopting and the originating team alike.
pub async fn adoption(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let adopted = parse_id(&id)?;
    render_adoption(&state, &viewer, adopted, &FieldErrors::new(), &query.notice, "").await
}

async fn render_adoption(
    state: &AppState,
    viewer: &Viewer,
    adopted: InitiativeId,
    errors: &FieldErrors,
    notice: &str,
    typed: &str,
) -> Result<Response, AppError> {
    let record = packages::adoption(state.db(), viewer.organisation, adopted).await?.ok_or(AppError::NotFound)?;
    let adopting = record.adoption.adopted_organisation_id == viewer.organisation;
    let package =
        packages::readable(state.db(), record.adoption.adopted_organisation_id, record.adoption.source).await?;
    let team = if adopting {
        let item = load(state, viewer, adopted).await?;
        is_team_or_lead(viewer, &item)
    } else {
        false
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let answers = [("yes", "In place"), ("no", "Not in place")];
    let mut adaptable_options: Vec<(String, String)> =
        vec![(String::new(), "Something else: the adaptable periphery".to_owned())];
    adaptable_options.extend(
        record
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| ((i + 1).to_string(), format!("Core component: {}", c.component))),
    );
    let html = templates::render(
        "packages/adoption.html",
        page! { title => format!("Adoption: {}", record.adoption.adopted_title), section => "learning", viewer => viewer.view(), record => &record, package => package, adopting => adopting, team => team, answers => answers, adaptable_options => adaptable_options, errors => errors, field_errors => field_errors(errors), notice => notice, typed => typed },
    )?;
    Ok((status, html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MessageForm {
    body: String,
}

/// A message on the thread, from either team: screened like every free text.
pub async fn post_message(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MessageForm>,
) -> Result<Response, AppError> {
    let adopted = parse_id(&id)?;
    packages::adoption(state.db(), viewer.organisation, adopted).await?.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let body = required_text(&mut errors, "body", &form.body, "your message", 4000);
    let findings = kindling_domain::privacy::screen(&body);
    if !findings.is_empty() {
        errors.add(
            "body",
            format!(
                "The message contains what looks like {}: remove it",
                kindling_domain::privacy::describe(&findings)
            ),
        );
    }
    if !errors.is_empty() {
        return render_adoption(&state, &viewer, adopted, &errors, "", &form.body).await;
    }
    if !packages::post_message(state.db(), viewer.actor(now_ms()), adopted, &body).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/adoptions/{adopted}?notice=message#thread")).into_response())
}

/// The adoption of an initiative of the viewer's organisation, if the viewer is on its team: what the
/// adopting team's own forms (adaptations, fidelity checks) act on.
async fn adopting_team(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    what: &str,
) -> Result<(InitiativeId, packages::AdoptionRecord), AppError> {
    let adopted = parse_id(id)?;
    let item = load(state, viewer, adopted).await?;
    require_team(viewer, &item, what)?;
    let record = packages::adoption(state.db(), viewer.organisation, adopted).await?.ok_or(AppError::NotFound)?;
    Ok((adopted, record))
}

/// A further adaptation logged by the adopting team, with its reason.
pub async fn log_adaptation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (adopted, record) = adopting_team(&state, &viewer, &id, "log an adaptation").await?;
    let components: Vec<&str> = record.choices.iter().map(|c| c.component.as_str()).collect();
    match kindling_domain::packages::parse_adaptation(&fields, &components) {
        Err(errors) => render_adoption(&state, &viewer, adopted, &errors, "", "").await,
        Ok(adaptation) => {
            if !packages::log_adaptation(state.db(), viewer.actor(now_ms()), adopted, &adaptation).await? {
                return Err(AppError::NotFound);
            }
            Ok(Redirect::to(&format!("/adoptions/{adopted}?notice=adapted#adaptations")).into_response())
        }
    }
}

/// A fidelity check by the adopting team: is each core component in place?
pub async fn check_fidelity(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (adopted, record) = adopting_team(&state, &viewer, &id, "check its fidelity").await?;
    // The check is against the components this site answered for (its version of the package).
    let components: Vec<&str> = record.choices.iter().map(|c| c.component.as_str()).collect();
    match parse_fidelity(&fields, &components) {
        Err(errors) => render_adoption(&state, &viewer, adopted, &errors, "", "").await,
        Ok(check) => {
            packages::record_fidelity(state.db(), viewer.actor(now_ms()), adopted, &check).await?;
            Ok(Redirect::to(&format!("/adoptions/{adopted}?notice=checked#fidelity")).into_response())
        }
    }
}

/// One measure of one site on the spread map.
#[derive(Serialize)]
struct SiteMeasure {
    name: String,
    kind: kindling_domain::measures::MeasureKind,
    signal: &'static str,
    signal_colour: &'static str,
    verdict: String,
    svg: Option<String>,
    /// Where the site's own baseline stands, while it is too short to judge the change by.
    baseline: Option<String>,
    /// The analysis, kept until every site's charts of this measure can be drawn on one scale.
    #[serde(skip)]
    evaluated: Option<crate::evidence::Evaluated>,
}

/// One site's column on the spread map: where the change started, or an adoption of it.
#[derive(Serialize)]
struct SiteColumn {
    organisation: String,
    site: String,
    title: String,
    stage: &'static str,
    /// The adopted initiative, whose adoption page both teams may open; `None` where it started.
    adopted: Option<i64>,
    local_context: Option<String>,
    choices: Vec<kindling_domain::packages::Choice>,
    /// Adaptations as recorded (one per line), for adoptions made before packages.
    adaptations: Option<String>,
    /// Further adaptations logged since adopting.
    logged: Vec<kindling_domain::packages::Adaptation>,
    /// The newest fidelity check: percent of core components in place, and when.
    fidelity: Option<(i64, i64)>,
    /// The site's verdict in a few words, from its first outcome measure.
    verdict: String,
    measures: Vec<SiteMeasure>,
}

/// The site's headline: its first outcome measure's signal (or its first measure's), or why there is
/// none yet.
fn site_verdict(measures: &[SiteMeasure]) -> String {
    let headline = measures
        .iter()
        .find(|m| m.kind == kindling_domain::measures::MeasureKind::Outcome)
        .or_else(|| measures.first());
    match headline {
        None => "No measures yet".to_owned(),
        Some(m) if m.baseline.is_some() => format!("Too early to judge: {}", m.name),
        Some(m) => format!("{}: {}", m.signal, m.name),
    }
}

async fn site_column(
    state: &AppState,
    organisation: OrganisationId,
    initiative: InitiativeId,
    adoption: Option<&kindling_store::learning::Adoption>,
) -> Result<Option<SiteColumn>, AppError> {
    let Some(site_item) = kindling_store::initiatives::get(state.db(), organisation, initiative).await? else {
        return Ok(None);
    };
    let mut measures = Vec::new();
    for with in crate::evidence::with_data(state.db(), organisation, initiative).await? {
        let periods: Vec<_> = with.points.iter().map(|p| p.period).collect();
        let change_starts = with.phases.iter().map(|p| p.starts_on).min();
        let evaluated = with.evaluate();
        measures.push(SiteMeasure {
            name: evaluated.view.name.clone(),
            kind: evaluated.view.kind,
            signal: evaluated.view.signal_label,
            signal_colour: evaluated.view.signal_colour,
            verdict: evaluated.view.verdict_and_comparison(),
            svg: None,
            baseline: kindling_domain::packages::baseline_note(&periods, change_starts),
            evaluated: Some(evaluated),
        });
    }
    let record = match adoption {
        None => None,
        Some(_) => packages::adoption(state.db(), organisation, initiative).await?,
    };
    let fidelity = record.as_ref().and_then(|r| r.checks.first()).map(|c| (c.percent, c.checked_ms));
    let (local_context, choices, logged) = match record {
        Some(r) => (r.local_context, r.choices, r.logged),
        None => (None, Vec::new(), Vec::new()),
    };
    let organisation_name = orgs::organisation(state.db(), organisation).await?.map(|o| o.name).unwrap_or_default();
    Ok(Some(SiteColumn {
        organisation: organisation_name,
        site: site_item.site_name.clone().unwrap_or_else(|| "Whole organisation".into()),
        title: site_item.draft.title.clone(),
        stage: site_item.stage.label(),
        adopted: adoption.map(|a| a.adopted.get()),
        local_context,
        // Adoptions from a package list their answers; older ones their adaptations as typed.
        adaptations: adoption.filter(|_| choices.is_empty()).map(|a| a.adaptations.clone()),
        choices,
        logged: logged.into_iter().map(|l| l.adaptation).collect(),
        fidelity,
        verdict: site_verdict(&measures),
        measures,
    }))
}

/// Every site of a change side by side: where it started first, then each adoption in turn.
async fn spread_columns(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
) -> Result<(InitiativeId, Vec<SiteColumn>), AppError> {
    let (source, source_organisation) = match learning::adopted_from(state.db(), viewer.organisation, item.id).await? {
        Some(a) => (a.source, a.source_organisation_id),
        None => (item.id, viewer.organisation),
    };
    let mut columns = Vec::new();
    columns.extend(site_column(state, source_organisation, source, None).await?);
    for a in learning::adoptions_of(state.db(), source).await? {
        columns.extend(site_column(state, a.adopted_organisation_id, a.adopted, Some(&a)).await?);
    }
    share_scales(&mut columns);
    Ok((source, columns))
}

/// Draws every site's chart of one measure (by name) on one scale, so that a board compares levels
/// across sites at a glance rather than reading each axis.
fn share_scales(columns: &mut [SiteColumn]) {
    let mut extents: Vec<(String, (f64, f64))> = Vec::new();
    for m in columns.iter().flat_map(|c| &c.measures) {
        let Some(own) = m.evaluated.as_ref().and_then(crate::evidence::Evaluated::extent) else { continue };
        match extents.iter_mut().find(|(name, _)| *name == m.name) {
            Some((_, (lo, hi))) => (*lo, *hi) = (lo.min(own.0), hi.max(own.1)),
            None => extents.push((m.name.clone(), own)),
        }
    }
    for (c, column) in columns.iter_mut().enumerate() {
        for (k, m) in column.measures.iter_mut().enumerate() {
            let shared = extents.iter().find(|(name, _)| *name == m.name).map(|(_, e)| *e);
            if let Some(evaluated) = m.evaluated.take() {
                m.svg = evaluated.svg_sharing(&format!("site-{c}-measure-{k}"), shared);
            }
        }
    }
}

/// The spread map: every site that adopted the change, with its stage, fidelity, adaptations and its
/// own measures judged against its own baseline, and a verdict per site.
pub async fn spread_map(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let (source, columns) = spread_columns(&state, &viewer, &item).await?;
    // How much support spreading this change needs, from this organisation's own profile of it.
    let complexity = kindling_domain::spread::support(
        &kindling_store::spread::profile(state.db(), viewer.organisation, item.id).await?,
    );
    let package = packages::readable(state.db(), viewer.organisation, source).await?.map(|p| p.initiative);
    let html = templates::render(
        "learning/sites.html",
        page! { title => "The spread map", section => "initiatives", viewer => viewer.view(), item => &item, columns => columns, complexity => complexity, package => package, baseline_points => baseline_points() },
    )?;
    Ok(html.into_response())
}

/// The spread map as a PDF for a spread report: a table of every site, then each site's charts.
pub async fn spread_map_pdf(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    use kindling_documents::{Block, Column, Document};
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    let (_, columns) = spread_columns(&state, &viewer, &item).await?;
    let rows: Vec<Vec<String>> = columns
        .iter()
        .map(|c| {
            let fidelity = c.fidelity.map_or_else(|| "Not checked".to_owned(), |(p, _)| format!("{p}%"));
            let adapted: Vec<String> = c
                .choices
                .iter()
                .filter(|ch| !ch.kept)
                .map(|ch| format!("{}: {}", ch.component, ch.reason.as_deref().unwrap_or_default()))
                .chain(c.adaptations.iter().flat_map(|a| a.lines().map(str::to_owned)))
                .chain(c.logged.iter().map(|l| format!("Later: {}, because {}", l.what, l.why)))
                .collect();
            let adapted = if c.adopted.is_none() {
                "Where it started".to_owned()
            } else if adapted.is_empty() {
                "Every core component kept".to_owned()
            } else {
                adapted.join("; ")
            };
            vec![format!("{}, {}", c.organisation, c.site), c.stage.to_owned(), fidelity, adapted, c.verdict.clone()]
        })
        .collect();
    let mut blocks = vec![
        Block::Paragraph(
            "Every site that took this change on, each judged on its own data against its own baseline with NHS England's Making Data Count rules.".to_owned(),
        ),
        Block::Table {
            columns: vec![
                Column::text("Site", 2.2),
                Column::text("Stage", 1.2),
                Column::text("Fidelity", 1.0),
                Column::text("Adaptations", 3.0),
                Column::text("Verdict", 2.2),
            ],
            rows,
        },
    ];
    for c in &columns {
        let mut site = vec![Block::Subheading(format!("{}, {}: {}", c.organisation, c.site, c.title))];
        if let Some(context) = &c.local_context {
            site.push(Block::Paragraph(format!("Local context: {context}")));
        }
        for m in &c.measures {
            match &m.svg {
                Some(svg) => site.push(Block::Figure {
                    svg: svg.clone(),
                    width: 600.0,
                    height: 320.0,
                    caption: m.verdict.clone(),
                }),
                None => site.push(Block::Paragraph(format!("{}: {}", m.name, m.verdict))),
            }
            if let Some(baseline) = &m.baseline {
                site.push(Block::Paragraph(baseline.clone()));
            }
        }
        if c.measures.is_empty() {
            site.push(Block::Paragraph("No measures yet.".to_owned()));
        }
        blocks.push(Block::Together(site));
    }
    let document = Document {
        title: format!("Spread report: {}", item.draft.title),
        subtitle: format!("{}, prepared on {}", viewer.organisation_name, crate::today().long()),
        blocks,
    };
    let pdf = crate::exports::render(&state, move |fonts| {
        let pages = kindling_documents::layout::pages(&document, fonts);
        kindling_documents::pdf::write(&pages, &document.title, fonts)
    })
    .await?;
    Ok(crate::exports::download(pdf, "application/pdf", "spread-report.pdf"))
}
