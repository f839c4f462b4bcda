//! The plain-language verdict: one or two sentences a ward manager understands, saying whether there is
//! evidence of change, which way, since when, and on what evidence.

use crate::analysis::{Analysis, Assurance, PointAnalysis, Side, SpecialCause};
use crate::calendar::MONTHS;
use crate::compare::{Comparison, Difference, PhaseSummary, Rule};
use crate::options::Chart;

/// "2025-03-03" becomes "3 March 2025"; anything else (an integer period) becomes "point 12".
fn when(label: &str) -> String {
    let parts: Vec<&str> = label.split('-').collect();
    if let [y, m, d] = parts[..]
        && let (Ok(m), Ok(d)) = (m.parse::<usize>(), d.parse::<u32>())
        && (1..=12).contains(&m)
    {
        return format!("{d} {} {y}", MONTHS[m - 1]);
    }
    format!("point {label}")
}

fn number(v: f64) -> String {
    let text = format!("{v:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The verdict for an analysis whose points are labelled by `x` (ISO dates or period numbers), with
/// values written as plain numbers.
pub fn verdict(analysis: &Analysis, x: &[String], target: Option<f64>) -> String {
    verdict_in(analysis, x, target, &number)
}

/// The verdict with values (the average, the target) written by `unit`, so that a proportion the
/// engine holds as 0.844 reads as the measure's own "84.4%".
pub fn verdict_in(analysis: &Analysis, x: &[String], target: Option<f64>, unit: &dyn Fn(f64) -> String) -> String {
    let label = |i: usize| x.get(i).map(|s| when(s)).unwrap_or_else(|| format!("point {}", i + 1));
    let Some(last) = analysis.points.iter().rposition(|p| p.value.is_some()) else {
        return "No data yet.".to_owned();
    };
    if analysis.chart == Chart::Run || analysis.variation.is_none() {
        return run_verdict(analysis, last, &label);
    }
    let point = &analysis.points[last];
    let phase_start = analysis.points.iter().position(|p| p.phase == point.phase).unwrap_or(0);
    let mut sentence = match point.special_cause {
        SpecialCause::None => {
            let earlier = (phase_start..last).rev().find(|&i| analysis.points[i].special_cause != SpecialCause::None);
            let average = point.lines.centre.map(|c| format!(" around an average of {}", unit(c))).unwrap_or_default();
            let mut s = format!(
                "Common cause variation: no sign of change at the latest point; the process is stable{average} since {}.",
                label(phase_start)
            );
            if let Some(i) = earlier {
                s.push_str(&format!(
                    " There was special cause {} on {}.",
                    cause_word(analysis.points[i].special_cause),
                    label(i)
                ));
            }
            s
        }
        cause => format!("Special cause {}: {}.", cause_word(cause), evidence(analysis, last, &label)),
    };
    if let (Some(assurance), Some(t)) = (analysis.assurance, target) {
        sentence.push(' ');
        sentence.push_str(&match assurance {
            Assurance::Pass => format!("The process will consistently meet the target of {}.", unit(t)),
            Assurance::Fail => {
                format!("The process will not meet the target of {} unless something changes.", unit(t))
            }
            Assurance::HitAndMiss => {
                format!("The process will sometimes meet the target of {} and sometimes miss it.", unit(t))
            }
        });
    }
    sentence
}

fn cause_word(cause: SpecialCause) -> &'static str {
    match cause {
        SpecialCause::Improvement => "improvement",
        SpecialCause::Concern => "concern",
        _ => "variation (neither better nor worse)",
    }
}

/// The strongest evidence at point `i`, counted back to where it began.
fn evidence(analysis: &Analysis, i: usize, label: &dyn Fn(usize) -> String) -> String {
    let points = &analysis.points;
    let p: &PointAnalysis = &points[i];
    let side_word = |s: Side, above: &'static str, below: &'static str| if s == Side::High { above } else { below };
    let average = if analysis.chart == Chart::Run { "median" } else { "average" };
    let start_of = |matches: &dyn Fn(&PointAnalysis) -> bool| {
        let mut start = i;
        while start > 0 && matches(&points[start - 1]) {
            start -= 1;
        }
        start
    };
    if let Some(side) = p.rules.beyond_limits {
        return format!(
            "the latest value, on {}, is {} the {} process limit",
            label(i),
            side_word(side, "above", "below"),
            side_word(side, "upper", "lower")
        );
    }
    if let Some(side) = p.rules.trend {
        let start = start_of(&|q| q.rules.trend == Some(side));
        let count = points[start..=i].iter().filter(|q| q.rules.trend.is_some()).count();
        return format!("{count} points in a row {} since {}", side_word(side, "rising", "falling"), label(start));
    }
    if let Some(side) = p.rules.shift {
        let start = start_of(&|q| q.rules.shift == Some(side) || (q.value.is_some() && q.lines.centre == q.value));
        let count = points[start..=i].iter().filter(|q| q.rules.shift.is_some()).count();
        return format!(
            "{count} points in a row {} the {average} since {}",
            side_word(side, "above", "below"),
            label(start)
        );
    }
    if let Some(side) = p.rules.two_of_three {
        return format!(
            "two of the last three points are close to the {} process limit",
            side_word(side, "upper", "lower")
        );
    }
    String::from("a special-cause rule fired")
}

fn run_verdict(analysis: &Analysis, last: usize, label: &dyn Fn(usize) -> String) -> String {
    let phase = analysis.points[last].phase;
    let prefix = if analysis.chart == Chart::Run {
        String::new()
    } else {
        format!(
            "Too few points for reliable limits ({} so far), so this is read as a run chart. ",
            analysis.points.iter().filter(|p| p.value.is_some()).count()
        )
    };
    let Some(runs) = analysis.runs.iter().find(|r| r.phase == phase) else {
        return format!("{prefix}No data yet.");
    };
    let since = label(analysis.points.iter().position(|p| p.phase == phase).unwrap_or(0));
    if !runs.signal {
        return format!(
            "{prefix}No signal of change since {since}: the runs around the median are what chance would give."
        );
    }
    let mut reasons = Vec::new();
    if let (Some(longest), Some(max)) = (runs.longest_run, runs.longest_run_max)
        && longest > max
    {
        reasons.push(format!(
            "a run of {longest} points on one side of the median (more than {max} is unlikely by chance)"
        ));
    }
    if let (Some(crossings), Some(min)) = (runs.crossings, runs.crossings_min)
        && crossings < min
    {
        reasons.push(format!("only {crossings} crossings of the median (fewer than {min} is unlikely by chance)"));
    }
    format!("{prefix}Signal of change since {since}: {}.", reasons.join(" and "))
}

/// Before versus after, in one or two sentences: each phase's centre and limits in the measure's
/// unit, then whether the newest phase differs from the earlier one judged against its limits.
pub fn comparison_in(c: &Comparison, x: &[String], unit: &dyn Fn(f64) -> String) -> String {
    let label = |i: usize| x.get(i).map(|s| when(s)).unwrap_or_else(|| format!("point {}", i + 1));
    let centre_word = if c.centre_is_median { "median" } else { "average" };
    let phase = |name: &str, p: &PhaseSummary, to: bool| {
        let span = if to {
            format!("{} to {}", label(p.points.start), label(p.points.end - 1))
        } else {
            format!("from {}", label(p.points.start))
        };
        let points = if p.with_values == 1 { "1 point".to_owned() } else { format!("{} points", p.with_values) };
        let centre = p.centre.map(|v| format!(": {centre_word} {}", unit(v))).unwrap_or_default();
        let limits = match (p.lower, p.upper) {
            (Some(l), Some(u)) => format!(", limits {} to {}", unit(l), unit(u)),
            _ => String::new(),
        };
        format!("{name} ({span}, {points}){centre}{limits}.")
    };
    let mut text = format!("{} {}", phase("Before the change", &c.before, true), phase("After", &c.after, false));
    text.push(' ');
    text.push_str(&match c.difference {
        Difference::TooFewPoints => {
            "There are too few points in the two phases to judge yet whether the process changed.".to_owned()
        }
        Difference::NoDifference => {
            "Judged against the limits from before the change, the new phase shows no sign of a difference yet."
                .to_owned()
        }
        Difference::Differs { cause, side, rule, from } => {
            let high = side == Side::High;
            let how = match rule {
                Rule::BeyondLimits => format!("a point beyond the earlier {} limit", if high { "upper" } else { "lower" }),
                Rule::Trend => format!("points in a row {}", if high { "rising" } else { "falling" }),
                Rule::TwoOfThree => {
                    format!("two of three points close to the earlier {} limit", if high { "upper" } else { "lower" })
                }
                Rule::Shift => format!("points in a row {} the earlier {centre_word}", if high { "above" } else { "below" }),
            };
            format!(
                "Judged against the limits from before the change, the new phase differs: special cause {} from {} ({how}).",
                cause_word(cause),
                label(from)
            )
        }
    });
    if c.before_is_short {
        text.push_str(" The earlier phase is short, so its limits are a rough guide.");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Improvement, Obs, Options, Preset, analyse};

    fn dates(n: usize) -> Vec<String> {
        // Weekly from Monday 6 January 2025.
        const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        (0..n)
            .map(|i| {
                let (mut month, mut day) = (0, 6 + 7 * i);
                while day > DAYS[month] {
                    day -= DAYS[month];
                    month += 1;
                }
                format!("2025-{:02}-{day:02}", month + 1)
            })
            .collect()
    }

    fn check(values: &[f64], improvement: Improvement, target: Option<f64>, expected: &str) {
        let mut options = Options::preset(Preset::Mdc, crate::Chart::Xmr);
        options.improvement = improvement;
        options.target = target;
        let obs: Vec<Obs> = values.iter().map(|v| Obs { y: Some(*v), n: None }).collect();
        let analysis = analyse(&obs, &options).unwrap();
        assert_eq!(verdict(&analysis, &dates(values.len()), target), expected);
    }

    /// Twelve points alternating around 10, then eight at 12: with the average at about 10.8, the last
    /// eight are all above it, a shift of 8 starting at the 13th week (31 March 2025).
    #[test]
    fn a_shift_is_described_with_its_length_and_start() {
        let mut values: Vec<f64> = (0..12).map(|i| if i % 2 == 0 { 9.6 } else { 10.4 }).collect();
        values.extend([12.0, 12.2, 11.8, 12.1, 11.9, 12.0, 12.3, 11.7]);
        check(
            &values,
            Improvement::Increase,
            None,
            "Special cause improvement: 8 points in a row above the average since 31 March 2025.",
        );
        check(
            &values,
            Improvement::Decrease,
            None,
            "Special cause concern: 8 points in a row above the average since 31 March 2025.",
        );
    }

    #[test]
    fn a_stable_process_with_a_target_says_whether_it_will_meet_it() {
        let values: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { 49.0 } else { 51.0 }).collect();
        // Mean 50, mean moving range 2: limits 50 ± 5.32, so a target of 40 is always met when higher is
        // better, never met when lower is better, and 50 is met only some of the time.
        check(
            &values,
            Improvement::Increase,
            Some(40.0),
            "Common cause variation: no sign of change at the latest point; the process is stable around an average of 50 since 6 January 2025. The process will consistently meet the target of 40.",
        );
        check(
            &values,
            Improvement::Decrease,
            Some(40.0),
            "Common cause variation: no sign of change at the latest point; the process is stable around an average of 50 since 6 January 2025. The process will not meet the target of 40 unless something changes.",
        );
        check(
            &values,
            Improvement::Increase,
            Some(50.0),
            "Common cause variation: no sign of change at the latest point; the process is stable around an average of 50 since 6 January 2025. The process will sometimes meet the target of 50 and sometimes miss it.",
        );
    }

    #[test]
    fn a_point_beyond_a_limit_is_named() {
        let mut values: Vec<f64> = (0..19).map(|i| if i % 2 == 0 { 49.0 } else { 51.0 }).collect();
        values.push(70.0);
        check(
            &values,
            Improvement::Increase,
            None,
            "Special cause improvement: the latest value, on 19 May 2025, is above the upper process limit.",
        );
    }

    /// A p chart of 80 out of 100 each week: the engine's centre is the fraction 0.8, the measure's
    /// unit is the percentage, and the verdict speaks the unit it is given, target included. The
    /// limits are 0.8 ± 3·√(0.8·0.2/100) = 0.68 to 0.92, so a target of 60% is always met.
    #[test]
    fn values_are_written_in_the_unit_given() {
        let mut options = Options::preset(Preset::Mdc, crate::Chart::P);
        options.improvement = Improvement::Increase;
        options.target = Some(0.6);
        let obs: Vec<Obs> = (0..20).map(|_| Obs { y: Some(80.0), n: Some(100.0) }).collect();
        let analysis = analyse(&obs, &options).unwrap();
        let percent = |v: f64| format!("{}%", number(v * 100.0));
        assert_eq!(
            verdict_in(&analysis, &dates(20), Some(0.6), &percent),
            "Common cause variation: no sign of change at the latest point; the process is stable around an average of 80% since 6 January 2025. The process will consistently meet the target of 60%."
        );
        assert!(verdict(&analysis, &dates(20), Some(0.6)).contains("an average of 0.8 "));
    }

    #[test]
    fn too_few_points_are_read_as_a_run_chart() {
        check(
            &[1.0, 2.0, 3.0, 2.0, 1.0],
            Improvement::Increase,
            None,
            "Too few points for reliable limits (5 so far), so this is read as a run chart. No signal of change since 6 January 2025: the runs around the median are what chance would give.",
        );
    }

    #[test]
    fn dates_read_as_people_write_them() {
        assert_eq!(when("2025-03-03"), "3 March 2025");
        assert_eq!(when("12"), "point 12");
        assert_eq!(number(10.500), "10.5");
        assert_eq!(number(0.1234), "0.123");
    }

    /// The hand-computed case of `compare`'s tests, in words: weekly from 6 January 2025, the change
    /// at the 13th week (31 March 2025), the last point of the earlier phase on 24 March.
    #[test]
    fn before_and_after_read_in_words() {
        let mut values: Vec<f64> = (0..12).map(|i| if i % 2 == 0 { 30.0 } else { 32.0 }).collect();
        values.extend((0..8).map(|i| if i % 2 == 0 { 26.0 } else { 27.0 }));
        let mut options = Options::preset(Preset::Mdc, crate::Chart::Xmr);
        options.improvement = Improvement::Decrease;
        options.phase_starts = vec![12];
        let obs: Vec<Obs> = values.iter().map(|v| Obs { y: Some(*v), n: None }).collect();
        let chart = analyse(&obs, &options).unwrap();
        let c = crate::compare::compare_newest_phases(&chart, &obs, &options).unwrap().unwrap();
        assert_eq!(
            comparison_in(&c, &dates(values.len()), &number),
            "Before the change (6 January 2025 to 24 March 2025, 12 points): average 31, limits 25.68 to 36.32. \
             After (from 31 March 2025, 8 points): average 26.5, limits 23.84 to 29.16. \
             Judged against the limits from before the change, the new phase differs: special cause improvement \
             from 31 March 2025 (two of three points close to the earlier lower limit)."
        );
    }
}
