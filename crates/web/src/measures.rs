//! Measure pages: define a measure, enter its data (one period, a pasted column, or a CSV file or Excel workbook with a
//! preview), see its chart and verdict, adjust phase breaks, and export the chart and data.
//!
//! Bad input loses nothing: every refused form comes back with what was typed, and an import with
//! any bad row stores nothing and names every bad row.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_domain::equity::{self, Dimension};
use kindling_domain::ids::{MeasureId, PhaseId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::measures::{
    CHART_CHOICES, DataType, Direction, Frequency, MeasureCategory, MeasureForm, MeasureKind, Point, PointCheck,
    PointForm, RowError, chart_label, parse_pasted_column, parse_points_csv, parse_subgroup_csv,
};
use kindling_domain::permissions::{Action, allows};
use kindling_domain::validation::{FieldErrors, required_text};
use kindling_store::initiatives::Initiative;
use kindling_store::measures::{self, Measure};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::evidence::{self, Evaluated};
use crate::initiatives::{field_errors, load, may_edit, parse_id};
use crate::{AppError, AppState, exports, multipart, now_ms, templates};

fn slug_options<T: Copy>(
    all: &[T],
    slug: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|v| (slug(*v).to_owned(), label(*v).to_owned())).collect()
}

/// The measure's initiative and the measure, both in the viewer's organisation, or "not found".
async fn load_measure(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    measure: &str,
) -> Result<(Initiative, Measure), AppError> {
    let item = load(state, viewer, parse_id(id)?).await?;
    let measure_id = measure.parse::<i64>().ok().filter(|v| *v > 0).map(MeasureId::new).ok_or(AppError::NotFound)?;
    let measure = measures::get(state.db(), viewer.organisation, measure_id)
        .await?
        .filter(|m| m.initiative == item.id)
        .ok_or(AppError::NotFound)?;
    Ok((item, measure))
}

fn require_edit(viewer: &Viewer, item: &Initiative) -> Result<(), AppError> {
    crate::initiatives::require_edit(viewer, item, "change its measures")
}

async fn render_form(
    viewer: &Viewer,
    item: &Initiative,
    editing: Option<&Measure>,
    form: &MeasureForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let (title, action) = match editing {
        Some(m) => (format!("Edit {}", m.draft.name), format!("/initiatives/{}/measures/{}/edit", item.id, m.id)),
        None => ("Add a measure".to_owned(), format!("/initiatives/{}/measures/new", item.id)),
    };
    let mut charts = vec![(String::new(), "The recommended chart for the data type".to_owned())];
    charts.extend(CHART_CHOICES.iter().map(|c| (c.name().to_owned(), chart_label(*c).to_owned())));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "measures/form.html",
        page! { title => title, section => "initiatives", viewer => viewer.view(), item => item, action => action, form => form, errors => errors, field_errors => field_errors(errors), kinds => slug_options(MeasureKind::ALL, MeasureKind::slug, MeasureKind::label), categories => slug_options(MeasureCategory::ALL, MeasureCategory::slug, MeasureCategory::label), data_types => slug_options(DataType::ALL, DataType::slug, DataType::label), frequencies => slug_options(Frequency::ALL, Frequency::slug, Frequency::label), directions => slug_options(Direction::ALL, Direction::slug, Direction::label), charts => charts },
    )?;
    Ok((status, html).into_response())
}

pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_edit(&viewer, &item)?;
    let form = MeasureForm { frequency: "monthly".into(), ..MeasureForm::default() };
    render_form(&viewer, &item, None, &form, &FieldErrors::new()).await
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MeasureForm>,
) -> Result<Response, AppError> {
    let item = load(&state, &viewer, parse_id(&id)?).await?;
    require_edit(&viewer, &item)?;
    match form.parse() {
        Err(errors) => render_form(&viewer, &item, None, &form, &errors).await,
        Ok(draft) => {
            let measure = measures::create(state.db(), viewer.actor(now_ms()), item.id, &draft)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Redirect::to(&format!("/initiatives/{}/measures/{measure}?notice=created", item.id)).into_response())
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    require_edit(&viewer, &item)?;
    render_form(&viewer, &item, Some(&measure), &MeasureForm::from_draft(&measure.draft), &FieldErrors::new()).await
}

pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    axum::Form(form): axum::Form<MeasureForm>,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    require_edit(&viewer, &item)?;
    match form.parse() {
        Err(errors) => render_form(&viewer, &item, Some(&measure), &form, &errors).await,
        Ok(draft) => {
            measures::update(state.db(), viewer.actor(now_ms()), measure.id, &draft).await?;
            Ok(Redirect::to(&format!("/initiatives/{}/measures/{}?notice=saved", item.id, measure.id)).into_response())
        }
    }
}

