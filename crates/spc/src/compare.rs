//! Before versus after: did the newest phase of a chart change the process?
//!
//! A phase break recalculates the limits, after which the newest phase is judged only against itself,
//! and a real improvement reads as "common cause". The question a team asks after a change is whether
//! the process after it differs from the process before it. Making Data Count answers it by holding
//! the earlier phase's limits and carrying them forward over the new points: a shift, a trend, a
//! point beyond the limits or two of three close to them, judged against the old process, is the
//! evidence that the new phase differs. This module does exactly that, with the same rules and options
//! as the chart itself.

use std::ops::Range;

use crate::analysis::{Analysis, Side, SpcError, SpecialCause, analyse};
use crate::limits::{Lines, Obs};
use crate::options::{Chart, Options};

/// One phase as the comparison reports it: where it runs and its own centre and limits.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseSummary {
    /// Indices into the series, first to last.
    pub points: Range<usize>,
    /// Points with a value.
    pub with_values: usize,
    /// The phase's centre (its mean, or its median when it is read as a run chart).
    pub centre: Option<f64>,
    /// The phase's process limits when they are the same at every point; `None` when they vary with
    /// each point's denominator (p and u charts) or cannot be computed.
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// What the newest phase shows against the earlier phase's limits carried forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Difference {
    /// Too few points in the two phases together for limits.
    TooFewPoints,
    /// No special-cause rule fires on the new points against the earlier limits.
    NoDifference,
    /// Special cause against the earlier limits, first seen at `from` (an index into the series).
    Differs { cause: SpecialCause, side: Side, rule: Rule, from: usize },
}

/// The rule that shows the difference, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    BeyondLimits,
    Trend,
    TwoOfThree,
    Shift,
}

/// The two newest phases of a chart compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub before: PhaseSummary,
    pub after: PhaseSummary,
    pub difference: Difference,
    /// The earlier phase has fewer points than the options call reliable for limits.
    pub before_is_short: bool,
    /// The chart is read as a run chart (too few points for limits), so each centre is a median.
    pub centre_is_median: bool,
}

/// Compares the newest phase of `observations` (split by `options.phase_starts`) with the phase
/// before it. `chart` is the chart as it is drawn, `analyse(observations, options)`, which the caller
/// has already computed: the phases' own summaries come from it. The difference comes from the two
/// phases analysed together as one, with the earlier phase as the baseline whose limits are carried
/// forward. `None` when the series has a single phase.
pub fn compare_newest_phases(
    chart: &Analysis,
    observations: &[Obs],
    options: &Options,
) -> Result<Option<Comparison>, SpcError> {
    if options.chart.uses_subgroups() || options.chart == Chart::Mr {
        return Ok(None);
    }
    let ranges = phase_ranges(chart);
    let [.., before, after] = ranges.as_slice() else {
        return Ok(None);
    };
    let (before, after) = (before.clone(), after.clone());
    let both = &observations[before.start..after.end];
    let mut carried = options.clone();
    carried.phase_starts.clear();
    carried.baseline = Some(before.len());
    let frozen = analyse(both, &carried)?;
    let difference = if frozen.chart == Chart::Run || frozen.variation.is_none() {
        Difference::TooFewPoints
    } else {
        frozen.points[before.len()..]
            .iter()
            .enumerate()
            .find_map(|(i, p)| {
                let side = p.side?;
                (p.special_cause != SpecialCause::None).then(|| Difference::Differs {
                    cause: p.special_cause,
                    side,
                    rule: strongest_rule(p, side),
                    from: after.start + i,
                })
            })
            .unwrap_or(Difference::NoDifference)
    };
    let before_summary = summary(chart, before);
    let before_is_short = options.short_phase_warning > 0 && before_summary.with_values < options.short_phase_warning;
    let centre_is_median = chart.chart == Chart::Run || chart.variation.is_none();
    Ok(Some(Comparison {
        before: before_summary,
        after: summary(chart, after),
        difference,
        before_is_short,
        centre_is_median,
    }))
}

fn strongest_rule(p: &crate::PointAnalysis, side: Side) -> Rule {
    let r = &p.rules;
    if r.beyond_limits == Some(side) {
        Rule::BeyondLimits
    } else if r.trend == Some(side) {
        Rule::Trend
    } else if r.two_of_three == Some(side) {
        Rule::TwoOfThree
    } else {
        Rule::Shift
    }
}

fn phase_ranges(analysis: &Analysis) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (i, p) in analysis.points.iter().enumerate() {
        match ranges.last_mut() {
            Some(r) if analysis.points[r.start].phase == p.phase => r.end = i + 1,
            _ => ranges.push(i..i + 1),
        }
    }
    ranges
}

