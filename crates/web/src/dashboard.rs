//! The organisation dashboard: the portfolio by stage, and the SPC summary of every measure (variation
//! and assurance icons, last value, target), filterable. Everything is computed from three queries.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use kindling_documents::{Block, Column, Document};
use kindling_domain::measures::{MeasureCategory, MeasureKind, Signal};
use kindling_store::{initiatives, measures};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::evidence::{self, MeasureView};
use crate::{AppError, AppState, exports, templates};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The median of whole days (the lower middle value for an even count, so it is always a real
/// initiative's figure); `None` for no initiatives.
fn median_days(mut days: Vec<i64>) -> Option<i64> {
    days.sort_unstable();
    (!days.is_empty()).then(|| days[(days.len() - 1) / 2])
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Filters {
    kind: String,
    category: String,
    signal: String,
}

#[derive(Clone, Serialize)]
struct Row {
    initiative_id: i64,
    initiative_title: String,
    initiative_stage: &'static str,
    m: MeasureView,
}

/// Above this many changed measures, one query for the whole organisation's points beats one per measure.
const PER_MEASURE_LOADS: usize = 50;

/// The SPC summary rows, filtered. Analyses are cached per measure version, so a request re-analyses
/// only the measures whose data, phases or definition changed since the last one.
async fn rows(state: &AppState, viewer: &Viewer, filters: &Filters) -> Result<Vec<Row>, AppError> {
    let organisation = viewer.organisation;
    let all = measures::for_organisation(state.db(), organisation).await?;
    let cache = state.evidence();
    let stale: Vec<&measures::Measure> =
        all.iter().map(|d| &d.measure).filter(|m| cache.get(m.id, m.version).is_none()).collect();
    if stale.len() > PER_MEASURE_LOADS {
        let mut points = measures::points_for_organisation(state.db(), organisation).await?;
        let mut phases = measures::phases_for_organisation(state.db(), organisation).await?;
        for m in &stale {
            let view = evidence::evaluate(
                m,
                &points.remove(&m.id).unwrap_or_default(),
                &phases.remove(&m.id).unwrap_or_default(),
            )
            .view;
            cache.put(m.id, m.version, view);
        }
    } else {
        for m in &stale {
            let (points, phases) =
                (measures::points(state.db(), m.id).await?, measures::phases(state.db(), m.id).await?);
            cache.put(m.id, m.version, evidence::evaluate(m, &points, &phases).view);
        }
    }
    let kind = filters.kind.parse::<MeasureKind>().ok();
    let category = filters.category.parse::<MeasureCategory>().ok();
    let mut rows = Vec::new();
    for item in all {
        let m = &item.measure;
        if kind.is_some_and(|k| k != m.draft.kind) || category.is_some_and(|c| c != m.draft.category) {
            continue;
        }
        // A concurrent change may have bumped the version since: analyse it afresh.
        let view = match cache.get(m.id, m.version) {
            Some(view) => view,
            None => {
                let (points, phases) =
                    (measures::points(state.db(), m.id).await?, measures::phases(state.db(), m.id).await?);
                evidence::evaluate(m, &points, &phases).view
            }
        };
        if !filters.signal.is_empty() && view.signal.slug() != filters.signal {
            continue;
        }
        rows.push(Row {
            initiative_id: m.initiative.get(),
            initiative_title: item.initiative_title,
            initiative_stage: item.initiative_stage.label(),
            m: view,
        });
    }
    Ok(rows)
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &viewer, &filters).await?;
    let funnel = initiatives::count_by_stage(state.db(), viewer.organisation).await?;
    let entries = initiatives::stage_entries(state.db(), viewer.organisation).await?;
    let now = crate::now_ms();
    let largest = funnel.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let funnel: Vec<(&str, i64, i64, Option<i64>)> = funnel
        .iter()
        .map(|(stage, n)| {
            let days: Vec<i64> =
                entries.iter().filter(|(s, _)| s == stage).map(|(_, at)| (now - at) / DAY_MS).collect();
            (stage.label(), *n, n * 100 / largest, median_days(days))
        })
        .collect();
    let any = |label: &str| (String::new(), label.to_owned());
    let kinds: Vec<(String, String)> = std::iter::once(any("Any type"))
        .chain(MeasureKind::ALL.iter().map(|k| (k.slug().to_owned(), k.label().to_owned())))
        .collect();
    let categories: Vec<(String, String)> = std::iter::once(any("Any category"))
        .chain(MeasureCategory::ALL.iter().map(|c| (c.slug().to_owned(), c.label().to_owned())))
        .collect();
    let signals: Vec<(String, String)> = std::iter::once(any("Any signal"))
        .chain(Signal::ALL.iter().map(|s| (s.slug().to_owned(), s.label().to_owned())))
        .collect();
    Ok(templates::render(
        "dashboard.html",
        page! { title => "Dashboard", section => "dashboard", viewer => viewer.view(), rows => rows, funnel => funnel, filters => &filters, kinds => kinds, categories => categories, signals => signals },
    )?
    .into_response())
}

const CHARTS_HEADING: &str = "Charts showing special cause or a target that will be missed";
const NO_CHARTS: &str =
    "No measure shows special cause at its latest point, and none will consistently miss its target.";

/// One chart of the board report.
#[derive(Serialize)]
struct ReportChart {
    row: Row,
    svg: String,
}

/// What the board report says, for its HTML and PDF forms alike.
struct BoardReport {
    rows: Vec<Row>,
    /// The charts of measures whose latest point shows special cause or that will not meet their
    /// target, concerns first.
    charts: Vec<ReportChart>,
    improvements: usize,
    concerns: usize,
    /// Measures whose limits lie wholly on the wrong side of their target (MDC's "fail" assurance).
    failing_targets: usize,
    changes: usize,
    no_change: usize,
    today: String,
}

impl BoardReport {
    fn title() -> &'static str {
        "Board report: evidence of improvement"
    }

    fn counts(&self) -> [String; 5] {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        [
            format!(
                "{} measure{} of concern (special cause in the worse direction)",
                self.concerns,
                plural(self.concerns)
            ),
            format!(
                "{} measure{} that will not meet {} target unless something changes",
                self.failing_targets,
                plural(self.failing_targets),
                if self.failing_targets == 1 { "its" } else { "their" }
            ),
            format!("{} measure{} showing improvement", self.improvements, plural(self.improvements)),
            format!("{} measure{} changing with no better direction", self.changes, plural(self.changes)),
            format!("{} measure{} with no significant change", self.no_change, plural(self.no_change)),
        ]
    }
}