/// The measure page's forms, as typed, with any errors from the last attempt.
#[derive(Default)]
struct PageForms {
    point: PointForm,
    paste: PasteForm,
    phase: PhaseForm,
    errors: FieldErrors,
    /// Row-level problems from a pasted column or an imported file.
    row_errors: Vec<RowError>,
    /// Which form the row errors belong to ("paste", "import" or "subgroups").
    row_errors_for: &'static str,
    /// The breakdown chosen on the subgroup upload form.
    dimension: String,
    notice: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PasteForm {
    start_day: String,
    start_month: String,
    start_year: String,
    values: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PhaseForm {
    phase: String,
    starts_day: String,
    starts_month: String,
    starts_year: String,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    notice: String,
}

async fn evaluate(
    state: &AppState,
    measure: &Measure,
) -> Result<(Evaluated, Vec<measures::Phase>, Vec<Point>), AppError> {
    let points = measures::points(state.db(), measure.id).await?;
    let phases = measures::phases(state.db(), measure.id).await?;
    Ok((evidence::evaluate(measure, &points, &phases), phases, points))
}

/// One subgroup's small chart and what the equity check says about it.
#[derive(Serialize)]
struct SubgroupView {
    name: String,
    svg: Option<String>,
    signal_label: &'static str,
    signal_colour: &'static str,
    verdict: String,
    flags: Vec<String>,
}

/// The equity view of one breakdown: a small chart per subgroup, flags first.
#[derive(Serialize)]
struct BreakdownView {
    label: &'static str,
    groups: Vec<SubgroupView>,
    flagged: usize,
}

fn breakdowns(
    measure: &Measure,
    whole: kindling_domain::measures::Signal,
    data: Vec<measures::Breakdown>,
    phases: &[measures::Phase],
) -> Vec<BreakdownView> {
    let starts: Vec<CivilDate> = phases.iter().map(|p| p.starts_on).collect();
    data.into_iter()
        .enumerate()
        .map(|(d, (dimension, groups))| {
            let (analyses, findings) = equity::assess(&measure.draft, whole, &groups, &starts);
            let views: Vec<SubgroupView> = analyses
                .iter()
                .zip(&findings)
                .enumerate()
                .map(|(g, (a, f))| {
                    let labels: Vec<String> = groups[g].1.iter().map(|p| p.period.iso()).collect();
                    let verdict = a.analysis.as_ref().map_or_else(
                        |e| format!("These data cannot be charted: {e}."),
                        |an| {
                            let unit = |v| evidence::shown(measure.draft.data_type, v);
                            kindling_spc::verdict::verdict_in(an, &labels, measure.draft.target, &unit)
                        },
                    );
                    let id = format!("d{d}g{g}");
                    let svg = a.analysis.as_ref().ok().map(|an| {
                        kindling_charts::spc::svg(
                            an,
                            &kindling_charts::spc::ChartText {
                                title: &f.subgroup,
                                verdict: &verdict,
                                x_labels: &labels,
                                target: measure.draft.target,
                                id: &id,
                                include: None,
                            },
                        )
                    });
                    let mut flags = Vec::new();
                    if f.differs {
                        flags.push(format!(
                            "{} for this group, {} for the whole measure",
                            f.signal.label(),
                            whole.label().to_lowercase()
                        ));
                    }
                    if f.gap_widened {
                        flags.push(format!(
                            "The gap to the best group widened from {} to {}",
                            evidence::shown_gap(measure.draft.data_type, f.gap_start.unwrap_or_default()),
                            evidence::shown_gap(measure.draft.data_type, f.gap_end.unwrap_or_default())
                        ));
                    }
                    if f.best {
                        flags.push("The best group now (the reference for gaps)".to_owned());
                    }
                    let colour = match f.signal {
                        kindling_domain::measures::Signal::Improvement => "blue",
                        kindling_domain::measures::Signal::Concern => "orange",
                        kindling_domain::measures::Signal::Change => "purple",
                        _ => "grey",
                    };
                    SubgroupView {
                        name: f.subgroup.clone(),
                        svg,
                        signal_label: f.signal.label(),
                        signal_colour: colour,
                        verdict,
                        flags,
                    }
                })
                .collect();
            let flagged = findings.iter().filter(|f| f.differs || f.gap_widened).count();
            BreakdownView { label: dimension.label(), groups: views, flagged }
        })
        .collect()
}

async fn render_page(
    state: &AppState,
    viewer: &Viewer,
    item: &Initiative,
    measure: &Measure,
    forms: PageForms,
) -> Result<Response, AppError> {
    let (evaluated, phases, points) = evaluate(state, measure).await?;
    let subgroups = measures::subgroup_points(state.db(), measure.id).await?;
    let breakdown_views = breakdowns(measure, evaluated.view.signal, subgroups, &phases);
    let dimensions: Vec<(String, String)> =
        Dimension::ALL.iter().map(|d| (d.slug().to_owned(), d.label().to_owned())).collect();
    let can_edit = may_edit(viewer, item);
    let can_adjust = allows(&viewer.standing(false, false), Action::AdjustPhase);
    let status = if forms.errors.is_empty() && forms.row_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let phase_rows: Vec<(i64, String, String)> =
        phases.iter().map(|p| (p.id.get(), p.starts_on.long(), p.reason.clone())).collect();
    let next_period = points
        .last()
        .and_then(|p| measure.draft.definition.frequency.step(p.period, 1))
        .map(|d| (d.day.to_string(), d.month.to_string(), d.year.to_string()));
    let html = templates::render(
        "measures/show.html",
        page! { title => &measure.draft.name, section => "initiatives", viewer => viewer.view(), item => item, m => &evaluated.view, d => &measure.draft, svg => evaluated.svg(), table => evaluated.table(), phases => &phase_rows, phases_options => phase_rows.iter().map(|(id, from, _)| (id.to_string(), format!("From {from}"))).collect::<Vec<_>>(), can_edit => can_edit, can_adjust => can_adjust, point_form => &forms.point, paste_form => &forms.paste, phase_form => &forms.phase, errors => &forms.errors, field_errors => field_errors(&forms.errors), row_errors => &forms.row_errors, row_errors_for => forms.row_errors_for, notice => forms.notice, needs_denominator => measure.draft.data_type.needs_denominator(), frequency_label => measure.draft.definition.frequency.label(), next_period => next_period, breakdowns => breakdown_views, dimensions => dimensions, dimension => forms.dimension },
    )?;
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    let notice = match query.notice.as_str() {
        "created" => Some("The measure has been added. Add its data below."),
        "saved" => Some("Your changes have been saved."),
        "added" => Some("The data have been added and the chart recalculated."),
        "replaced" => Some("The value for that period has been replaced and the chart recalculated."),
        "imported" => Some("The file has been imported and the chart recalculated."),
        "phase" => Some("The phase has been changed and the limits recalculated."),
        "subgroups" => Some("The subgroup data have been imported."),
        _ => None,
    };
    render_page(&state, &viewer, &item, &measure, PageForms { notice, ..PageForms::default() }).await
}

pub async fn add_point(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    axum::Form(form): axum::Form<PointForm>,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    require_edit(&viewer, &item)?;
    match form.parse(measure.draft.data_type) {
        Err(errors) => {
            render_page(&state, &viewer, &item, &measure, PageForms { point: form, errors, ..PageForms::default() })
                .await
        }
        Ok(point) => {
            // A year years ahead is usually a typing slip, and a period already entered would be
            // overwritten: both are asked about first, with the form kept as typed.
            let today = crate::today();
            let existing = measures::points(state.db(), measure.id).await?;
            let checks = form.checks(&point, today, &existing);
            if !checks.is_empty() {
                let mut errors = FieldErrors::new();
                for check in &checks {
                    match check {
                        PointCheck::FarFuture => errors.add(
                            "confirm_future",
                            format!(
                                "The period starts on {}, more than a year from now. Check the year, or confirm that it is right",
                                point.period.long()
                            ),
                        ),
                        PointCheck::Replaces(old) => errors.add(
                            "confirm_replace",
                            format!(
                                "The period from {} already has the value {old}. Confirm that the new value replaces it",
                                point.period.long()
                            ),
                        ),
                    }
                }
                return render_page(
                    &state,
                    &viewer,
                    &item,
                    &measure,
                    PageForms { point: form, errors, ..PageForms::default() },
                )
                .await;
            }
            let replaced = existing.iter().any(|p| p.period == point.period);
            measures::add_points(state.db(), viewer.actor(now_ms()), measure.id, &[point], "the data entry form")
                .await?;
            let notice = if replaced { "replaced" } else { "added" };
            Ok(Redirect::to(&format!("/initiatives/{}/measures/{}?notice={notice}", item.id, measure.id))
                .into_response())
        }
    }
}

pub async fn paste(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    axum::Form(form): axum::Form<PasteForm>,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    require_edit(&viewer, &item)?;
    let mut errors = FieldErrors::new();
    let start = match CivilDate::from_parts(&form.start_day, &form.start_month, &form.start_year) {
        Ok(Some(date)) => Some(date),
        Ok(None) => {
            errors.add("start_day", "Enter the first day of the first period");
            None
        }
        Err(message) => {
            errors.add("start_day", message);
            None
        }
    };
    let parsed = start
        .map(|s| parse_pasted_column(&form.values, s, measure.draft.definition.frequency, measure.draft.data_type));
    match parsed {
        Some(Ok(points)) if errors.is_empty() => {
            measures::add_points(state.db(), viewer.actor(now_ms()), measure.id, &points, "a pasted column").await?;
            Ok(Redirect::to(&format!("/initiatives/{}/measures/{}?notice=added", item.id, measure.id)).into_response())
        }
        other => {
            let row_errors = match other {
                Some(Err(rows)) => {
                    errors.add(
                        "values",
                        format!(
                            "{} of the pasted lines {} not valid: nothing was added",
                            rows.len(),
                            if rows.len() == 1 { "is" } else { "are" }
                        ),
                    );
                    rows
                }
                _ => Vec::new(),
            };
            let forms = PageForms { paste: form, errors, row_errors, row_errors_for: "paste", ..PageForms::default() };
            render_page(&state, &viewer, &item, &measure, forms).await
        }
    }
}

/// Upload of subgroup data for one breakdown: all-or-nothing, replacing that breakdown's data.
pub async fn subgroups(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    require_edit(&viewer, &item)?;
    let (parts, file) = crate::uploads::uploaded_file(&headers, &body).await?;
    let chosen = multipart::text(&parts, "dimension").unwrap_or("").to_owned();
    let mut errors = FieldErrors::new();
    let dimension = chosen.parse::<Dimension>().ok();
    if dimension.is_none() {
        errors.add("dimension", "Select what the data are broken down by");
    }
    let mut row_errors = Vec::new();
    let rows = match file {
        Err(message) => {
            errors.add("subgroup_file", message);
            None
        }
        Ok((name, text)) => match parse_subgroup_csv(&text, measure.draft.data_type) {
            Ok(rows) => Some(rows),
            Err(rows) => {
                errors.add(
                    "subgroup_file",
                    format!(
                        "{name} has {} row{} that cannot be imported: nothing was imported",
                        rows.len(),
                        if rows.len() == 1 { "" } else { "s" }
                    ),
                );
                row_errors = rows;
                None
            }
        },
    };
    let (Some(dimension), Some(rows)) = (dimension, rows) else {
        let forms =
            PageForms { errors, row_errors, row_errors_for: "subgroups", dimension: chosen, ..PageForms::default() };
        return render_page(&state, &viewer, &item, &measure, forms).await;
    };
    measures::replace_subgroup_points(state.db(), viewer.actor(now_ms()), measure.id, dimension, &rows).await?;
    Ok(Redirect::to(&format!("/initiatives/{}/measures/{}?notice=subgroups#equity", item.id, measure.id))
        .into_response())
}

/// The largest import accepted, in rows: years of daily data.
const MAX_IMPORT_ROWS: usize = 20_000;

fn parse_upload(text: &str, data_type: DataType) -> Result<Vec<Point>, Vec<RowError>> {
    if text.lines().count() > MAX_IMPORT_ROWS + 1 {
        return Err(vec![RowError {
            line: MAX_IMPORT_ROWS + 2,
            message: format!("The file has more than {MAX_IMPORT_ROWS} rows; split it into smaller files"),
        }]);
    }
    parse_points_csv(text, data_type)
}

/// Upload step: a CSV file or an Excel workbook (its first sheet) is checked in full. Any bad row: every problem is listed and nothing is
/// stored. All good: a preview, with the file's text carried to the confirm step.
pub async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    require_edit(&viewer, &item)?;
    let mut errors = FieldErrors::new();
    let outcome = match crate::uploads::uploaded_file(&headers, &body).await?.1 {
        Ok(file) => Some(file),
        Err(message) => {
            errors.add("file", message);
            None
        }
    };
    let Some((filename, text)) = outcome else {
        return render_page(
            &state,
            &viewer,
            &item,
            &measure,
            PageForms { errors, row_errors_for: "import", ..PageForms::default() },
        )
        .await;
    };
    match parse_upload(&text, measure.draft.data_type) {
        Err(rows) => {
            errors.add("file", format!("{} has {} row{} that cannot be imported: nothing was imported. Correct the file and choose it again.", filename, rows.len(), if rows.len() == 1 { "" } else { "s" }));
            render_page(
                &state,
                &viewer,
                &item,
                &measure,
                PageForms { errors, row_errors: rows, row_errors_for: "import", ..PageForms::default() },
            )
            .await
        }
        Ok(points) => {
            let existing = measures::points(state.db(), measure.id).await?;
            let replaced = points.iter().filter(|p| existing.iter().any(|e| e.period == p.period)).count();
            let rows: Vec<(String, String, String)> = points
                .iter()
                .map(|p| {
                    (
                        p.period.long(),
                        evidence::number(p.value),
                        p.denominator.map(evidence::number).unwrap_or_default(),
                    )
                })
                .collect();
            let html = templates::render(
                "measures/import.html",
                page! { title => "Check the data before importing", section => "initiatives", viewer => viewer.view(), item => &item, d => &measure.draft, measure_id => measure.id.get(), filename => filename, rows => rows, replaced => replaced, csv => text, needs_denominator => measure.draft.data_type.needs_denominator() },
            )?;
            Ok(html.into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    csv: String,
}

/// Confirm step: the previewed text is parsed again (nothing from the browser is trusted) and stored
/// in one transaction.
pub async fn confirm_import(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    require_edit(&viewer, &item)?;
    match parse_upload(&form.csv, measure.draft.data_type) {
        Ok(points) => {
            measures::add_points(state.db(), viewer.actor(now_ms()), measure.id, &points, "an imported file").await?;
            Ok(Redirect::to(&format!("/initiatives/{}/measures/{}?notice=imported", item.id, measure.id))
                .into_response())
        }
        Err(rows) => {
            let mut errors = FieldErrors::new();
            errors.add("file", "The data changed since the preview: nothing was imported. Choose the file again.");
            render_page(
                &state,
                &viewer,
                &item,
                &measure,
                PageForms { errors, row_errors: rows, row_errors_for: "import", ..PageForms::default() },
            )
            .await
        }
    }
}

/// Moves or removes a phase break (improvement leads and administrators), with a reason.
pub async fn adjust_phase(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    axum::Form(form): axum::Form<PhaseForm>,
) -> Result<Response, AppError> {
    let (item, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    if !allows(&viewer.standing(false, false), Action::AdjustPhase) {
        return Err(AppError::Forbidden(
            "Only improvement leads and administrators can move or remove a phase.".into(),
        ));
    }
    let mut errors = FieldErrors::new();
    let phase = form.phase.parse::<i64>().ok().map(PhaseId::new);
    if phase.is_none() {
        errors.add("phase", "Select the phase to change");
    }
    let reason = required_text(&mut errors, "reason", &form.reason, "the reason for the change", 500);
    let date = match CivilDate::from_parts(&form.starts_day, &form.starts_month, &form.starts_year) {
        Ok(date) => date,
        Err(message) => {
            errors.add("starts_day", message);
            None
        }
    };
    if !errors.is_empty() {
        return render_page(
            &state,
            &viewer,
            &item,
            &measure,
            PageForms { phase: form, errors, ..PageForms::default() },
        )
        .await;
    }
    let (by, phase) = (viewer.actor(now_ms()), phase.expect("checked"));
    let done = match date {
        // A new date moves the phase; no date removes it.
        Some(date) => measures::move_phase(state.db(), by, phase, date, &reason).await?,
        None => measures::remove_phase(state.db(), by, phase, &reason).await?,
    };
    if !done {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/initiatives/{}/measures/{}?notice=phase", item.id, measure.id)).into_response())
}

/// The chart as an SVG file.
pub async fn chart_svg(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (_, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    let (evaluated, _, _) = evaluate(&state, &measure).await?;
    let svg = evaluated.svg().ok_or(AppError::NotFound)?;
    let document = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{svg}");
    Ok(exports::download(document.into_bytes(), "image/svg+xml", &format!("measure-{}.svg", measure.id)))
}

#[derive(Debug, Default, Deserialize)]
pub struct PngQuery {
    /// Pixels per SVG unit: 2 by default, sharp on slides and high-density screens.
    scale: Option<f32>,
}

/// The chart as a PNG image, for slides and documents that do not take SVG.
pub async fn chart_png(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
    Query(query): Query<PngQuery>,
) -> Result<Response, AppError> {
    let (_, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    let (evaluated, _, _) = evaluate(&state, &measure).await?;
    let svg = evaluated.svg().ok_or(AppError::NotFound)?;
    let scale = query.scale.unwrap_or(2.0);
    let png = exports::render(&state, move |fonts| kindling_documents::png::render(&svg, scale, fonts)).await?;
    Ok(exports::download(png, "image/png", &format!("measure-{}.png", measure.id)))
}

/// Escapes a CSV field, and defuses text a spreadsheet would run as a formula.
pub(crate) fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// The data with the chart's lines, as CSV.
pub async fn data_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, measure)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (_, measure) = load_measure(&state, &viewer, &id, &measure).await?;
    let (evaluated, _, points) = evaluate(&state, &measure).await?;
    let mut out = String::from("period,value,denominator,plotted,centre,lower_limit,upper_limit,special_cause\n");
    for (i, p) in points.iter().enumerate() {
        let a = evaluated.analysis.as_ref().and_then(|a| a.points.get(i));
        let cell = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            p.period.iso(),
            p.value,
            cell(p.denominator),
            cell(a.and_then(|a| a.value)),
            cell(a.and_then(|a| a.lines.centre)),
            cell(a.and_then(|a| a.lines.lower)),
            cell(a.and_then(|a| a.lines.upper)),
            csv_cell(a.map(|a| a.special_cause.name()).unwrap_or(""))
        ));
    }
    Ok(exports::download(out.into_bytes(), "text/csv; charset=utf-8", &format!("measure-{}.csv", measure.id)))
}