fn summary(analysis: &Analysis, points: Range<usize>) -> PhaseSummary {
    let in_phase = &analysis.points[points.clone()];
    let first: Lines = in_phase[0].lines;
    let constant = in_phase.iter().all(|p| p.lines.lower == first.lower && p.lines.upper == first.upper);
    PhaseSummary {
        with_values: in_phase.iter().filter(|p| p.value.is_some()).count(),
        centre: first.centre,
        lower: first.lower.filter(|_| constant),
        upper: first.upper.filter(|_| constant),
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Improvement, Preset};

    fn xmr(values: &[f64], phase_start: usize, improvement: Improvement) -> Option<Comparison> {
        let mut options = Options::preset(Preset::Mdc, Chart::Xmr);
        options.improvement = improvement;
        options.phase_starts = vec![phase_start];
        let obs: Vec<Obs> = values.iter().map(|v| Obs { y: Some(*v), n: None }).collect();
        compare_newest_phases(&analyse(&obs, &options).unwrap(), &obs, &options).unwrap()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    /// Before: 12 points alternating 30 and 32 (mean 31; every moving range 2, so σ = 2.66 × 2 / 3 =
    /// 1.7733 and the limits are 31 ± 5.32 = 25.68 to 36.32, the 2σ lines 27.4533 and 34.5467).
    /// After: 8 points alternating 26 and 27 (mean 26.5; moving ranges 1, limits 26.5 ± 2.66 = 23.84
    /// to 29.16). Against the earlier limits, the first three new points (26, 27, 26) all lie beyond
    /// the lower 2σ line and inside the lower limit: two of three, flagged from the first new point
    /// (SPEC.md rule 4 flags the points beyond 2σ). All eight are below 31, a shift too, but two of
    /// three is the stronger rule. With lower better, an improvement. Computed by hand.
    #[test]
    fn a_new_phase_below_the_old_limits_differs_as_an_improvement() {
        let mut values: Vec<f64> = (0..12).map(|i| if i % 2 == 0 { 30.0 } else { 32.0 }).collect();
        values.extend((0..8).map(|i| if i % 2 == 0 { 26.0 } else { 27.0 }));
        let c = xmr(&values, 12, Improvement::Decrease).unwrap();
        assert_eq!(c.before.points, 0..12);
        assert_eq!(c.after.points, 12..20);
        assert!(close(c.before.centre, 31.0));
        assert!(close(c.before.lower, 25.68) && close(c.before.upper, 36.32));
        assert!(close(c.after.centre, 26.5));
        assert!(close(c.after.lower, 23.84) && close(c.after.upper, 29.16));
        assert_eq!(
            c.difference,
            Difference::Differs { cause: SpecialCause::Improvement, side: Side::Low, rule: Rule::TwoOfThree, from: 12 }
        );
        assert!(!c.before_is_short);
    }

    /// The same new phase when higher is better: the same evidence, read as a concern.
    #[test]
    fn the_direction_decides_what_the_difference_means() {
        let mut values: Vec<f64> = (0..12).map(|i| if i % 2 == 0 { 30.0 } else { 32.0 }).collect();
        values.extend((0..8).map(|i| if i % 2 == 0 { 26.0 } else { 27.0 }));
        let c = xmr(&values, 12, Improvement::Increase).unwrap();
        assert!(matches!(c.difference, Difference::Differs { cause: SpecialCause::Concern, side: Side::Low, .. }));
    }

    /// A new phase that carries on like the old one: 12 + 8 points alternating 30 and 32. No point
    /// leaves 25.68–36.32, none is beyond the 2σ lines (27.45, 34.55), the runs alternate and the
    /// trend never exceeds two points: no difference.
    #[test]
    fn a_new_phase_like_the_old_one_does_not_differ() {
        let values: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { 30.0 } else { 32.0 }).collect();
        let c = xmr(&values, 12, Improvement::Decrease).unwrap();
        assert_eq!(c.difference, Difference::NoDifference);
    }

    /// The series with a break before its ninth point: 11 points are too few for limits
    /// (MDC asks 15), so the comparison says so rather than judging, and the earlier phase is short.
    #[test]
    fn too_few_points_are_not_judged() {
        let values = [30.0, 32.0, 31.0, 29.0, 33.0, 31.0, 30.0, 55.0, 32.0, 31.0, 30.0];
        let c = xmr(&values, 8, Improvement::Decrease).unwrap();
        assert_eq!(c.difference, Difference::TooFewPoints);
        assert!(c.before_is_short && c.centre_is_median);
        // Read as a run chart, each phase's centre is its median: 31 before (30 29 30 31 31 32 33 55
        // sorted has 31 and 31 in the middle), 31 after (30 31 32).
        assert!(close(c.before.centre, 31.0) && close(c.after.centre, 31.0));
    }

    #[test]
    fn a_single_phase_has_nothing_to_compare() {
        let values: Vec<f64> = (0..20).map(f64::from).collect();
        let mut options = Options::preset(Preset::Mdc, Chart::Xmr);
        options.phase_starts.clear();
        let obs: Vec<Obs> = values.iter().map(|v| Obs { y: Some(*v), n: None }).collect();
        assert_eq!(compare_newest_phases(&analyse(&obs, &options).unwrap(), &obs, &options).unwrap(), None);
    }
}
