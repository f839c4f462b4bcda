//! The programme's outcomes dashboard: each outcome month by month as an SPC chart with its verdict,
//! the recurring training gaps, and the HR leavers and incident imports the comparisons need.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kindling_charts::compare::{CompareText, Line};
use kindling_domain::measures::RowError;
use kindling_domain::mentoring::imports::{parse_hr, parse_incidents};
use kindling_domain::mentoring::outcomes::{Comparison, Series, comparisons, recurring_gaps, series};
use kindling_domain::validation::FieldErrors;
use kindling_spc::{Chart, Obs};
use kindling_store::mentoring::{self, Programme};
use serde::Serialize;

use super::{leads, load, load_led};
use crate::auth::Viewer;
use crate::initiatives::field_errors;
use crate::{AppError, AppState, now_ms, templates};

#[derive(Serialize)]
pub(crate) struct ChartView {
    key: &'static str,
    title: &'static str,
    unit: &'static str,
    chart: Option<String>,
    table: Option<String>,
    verdict: Option<String>,
    /// The Making Data Count variation icon, where the chart has limits.
    icon: Option<String>,
    points: usize,
}

/// Draws one series with the Making Data Count rules, or leaves the chart out when there are too few
/// points for limits.
pub(crate) fn chart(s: &Series) -> ChartView {
    let observations: Vec<Obs> = s.points.iter().map(|p| Obs { y: Some(p.y), n: p.n }).collect();
    let labels: Vec<String> = s.points.iter().map(|p| p.month.clone()).collect();
    let drawn = (s.points.len() >= 2)
        .then(|| crate::approvals::drawn(&observations, &labels, s.title, s.key, s.chart, s.improvement))
        .flatten();
    let points = s.points.len();
    match drawn {
        Some(d) => ChartView {
            key: s.key,
            title: s.title,
            unit: s.unit,
            chart: Some(d.svg),
            table: Some(d.table),
            verdict: Some(d.verdict),
            icon: d.variation_icon,
            points,
        },
        None => ChartView {
            key: s.key,
            title: s.title,
            unit: s.unit,
            chart: None,
            table: None,
            verdict: None,
            icon: None,
            points,
        },
    }
}

#[derive(Default, Serialize)]
struct Imported {
    which: &'static str,
    errors: FieldErrors,
    rows: Vec<RowError>,
    done: Option<usize>,
}

fn this_month() -> String {
    kindling_domain::initiatives::CivilDate::from_unix_ms(now_ms())
        .map(|d| format!("{}-{:02}", d.year, d.month))
        .unwrap_or_default()
}

#[derive(Serialize)]
struct ComparedView {
    key: &'static str,
    title: &'static str,
    svg: String,
    table: String,
}

fn compared_view(c: &Comparison, started: &str) -> ComparedView {
    let text = CompareText {
        title: c.title,
        suffix: c.suffix,
        months: &c.months,
        started: c.months.iter().position(|m| m == started),
        id: c.key,
    };
    let first = Line { name: c.names[0], values: &c.values[0] };
    let second = Line { name: c.names[1], values: &c.values[1] };
    ComparedView {
        key: c.key,
        title: c.title,
        svg: kindling_charts::compare::svg(&text, &first, &second),
        table: kindling_charts::compare::table_html(&text, &first, &second),
    }
}

/// What the page and the board's PDF both show: every outcome drawn and judged, and the headline counts.
struct Outcomes {
    series: Vec<Series>,
    /// Participants against comparable staff on one chart each, with the programme's start marked.
    compared: Vec<ComparedView>,
    charts: Vec<ChartView>,
    gaps: Vec<kindling_domain::mentoring::outcomes::Gap>,
    mentees: usize,
    matched: usize,
    sessions: usize,
}