async fn board_report_data(state: &AppState, viewer: &Viewer) -> Result<BoardReport, AppError> {
    let rows = rows(state, viewer, &Filters::default()).await?;
    let count = |signal: Signal| rows.iter().filter(|r| r.m.signal == signal).count();
    let mut charts = Vec::new();
    for row in rows
        .iter()
        .filter(|r| matches!(r.m.signal, Signal::Improvement | Signal::Concern | Signal::Change) || r.m.misses_target)
    {
        let id = kindling_domain::ids::MeasureId::new(row.m.id);
        let Some(measure) = measures::get(state.db(), viewer.organisation, id).await? else { continue };
        let (points, phases) = (measures::points(state.db(), id).await?, measures::phases(state.db(), id).await?);
        if let Some(svg) = evidence::evaluate(&measure, &points, &phases).svg_as(&format!("chart-svg-{}", row.m.id)) {
            charts.push(ReportChart { row: row.clone(), svg });
        }
    }
    // Concerns first, then targets that will be missed: they are what a board must act on.
    charts.sort_by_key(|c| match c.row.m.signal {
        Signal::Concern => 0,
        _ if c.row.m.misses_target => 1,
        Signal::Change => 2,
        _ => 3,
    });
    let today =
        kindling_domain::initiatives::CivilDate::from_unix_ms(crate::now_ms()).map(|d| d.long()).unwrap_or_default();
    Ok(BoardReport {
        improvements: count(Signal::Improvement),
        concerns: count(Signal::Concern),
        failing_targets: rows.iter().filter(|r| r.m.misses_target).count(),
        changes: count(Signal::Change),
        no_change: count(Signal::NoChange),
        rows,
        charts,
        today,
    })
}

