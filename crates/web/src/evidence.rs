//! What a measure's data say, ready for a page: the analysis, the verdict, the icons, the last value.
//! Shared by the measure page, the initiative's evidence panel, the dashboard and the API.

use std::collections::HashMap;
use std::sync::Mutex;

use kindling_charts::spc::{
    ChartText, assurance_caption, assurance_icon, svg, table_html, variation_caption, variation_icon,
};
use kindling_domain::ids::{InitiativeId, MeasureId, OrganisationId};
use kindling_domain::initiatives::CivilDate;
use kindling_domain::measures::{
    DataType, MeasureKind, Point, Signal, analyse_measure, chart_label, compare_measure_phases,
};
use kindling_spc::Analysis;
use kindling_spc::verdict::{comparison_in, verdict_in};
use kindling_store::measures::{Measure, Phase};
use serde::Serialize;

/// One measure as the pages show it.
#[derive(Clone, Debug, Serialize)]
pub struct MeasureView {
    pub id: i64,
    pub initiative: i64,
    pub name: String,
    pub kind: MeasureKind,
    pub kind_label: &'static str,
    pub category_label: &'static str,
    pub unit: Option<String>,
    pub direction_label: &'static str,
    pub target: Option<String>,
    pub chart_label: &'static str,
    /// Why the chart differs from the recommended one, if it does.
    pub chart_reason: Option<String>,
    pub recommended_chart_label: &'static str,
    pub signal: Signal,
    pub signal_label: &'static str,
    /// NHS.UK tag colour for the signal.
    pub signal_colour: &'static str,
    pub verdict: String,
    pub variation: Option<&'static str>,
    pub assurance: Option<&'static str>,
    /// What the icons say, in words.
    pub variation_label: Option<&'static str>,
    pub assurance_label: Option<&'static str>,
    /// Small labelled SVG icons (already escaped markup).
    pub variation_icon: Option<String>,
    pub assurance_icon: Option<String>,
    pub last_value: Option<String>,
    pub last_period: Option<String>,
    pub points: usize,
    /// A balancing measure showing special cause concern: the change may be causing harm elsewhere.
    pub balancing_concern: bool,
    /// Limits wholly on the wrong side of the target (MDC's "fail" assurance): it will not be met
    /// unless something changes.
    pub misses_target: bool,
    /// After a phase break, before versus after in words: each phase's centre and limits, and
    /// whether the new phase differs judged against the earlier limits.
    pub comparison: Option<String>,
}

impl MeasureView {
    /// The verdict, followed by before versus after when there is a phase break: what a summary in
    /// words (a learning review, a paper, a recorded decision) says of the measure.
    pub fn verdict_and_comparison(&self) -> String {
        match &self.comparison {
            Some(comparison) => format!("{} {comparison}", self.verdict),
            None => self.verdict.clone(),
        }
    }
}

/// A measure with its data and phase breaks, as read for evaluating it.
pub struct WithData {
    pub measure: kindling_store::measures::Measure,
    pub points: Vec<kindling_domain::measures::Point>,
    pub phases: Vec<kindling_store::measures::Phase>,
}

impl WithData {
    pub fn evaluate(&self) -> Evaluated {
        evaluate(&self.measure, &self.points, &self.phases)
    }
}

