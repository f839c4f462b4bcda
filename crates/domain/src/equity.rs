//! Equity: does the change work for everyone? Each subgroup of a measure (an age band, a site, a
//! deprivation quintile…) is analysed on its own, and two things are flagged:
//!
//! - a subgroup whose signal differs from the whole measure's (the whole improves, this group does not;
//!   or this group shows concern when the whole does not);
//! - a subgroup whose gap to the best subgroup has widened: the gap between the two groups' means over
//!   their last `WINDOW` points is larger than over their first `WINDOW` points. The best subgroup is
//!   the one with the best mean over its last `WINDOW` points, in the measure's better direction.
//!   Groups with fewer than `2 × WINDOW` points are not judged on gaps (too little to compare).

use kindling_spc::{Analysis, SpcError};
use serde::Serialize;

use crate::initiatives::CivilDate;
use crate::measures::{Direction, MeasureDraft, Point, Signal, analyse_measure};
use crate::people::slug_enum;

slug_enum!(
    /// What a measure's data are broken down by.
    Dimension, "breakdown" {
        Site = ("site", "Site"),
        AgeBand = ("age-band", "Age band"),
        Sex = ("sex", "Sex"),
        EthnicGroup = ("ethnic-group", "Ethnic group"),
        Deprivation = ("deprivation", "Deprivation quintile"),
        Other = ("other", "Another grouping"),
    }
);

/// Points at each end of a series that the gap is measured over.
pub const WINDOW: usize = 6;

/// What the analysis says about one subgroup.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubgroupFinding {
    pub subgroup: String,
    pub signal: Signal,
    /// Its signal differs from the whole measure's.
    pub differs: bool,
    /// Gap to the best subgroup at the start and at the end (in the plotted units), when judged.
    pub gap_start: Option<f64>,
    pub gap_end: Option<f64>,
    pub gap_widened: bool,
    /// This is the best subgroup (the reference for gaps).
    pub best: bool,
}

/// One subgroup's series, analysed.
pub struct SubgroupAnalysis {
    pub subgroup: String,
    pub analysis: Result<Analysis, SpcError>,
}

fn plotted(analysis: &Analysis) -> Vec<f64> {
    analysis.points.iter().filter_map(|p| p.value).collect()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Analyses each subgroup and compares it with the whole measure's signal and with the best subgroup.
pub fn assess(
    measure: &MeasureDraft,
    whole: Signal,
    groups: &[(String, Vec<Point>)],
    phase_starts: &[CivilDate],
) -> (Vec<SubgroupAnalysis>, Vec<SubgroupFinding>) {
    let analyses: Vec<SubgroupAnalysis> = groups
        .iter()
        .map(|(name, points)| SubgroupAnalysis {
            subgroup: name.clone(),
            analysis: analyse_measure(measure, points, phase_starts),
        })
        .collect();
    let series: Vec<Option<Vec<f64>>> =
        analyses.iter().map(|a| a.analysis.as_ref().ok().map(plotted).filter(|v| v.len() >= 2 * WINDOW)).collect();
    // Better means higher unless lower is better; with no better direction, gaps are not judged.
    let sign = match measure.direction {
        Direction::Increase => Some(1.0),
        Direction::Decrease => Some(-1.0),
        Direction::Neither => None,
    };
    let best = sign.and_then(|sign| {
        series
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, sign * mean(&s[s.len() - WINDOW..]))))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    });
    let findings = analyses
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let signal = a.analysis.as_ref().map_or(Signal::TooFewPoints, Signal::of);
            let gaps = best.filter(|b| *b != i).and_then(|b| {
                let (mine, theirs) = (series[i].as_ref()?, series[b].as_ref()?);
                let start = (mean(&mine[..WINDOW]) - mean(&theirs[..WINDOW])).abs();
                let end = (mean(&mine[mine.len() - WINDOW..]) - mean(&theirs[theirs.len() - WINDOW..])).abs();
                Some((start, end))
            });
            SubgroupFinding {
                subgroup: a.subgroup.clone(),
                signal,
                differs: signal != whole && signal != Signal::TooFewPoints && whole != Signal::TooFewPoints,
                gap_start: gaps.map(|g| g.0),
                gap_end: gaps.map(|g| g.1),
                gap_widened: gaps.is_some_and(|(start, end)| end > start),
                best: best == Some(i),
            }
        })
        .collect();
    (analyses, findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::{Frequency, MeasureForm};

    fn measure() -> MeasureDraft {
        MeasureForm {
            name: "Falls per 1,000 bed days".into(),
            kind: "outcome".into(),
            category: "equity".into(),
            numerator: "Falls".into(),
            source: "Incidents".into(),
            frequency: "monthly".into(),
            direction: "decrease".into(),
            data_type: "value".into(),
            ..MeasureForm::default()
        }
        .parse()
        .unwrap()
    }

    fn series(values: &[f64]) -> Vec<Point> {
        let first = CivilDate::new(2024, 1, 1).unwrap();
        values
            .iter()
            .enumerate()
            .map(|(k, v)| Point {
                period: Frequency::Monthly.step(first, k as u32).unwrap(),
                value: *v,
                denominator: None,
            })
            .collect()
    }

    /// Two age bands over 20 months. "65-79" falls from about 8 to about 4 after month 12 (a shift
    /// below the centre line: improvement, like the whole ward). "80+" stays about 8: no change, which
    /// differs from the whole; and its gap to the best group grows from about 0 to about 4.
    #[test]
    fn a_group_left_behind_is_flagged_twice() {
        let improving = [8., 9., 7., 8., 8., 9., 7., 8., 8., 9., 7., 8., 4., 5., 3., 4., 4., 5., 3., 4.];
        let flat = [8., 7., 9., 8., 8., 7., 9., 8., 8., 7., 9., 8., 8., 7., 9., 8., 8., 7., 9., 8.];
        let groups = vec![("65-79".to_owned(), series(&improving)), ("80+".to_owned(), series(&flat))];
        let (_, findings) = assess(&measure(), Signal::Improvement, &groups, &[]);
        let (young, old) = (&findings[0], &findings[1]);
        assert_eq!((young.signal, young.differs, young.best), (Signal::Improvement, false, true));
        assert_eq!((old.signal, old.differs, old.gap_widened), (Signal::NoChange, true, true));
        // Means over the first six months: 65-79 (8+9+7+8+8+9)/6 = 49/6, 80+ (8+7+9+8+8+7)/6 = 47/6;
        // over the last six: 65-79 (3+4+4+5+3+4)/6 = 23/6, 80+ (9+8+8+7+9+8)/6 = 49/6.
        assert!((old.gap_start.unwrap() - 2.0 / 6.0).abs() < 1e-12);
        assert!((old.gap_end.unwrap() - 26.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn short_series_are_not_judged_on_gaps() {
        let groups = vec![("A".to_owned(), series(&[5.0; 10])), ("B".to_owned(), series(&[6.0; 10]))];
        let (_, findings) = assess(&measure(), Signal::NoChange, &groups, &[]);
        assert!(findings.iter().all(|f| f.gap_start.is_none() && !f.gap_widened && !f.best));
    }
}