/// The printable board report: the summary of every measure, then the chart of each measure whose
/// latest point shows special cause, so the board reads first what changed. The print stylesheet
/// drops the navigation; [`board_report_pdf`] gives the same report as a PDF.
pub async fn board_report(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let report = board_report_data(&state, &viewer).await?;
    Ok(templates::render(
        "board_report.html",
        page! { title => format!("Board report: {}", viewer.organisation_name), section => "dashboard", viewer => viewer.view(), rows => report.rows, charts => report.charts, today => report.today, counts => report.counts(), charts_heading => CHARTS_HEADING, no_charts => NO_CHARTS },
    )?
    .into_response())
}

/// The board report as an A4 PDF, laid out and written on the server so every copy looks the same.
pub async fn board_report_pdf(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let report = board_report_data(&state, &viewer).await?;
    let document = board_report_document(&report, &viewer.organisation_name);
    let pdf = exports::render(&state, move |fonts| {
        let pages = kindling_documents::layout::pages(&document, fonts);
        kindling_documents::pdf::write(&pages, &document.title, fonts)
    })
    .await?;
    Ok(exports::download(pdf, "application/pdf", "board-report.pdf"))
}

fn board_report_document(report: &BoardReport, organisation: &str) -> Document {
    let mut blocks = vec![
        Block::Paragraph(format!(
            "Prepared on {} from every measure of every initiative. Charts follow NHS England's Making Data Count rules.",
            report.today
        )),
        Block::Bullets(report.counts().to_vec()),
        Block::Heading(CHARTS_HEADING.into()),
    ];
    if report.charts.is_empty() {
        blocks.push(Block::Paragraph(NO_CHARTS.into()));
    }
    for chart in &report.charts {
        let m = &chart.row.m;
        let harm = if m.balancing_concern { ". Check for harm: a balancing measure shows concern." } else { "" };
        let target = if m.misses_target { ". Will not meet its target unless something changes." } else { "" };
        // A chart never parts from its heading.
        blocks.push(Block::Together(vec![
            Block::Subheading(format!(
                "{} ({} measure, {})",
                m.name,
                m.kind_label.to_lowercase(),
                chart.row.initiative_title
            )),
            Block::Paragraph(format!("{}{harm}{target}", m.signal_label)),
            Block::Figure { svg: chart.svg.clone(), width: 600.0, height: 320.0, caption: m.verdict.clone() },
        ]));
    }
    blocks.push(Block::Heading("Every measure".into()));
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".into());
    blocks.push(Block::Table {
        columns: vec![
            Column::text("Measure", 3.0),
            Column::text("Initiative", 2.4),
            Column::text("Variation", 1.8),
            Column::text("Assurance", 1.6),
            Column::numeric("Latest", 1.0),
            Column::numeric("Target", 1.0),
        ],
        rows: report
            .rows
            .iter()
            .map(|r| {
                vec![
                    format!("{} ({})", r.m.name, r.m.kind_label.to_lowercase()),
                    r.initiative_title.clone(),
                    r.m.variation_label.unwrap_or("–").to_owned(),
                    r.m.assurance_label.unwrap_or("–").to_owned(),
                    match (&r.m.last_value, &r.m.last_period) {
                        (Some(value), Some(period)) => format!("{value} (period from {period})"),
                        _ => "–".into(),
                    },
                    dash(&r.m.target),
                ]
            })
            .collect(),
    });
    Document { title: BoardReport::title().to_owned(), subtitle: organisation.to_owned(), blocks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_a_real_initiatives_figure() {
        assert_eq!(median_days(vec![]), None);
        assert_eq!(median_days(vec![9]), Some(9));
        assert_eq!(median_days(vec![30, 2, 11]), Some(11));
        assert_eq!(median_days(vec![40, 2, 11, 5]), Some(5));
    }
}