/// Every measure of an initiative with its data and phases, in the order they were added.
pub async fn with_data(
    db: &kindling_store::Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<WithData>, kindling_store::StoreError> {
    let mut out = Vec::new();
    for measure in kindling_store::measures::for_initiative(db, organisation, initiative).await? {
        let points = kindling_store::measures::points(db, measure.id).await?;
        let phases = kindling_store::measures::phases(db, measure.id).await?;
        out.push(WithData { measure, points, phases });
    }
    Ok(out)
}

/// Every measure of an initiative, evaluated, in the order they were added.
pub async fn of_initiative(
    db: &kindling_store::Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
) -> Result<Vec<MeasureView>, kindling_store::StoreError> {
    Ok(with_data(db, organisation, initiative).await?.iter().map(|m| m.evaluate().view).collect())
}

/// The evidence a move to `to` keeps: `Ok(None)` for a move that does not decide on the evidence,
/// `Ok(Some(lines))` for adopting or spreading, and `Err(message)` when a balancing measure of concern
/// has not been weighed. The page and the API both ask here, so the rule is in one place.
pub async fn for_move(
    db: &kindling_store::Db,
    organisation: OrganisationId,
    initiative: InitiativeId,
    to: kindling_domain::initiatives::Stage,
    acknowledged: bool,
) -> Result<Result<Option<String>, String>, kindling_store::StoreError> {
    if !to.decides_on_evidence() {
        return Ok(Ok(None));
    }
    let views = of_initiative(db, organisation, initiative).await?;
    Ok(at_decision(&views, acknowledged).map(Some))
}

/// What the measures show when a change is adopted or spread, one line per measure, kept with the
/// stage change. A balancing measure of concern must have been weighed by the decider
/// (`acknowledged`); otherwise the message that asks them to.
pub fn at_decision(views: &[MeasureView], acknowledged: bool) -> Result<String, String> {
    let concerns: Vec<&str> = views.iter().filter(|m| m.balancing_concern).map(|m| m.name.as_str()).collect();
    if !concerns.is_empty() && !acknowledged {
        return Err(format!(
            "Confirm that you have weighed the balancing {} of concern ({}) before adopting or spreading the change",
            if concerns.len() == 1 { "measure" } else { "measures" },
            concerns.join(", ")
        ));
    }
    if views.is_empty() {
        return Ok("No measures at the decision.".to_owned());
    }
    let mut lines: Vec<String> = views
        .iter()
        .map(|m| format!("{} measure {}: {}. {}", m.kind_label, m.name, m.signal_label, m.verdict_and_comparison()))
        .collect();
    if !concerns.is_empty() {
        lines.push(format!(
            "The decider weighed the balancing measure of concern and went ahead: {}.",
            concerns.join(", ")
        ));
    }
    Ok(lines.join("\n"))
}

/// A measure with its chart, for its own page and exports.
pub struct Evaluated {
    pub view: MeasureView,
    pub analysis: Option<Analysis>,
    pub labels: Vec<String>,
    target: Option<f64>,
}

impl Evaluated {
    pub fn svg(&self) -> Option<String> {
        let analysis = self.analysis.as_ref()?;
        Some(svg(analysis, &self.text()))
    }

    /// The chart with its element ids prefixed by `id`, for pages that show several charts.
    pub fn svg_as(&self, id: &str) -> Option<String> {
        let analysis = self.analysis.as_ref()?;
        Some(svg(analysis, &ChartText { id, ..self.text() }))
    }

    /// The chart on an axis that also includes `include`, so that charts of one measure at several
    /// sites share one scale.
    pub fn svg_sharing(&self, id: &str, include: Option<(f64, f64)>) -> Option<String> {
        let analysis = self.analysis.as_ref()?;
        Some(svg(analysis, &ChartText { id, include, ..self.text() }))
    }

    /// The lowest and highest value the chart draws, for [`Evaluated::svg_sharing`].
    pub fn extent(&self) -> Option<(f64, f64)> {
        kindling_charts::spc::extent(self.analysis.as_ref()?, self.target)
    }

    pub fn table(&self) -> Option<String> {
        let analysis = self.analysis.as_ref()?;
        Some(table_html(analysis, &self.text()))
    }

    fn text(&self) -> ChartText<'_> {
        ChartText {
            title: &self.view.name,
            verdict: &self.view.verdict,
            x_labels: &self.labels,
            target: self.target,
            id: "measure",
            include: None,
        }
    }
}

/// Numbers as people read them: up to three significant decimals, no trailing zeros.
pub fn number(v: f64) -> String {
    let text = if v.abs() >= 100.0 { format!("{v:.1}") } else { format!("{v:.3}") };
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
    if text == "-0" { "0".into() } else { text }
}

/// A value in the measure's own terms: proportions as percentages.
pub fn shown(data_type: DataType, v: f64) -> String {
    if data_type == DataType::Proportion { format!("{}%", number(v * 100.0)) } else { number(v) }
}

/// A difference between two values in the measure's own terms: between proportions, percentage
/// points (a gap from 80% to 85% is 5 percentage points, not 5%).
pub fn shown_gap(data_type: DataType, v: f64) -> String {
    if data_type == DataType::Proportion { format!("{} percentage points", number(v * 100.0)) } else { number(v) }
}