async fn outcomes(state: &AppState, viewer: &Viewer, programme: &Programme) -> Result<Outcomes, AppError> {
    let facts = mentoring::outcome_facts(state.db(), viewer.organisation, programme.id).await?;
    let all = series(&facts, &this_month());
    let charts: Vec<ChartView> = all.iter().map(chart).collect();
    let gaps = recurring_gaps(&facts, 3);
    let mentees = facts.participants.iter().filter(|p| p.side == kindling_domain::mentoring::Side::Mentee).count();
    let matched = facts
        .matches
        .iter()
        .filter(|m| m.status != kindling_domain::mentoring::MatchStatus::Declined)
        .map(|m| m.mentee.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let started = kindling_domain::initiatives::CivilDate::from_unix_ms(programme.created_ms)
        .map(|d| format!("{}-{:02}", d.year, d.month))
        .unwrap_or_default();
    let compared = comparisons(&all).iter().map(|c| compared_view(c, &started)).collect();
    Ok(Outcomes { series: all, compared, charts, gaps, mentees, matched, sessions: facts.sessions.len() })
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    programme: &Programme,
    imported: &Imported,
) -> Result<Response, AppError> {
    let o = outcomes(state, viewer, programme).await?;
    let status = if imported.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = templates::render(
        "mentoring/outcomes.html",
        page! { title => format!("Outcomes: {}", programme.name), section => "mentoring", viewer => viewer.view(), programme => programme, leads => leads(viewer, programme), charts => o.charts, compared => o.compared, gaps => o.gaps, mentees => o.mentees, matched => o.matched, sessions => o.sessions, imported => imported, field_errors => field_errors(&imported.errors) },
    )?;
    Ok((status, html).into_response())
}

/// The outcomes on one A4 page for the board: the headline counts, then each outcome's latest month
/// and what its chart shows under the Making Data Count rules (the charts stay on the page).
pub async fn pdf(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let programme = load(&state, &viewer, &id).await?;
    let o = outcomes(&state, &viewer, &programme).await?;
    let document = board_document(&programme, &viewer.organisation_name, &o);
    let pdf = crate::exports::render(&state, move |fonts| {
        let pages = kindling_documents::layout::pages(&document, fonts);
        kindling_documents::pdf::write(&pages, &document.title, fonts)
    })
    .await?;
    Ok(crate::exports::download(pdf, "application/pdf", "mentoring-outcomes.pdf"))
}

/// The latest month of a series in words, as its chart reads it: a proportion as "3 of 40 (7.5%)", a
/// rate as so many per its unit, anything else as its value; with how many months the chart has.
fn latest(s: &Series) -> String {
    let Some(p) = s.points.last() else {
        return "No data yet".into();
    };
    let value = match (s.chart, p.n) {
        (Chart::P | Chart::PPrime, Some(n)) if n > 0.0 => {
            format!("{:.0} of {:.0} ({}%)", p.y, n, crate::evidence::number(100.0 * p.y / n))
        }
        (Chart::U | Chart::UPrime, Some(n)) if n > 0.0 => {
            format!("{} {}", crate::evidence::number(p.y / n), s.unit)
        }
        _ => crate::evidence::number(p.y),
    };
    let months = s.points.len();
    format!("{}: {value} ({months} month{})", p.month, if months == 1 { "" } else { "s" })
}

/// What the engine says of a chart, for a one-page table: a run chart named as such in two words
/// rather than in the sentence that explains why (the page's chart keeps the whole verdict).
fn for_the_board(verdict: &str) -> String {
    match verdict.split_once("so this is read as a run chart. ") {
        Some((why, rest)) if why.starts_with("Too few points for reliable limits") => format!("Run chart: {rest}"),
        _ => verdict.to_owned(),
    }
}

fn board_document(programme: &Programme, organisation: &str, o: &Outcomes) -> kindling_documents::Document {
    use kindling_documents::{Block, Column, Document};
    let today = crate::today();
    let rows: Vec<Vec<String>> = o
        .series
        .iter()
        .zip(&o.charts)
        .map(|(s, c)| {
            let shows = c.verdict.as_deref().map_or_else(|| "Too few months to judge yet".into(), for_the_board);
            vec![s.title.to_owned(), latest(s), shows]
        })
        .collect();
    Document {
        title: format!("Mentoring outcomes: {}", programme.name),
        subtitle: format!("{organisation}, prepared on {}", today.long()),
        blocks: vec![
            Block::Paragraph(format!(
                "{} mentees enrolled, {} matched; {} sessions held. Each outcome is judged month by month with NHS England's Making Data Count rules: a signal is a run of points, a trend, or a point beyond the limits, never one month against the last.",
                o.mentees, o.matched, o.sessions
            )),
            Block::Table {
                columns: vec![
                    Column::text("Outcome", 2.0),
                    Column::text("Latest month", 2.0),
                    Column::text("What the chart shows", 4.6),
                ],
                rows,
            },
            Block::Paragraph(format!(
                "The charts, with their tables, are on the programme's outcomes page in Kindling (/mentoring/programmes/{}/outcomes).",
                programme.id
            )),
        ],
    }
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Response, AppError> {
    let programme = load(&state, &viewer, &id).await?;
    render(&state, &viewer, &programme, &Imported::default()).await
}

/// The HR leavers file or the incidents file: all rows or none.
async fn import(
    state: AppState,
    viewer: Viewer,
    id: String,
    headers: HeaderMap,
    body: Bytes,
    which: &'static str,
) -> Result<Response, AppError> {
    let programme = load_led(&state, &viewer, &id).await?;
    let mut imported = Imported { which, ..Imported::default() };
    let field = if which == "hr" { "hr_file" } else { "incidents_file" };
    match crate::uploads::uploaded_file(&headers, &body).await?.1 {
        Err(message) => imported.errors.add(field, message),
        Ok((name, text)) => {
            let by = viewer.actor(now_ms());
            let outcome = if which == "hr" {
                match parse_hr(&text) {
                    Ok(months) => mentoring::import_hr(state.db(), by, &months).await.map(|()| Ok(months.len()))?,
                    Err(rows) => Err(rows),
                }
            } else {
                let units: Vec<String> = kindling_store::orgs::units(state.db(), viewer.organisation)
                    .await?
                    .into_iter()
                    .map(|u| u.name)
                    .collect();
                match parse_incidents(&text, &units) {
                    Ok(rows) => mentoring::import_incidents(state.db(), by, &rows).await.map(|()| Ok(rows.len()))?,
                    Err(rows) => Err(rows),
                }
            };
            match outcome {
                Ok(count) => imported.done = Some(count),
                Err(rows) => {
                    imported.errors.add(
                        field,
                        format!(
                            "{name} has {} row{} that cannot be imported: nothing was imported.",
                            rows.len(),
                            if rows.len() == 1 { "" } else { "s" }
                        ),
                    );
                    imported.rows = rows;
                }
            }
        }
    }
    render(&state, &viewer, &programme, &imported).await
}

pub async fn import_hr(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    import(state, viewer, id, headers, body, "hr").await
}

pub async fn import_incidents(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    import(state, viewer, id, headers, body, "incidents").await
}

#[cfg(test)]
mod tests {
    use kindling_domain::mentoring::outcomes::Point;
    use kindling_spc::{Chart, Improvement};

    use super::*;

    /// A series long enough for limits carries the Making Data Count variation icon beside its chart;
    /// 20 months of a steady 40 to 42 is common-cause variation.
    #[test]
    fn a_series_with_limits_has_its_variation_icon() {
        let points = (0..20)
            .map(|k| Point { month: format!("{}-{:02}", 2025 + k / 12, k % 12 + 1), y: f64::from(40 + k % 3), n: None })
            .collect();
        let series = Series {
            key: "sessions",
            title: "Mentoring sessions held",
            unit: "sessions in the month",
            chart: Chart::Xmr,
            improvement: Improvement::Increase,
            points,
        };
        let icon = chart(&series).icon.expect("an icon");
        assert!(icon.contains("aria-label=\"Variation: Common cause"), "{icon}");
    }

    /// Issue 19: enrolments of 135, 75, 10, 10, 10, 10, 10 and 3 were drawn around their mean (32.9)
    /// while the text said "runs around the median". Eight points are too few for limits, so the chart
    /// is a run chart: its centre is the median, (10 + 10) / 2 = 10, in the picture, the table and the
    /// words alike.
    #[test]
    fn a_short_series_is_drawn_and_read_around_its_median() {
        let points = [135.0, 75.0, 10.0, 10.0, 10.0, 10.0, 10.0, 3.0]
            .iter()
            .enumerate()
            .map(|(k, &y)| Point { month: format!("2026-{:02}", k + 1), y, n: None })
            .collect();
        let series = Series {
            key: "participation",
            title: "People enrolled each month",
            unit: "people enrolled",
            chart: Chart::Xmr,
            improvement: Improvement::Increase,
            points,
        };
        let view = chart(&series);
        let (svg, table, verdict) = (view.chart.unwrap(), view.table.unwrap(), view.verdict.unwrap());
        assert_eq!(view.icon, None, "a run chart has no variation icon");
        assert!(verdict.contains("read as a run chart") && verdict.contains("median"), "{verdict}");
        assert!(!svg.contains("32.9") && !table.contains("32.9"), "the mean is nowhere");
        // Each row's centre cell is 10, with no limits beside it.
        let centre_without_limits = "<td class=\"nhsuk-table__cell\">10</td><td class=\"nhsuk-table__cell\">–</td>";
        assert_eq!(table.matches(centre_without_limits).count(), 8, "{table}");
    }
}