pub fn evaluate(measure: &Measure, points: &[Point], phases: &[Phase]) -> Evaluated {
    let d = &measure.draft;
    let starts: Vec<CivilDate> = phases.iter().map(|p| p.starts_on).collect();
    let labels: Vec<String> = points.iter().map(|p| p.period.iso()).collect();
    let analysis = if points.is_empty() { None } else { analyse_measure(d, points, &starts).ok() };
    let (signal, verdict_text) = match &analysis {
        Some(a) => (Signal::of(a), verdict_in(a, &labels, d.target, &|v| shown(d.data_type, v))),
        None if points.is_empty() => (Signal::TooFewPoints, "No data yet.".to_owned()),
        None => match analyse_measure(d, points, &starts) {
            Err(e) => (Signal::TooFewPoints, format!("These data cannot be charted yet: {e}.")),
            Ok(_) => (Signal::TooFewPoints, String::new()),
        },
    };
    // The latest plotted value; without a chart yet, the latest value as entered (a proportion as
    // its count over its total).
    let last = analysis
        .as_ref()
        .and_then(|a| {
            let i = a.points.iter().rposition(|p| p.value.is_some())?;
            Some((a.points[i].value?, labels[i].clone()))
        })
        .or_else(|| {
            let p = points.last()?;
            let value = match p.denominator {
                Some(n) if d.data_type.needs_denominator() && n > 0.0 => p.value / n,
                _ => p.value,
            };
            Some((value, p.period.iso()))
        });
    let view = MeasureView {
        id: measure.id.get(),
        initiative: measure.initiative.get(),
        name: d.name.clone(),
        kind: d.kind,
        kind_label: d.kind.label(),
        category_label: d.category.label(),
        unit: d.unit.clone(),
        direction_label: d.direction.label(),
        target: d.target.map(|t| shown(d.data_type, t)),
        chart_label: chart_label(d.chart()),
        chart_reason: d.chart_override.as_ref().map(|o| o.reason.clone()),
        recommended_chart_label: chart_label(d.data_type.recommended_chart()),
        signal,
        signal_label: signal.label(),
        signal_colour: match signal {
            Signal::Improvement => "blue",
            Signal::Concern => "orange",
            Signal::Change => "purple",
            Signal::NoChange => "grey",
            Signal::TooFewPoints => "white",
        },
        verdict: verdict_text,
        variation: analysis.as_ref().and_then(|a| a.variation).map(|v| v.name()),
        assurance: analysis.as_ref().and_then(|a| a.assurance).map(|a| a.name()),
        variation_label: analysis.as_ref().and_then(|a| a.variation).map(variation_caption),
        assurance_label: analysis.as_ref().and_then(|a| a.assurance).map(assurance_caption),
        variation_icon: analysis.as_ref().and_then(|a| a.variation).map(variation_icon),
        assurance_icon: analysis.as_ref().and_then(|a| a.assurance).map(assurance_icon),
        last_value: last.as_ref().map(|(v, _)| shown(d.data_type, *v)),
        last_period: last.map(|(_, p)| CivilDate::parse_iso(&p).map_or(p, CivilDate::long)),
        points: points.len(),
        balancing_concern: d.kind == MeasureKind::Balancing && signal == Signal::Concern,
        misses_target: analysis.as_ref().and_then(|a| a.assurance) == Some(kindling_spc::Assurance::Fail),
        comparison: analysis
            .as_ref()
            .filter(|_| !starts.is_empty())
            .and_then(|chart| compare_measure_phases(d, points, &starts, chart).ok().flatten())
            .map(|c| comparison_in(&c, &labels, &|v| shown(d.data_type, v))),
    };
    Evaluated { view, analysis, labels, target: d.target }
}

/// Each measure's view, kept until the measure's version changes (any change to its definition, data
/// or phases bumps it), so the dashboard analyses only what changed since it was last shown.
#[derive(Debug, Default)]
pub struct EvidenceCache(Mutex<HashMap<MeasureId, (i64, MeasureView)>>);

impl EvidenceCache {
    pub fn get(&self, id: MeasureId, version: i64) -> Option<MeasureView> {
        let map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&id).filter(|(v, _)| *v == version).map(|(_, view)| view.clone())
    }

    pub fn put(&self, id: MeasureId, version: i64, view: MeasureView) {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(id, (version, view));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(number(4.0), "4");
        assert_eq!(number(0.36), "0.36");
        assert_eq!(number(2.123456), "2.123");
        assert_eq!(number(1234.56), "1234.6");
        assert_eq!(shown(DataType::Proportion, 0.365), "36.5%");
    }
}
