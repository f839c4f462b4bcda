//! The analysis of one series: lines per point, the special-cause rules, the Anhøj runs analysis per
//! phase, and the variation and assurance icons.

use crate::limits::{Lines, Obs, Subgroup, phase_lines, subgroup_lines};
use crate::options::{Chart, Conflict, Improvement, Options, TargetOnLimit};
use crate::stats::binomial_half_quantile;

/// Above or below the centre line (or rising or falling, for a trend).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    High,
    Low,
}

/// Which special-cause rules a point is part of, and on which side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    pub beyond_limits: Option<Side>,
    pub shift: Option<Side>,
    pub trend: Option<Side>,
    pub two_of_three: Option<Side>,
}

impl Rules {
    /// The rules in order of strength (the order NHSRplotthedots uses to settle conflicts).
    pub fn in_precedence(&self) -> [(&'static str, Option<Side>); 4] {
        [
            ("beyond_limits", self.beyond_limits),
            ("trend", self.trend),
            ("two_of_three", self.two_of_three),
            ("shift", self.shift),
        ]
    }

    /// The names of the rules that fired, in the order the output lists them.
    pub fn names(&self) -> Vec<&'static str> {
        [
            ("beyond_limits", self.beyond_limits),
            ("shift", self.shift),
            ("trend", self.trend),
            ("two_of_three", self.two_of_three),
        ]
        .into_iter()
        .filter_map(|(name, side)| side.map(|_| name))
        .collect()
    }
}

/// What a point's special cause means, given the improvement direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpecialCause {
    Improvement,
    Concern,
    Neutral,
    None,
}

impl SpecialCause {
    pub fn name(self) -> &'static str {
        match self {
            SpecialCause::Improvement => "improvement",
            SpecialCause::Concern => "concern",
            SpecialCause::Neutral => "neutral",
            SpecialCause::None => "none",
        }
    }
}

/// One point of the analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct PointAnalysis {
    /// The plotted value (a proportion or rate for p and u charts, a subgroup mean or SD for Xbar and S,
    /// a moving range for the MR chart); `None` if missing.
    pub value: Option<f64>,
    /// 0 for the first phase, 1 after the first recalculation, and so on.
    pub phase: usize,
    pub lines: Lines,
    pub rules: Rules,
    pub special_cause: SpecialCause,
    /// The side of the special cause that decided `special_cause`.
    pub side: Option<Side>,
}

/// The Anhøj runs analysis of one phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunsAnalysis {
    pub phase: usize,
    /// Points not on the centre line (and not missing).
    pub n_useful: usize,
    /// The counts and thresholds below are `None` when there are no useful points.
    pub longest_run: Option<usize>,
    /// A longest run above this signals: round(log2(n_useful)) + 3.
    pub longest_run_max: Option<usize>,
    pub crossings: Option<usize>,
    /// Fewer crossings than this signals: the 5% quantile of Binomial(n_useful − 1, ½).
    pub crossings_min: Option<usize>,
    pub signal: bool,
}

/// The MDC variation icon: what the last point says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variation {
    CommonCause,
    ImprovementHigh,
    ImprovementLow,
    ConcernHigh,
    ConcernLow,
    NeitherHigh,
    NeitherLow,
}

impl Variation {
    pub fn name(self) -> &'static str {
        match self {
            Variation::CommonCause => "common_cause",
            Variation::ImprovementHigh => "improvement_high",
            Variation::ImprovementLow => "improvement_low",
            Variation::ConcernHigh => "concern_high",
            Variation::ConcernLow => "concern_low",
            Variation::NeitherHigh => "neither_high",
            Variation::NeitherLow => "neither_low",
        }
    }
}

/// The MDC assurance icon: can the process be relied on to meet its target?
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Assurance {
    Pass,
    Fail,
    HitAndMiss,
}

impl Assurance {
    pub fn name(self) -> &'static str {
        match self {
            Assurance::Pass => "pass",
            Assurance::Fail => "fail",
            Assurance::HitAndMiss => "hit_and_miss",
        }
    }
}

/// Everything the engine says about one series.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub chart: Chart,
    pub improvement: Improvement,
    pub points: Vec<PointAnalysis>,
    pub runs: Vec<RunsAnalysis>,
    /// `None` when the chart has no limits (a run chart, or too few points).
    pub variation: Option<Variation>,
    pub assurance: Option<Assurance>,
    pub warnings: Vec<String>,
}

/// Why a series cannot be analysed. Indices are positions in the input.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SpcError {
    #[error("{} needs at least {needed} points with values; this series has {got}", chart.with_article())]
    TooFewPoints { chart: Chart, needed: usize, got: usize },
    #[error("point {index} has no denominator, which {} needs", chart.with_article())]
    MissingDenominator { index: usize, chart: Chart },
    #[error("point {index} has a denominator of zero or less")]
    ZeroDenominator { index: usize },
    #[error("point {index} is a negative count, which {} cannot have", chart.with_article())]
    NegativeCount { index: usize, chart: Chart },
    #[error("point {index} is not a finite number")]
    NotFinite { index: usize },
    #[error("point {index}: a t chart needs times greater than zero")]
    NonPositiveTime { index: usize },
    #[error("{0}")]
    InvalidOption(String),
}

fn check_options(options: &Options) -> Result<(), SpcError> {
    for (name, n) in [("shift", options.shift), ("trend", options.trend)] {
        if !(6..=8).contains(&n) {
            return Err(SpcError::InvalidOption(format!("{name} must be 6, 7 or 8 points, not {n}")));
        }
    }
    if options.baseline.is_some_and(|b| b < 2) {
        return Err(SpcError::InvalidOption("a baseline needs at least 2 points".into()));
    }
    if !(options.multiplier.is_finite() && options.multiplier > 0.0) {
        return Err(SpcError::InvalidOption("the sigma multiplier must be a positive number".into()));
    }
    Ok(())
}

/// The phase of each point, from the indices where new phases start.
fn phases(len: usize, starts: &[usize]) -> Vec<usize> {
    let mut starts: Vec<usize> = starts.iter().copied().filter(|s| *s > 0 && *s < len).collect();
    starts.sort_unstable();
    starts.dedup();
    (0..len).map(|i| starts.iter().take_while(|s| **s <= i).count()).collect()
}

/// Analyses one series of values (or numerators with denominators) in time order.
pub fn analyse(observations: &[Obs], options: &Options) -> Result<Analysis, SpcError> {
    check_options(options)?;
    if options.chart.uses_subgroups() {
        return Err(SpcError::InvalidOption(format!(
            "a {} chart takes subgroups: use analyse_subgroups",
            options.chart
        )));
    }
    validate(observations, options.chart)?;
    // Run, XmR and MR charts of a numerator with a denominator chart the ratio.
    let ratios: Vec<Obs>;
    let observations =
        if matches!(options.chart, Chart::Run | Chart::Xmr | Chart::Mr) && observations.iter().any(|o| o.n.is_some()) {
            ratios = observations
                .iter()
                .map(|o| Obs { y: o.y.zip(o.n).map(|(y, n)| y / n).or(o.y.filter(|_| o.n.is_none())), n: None })
                .collect();
            &ratios[..]
        } else {
            observations
        };
    let phase_of = phases(observations.len(), &options.phase_starts);
    let mut lines = Vec::with_capacity(observations.len());
    for (phase, range) in phase_ranges(&phase_of) {
        let obs = &observations[range.clone()];
        let base = baseline_indices(obs.len(), phase, options);
        lines.extend(phase_lines(obs, &base, options));
    }
    let values: Vec<Option<f64>> = match options.chart {
        Chart::P | Chart::PPrime | Chart::U | Chart::UPrime => observations.iter().map(|o| Some(o.y? / o.n?)).collect(),
        Chart::Mr => mr_values(observations, &phase_of, options.bridge_missing),
        _ => observations.iter().map(|o| o.y).collect(),
    };
    Ok(finish(values, lines, phase_of, options))
}

/// Analyses subgroups (Xbar and S charts): each inner slice is one subgroup's raw values, in time order.
pub fn analyse_subgroups(groups: &[Vec<f64>], options: &Options) -> Result<Analysis, SpcError> {
    check_options(options)?;
    if !options.chart.uses_subgroups() {
        return Err(SpcError::InvalidOption(format!(
            "a {} chart takes one value per point: use analyse",
            options.chart
        )));
    }
    for (index, g) in groups.iter().enumerate() {
        if g.iter().any(|v| !v.is_finite()) {
            return Err(SpcError::NotFinite { index });
        }
    }
    let summaries: Vec<Option<Subgroup>> = groups.iter().map(|g| Subgroup::of(g)).collect();
    let usable = summaries.iter().filter(|s| s.is_some_and(|s| s.size >= 2)).count();
    if usable < 2 {
        return Err(SpcError::TooFewPoints { chart: options.chart, needed: 2, got: usable });
    }
    let phase_of = phases(groups.len(), &options.phase_starts);
    let mut lines = Vec::with_capacity(groups.len());
    for (phase, range) in phase_ranges(&phase_of) {
        let base = baseline_indices(range.len(), phase, options);
        lines.extend(subgroup_lines(&summaries[range], &base, options.chart));
    }
    let values = summaries
        .iter()
        .map(|s| s.and_then(|s| if options.chart == Chart::Xbar { Some(s.mean) } else { s.sd }))
        .collect();
    Ok(finish(values, lines, phase_of, options))
}

fn validate(observations: &[Obs], chart: Chart) -> Result<(), SpcError> {
    for (index, o) in observations.iter().enumerate() {
        if o.y.is_some_and(|y| !y.is_finite()) || o.n.is_some_and(|n| !n.is_finite()) {
            return Err(SpcError::NotFinite { index });
        }
        if o.n.is_some_and(|n| n <= 0.0) {
            return Err(SpcError::ZeroDenominator { index });
        }
        if chart.needs_denominator() && o.y.is_some() {
            match o.n {
                None => return Err(SpcError::MissingDenominator { index, chart }),
                Some(n) if n <= 0.0 => return Err(SpcError::ZeroDenominator { index }),
                _ => {}
            }
        }
        let counts = matches!(chart, Chart::P | Chart::PPrime | Chart::U | Chart::UPrime | Chart::C | Chart::G);
        if counts && o.y.is_some_and(|y| y < 0.0) {
            return Err(SpcError::NegativeCount { index, chart });
        }
        if chart == Chart::T && o.y.is_some_and(|y| y <= 0.0) {
            return Err(SpcError::NonPositiveTime { index });
        }
    }
    let with_values = observations.iter().filter(|o| o.y.is_some()).count();
    let needed = match chart {
        Chart::Run | Chart::C | Chart::G | Chart::P | Chart::U => 1,
        _ => 2,
    };
    if with_values < needed {
        return Err(SpcError::TooFewPoints { chart, needed, got: with_values });
    }
    Ok(())
}

/// Contiguous index ranges of each phase.
fn phase_ranges(phase_of: &[usize]) -> Vec<(usize, std::ops::Range<usize>)> {
    let mut ranges: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for (i, &p) in phase_of.iter().enumerate() {
        match ranges.last_mut() {
            Some((q, r)) if *q == p => r.end = i + 1,
            _ => ranges.push((p, i..i + 1)),
        }
    }
    ranges
}

/// The points of a phase that set its limits: all of them, or the first N of the first phase.
fn baseline_indices(len: usize, phase: usize, options: &Options) -> Vec<usize> {
    match options.baseline {
        Some(n) if phase == 0 => (0..len.min(n)).collect(),
        _ => (0..len).collect(),
    }
}

/// The moving ranges plotted on an MR chart: none at the first point of each phase.
fn mr_values(observations: &[Obs], phase_of: &[usize], bridge: bool) -> Vec<Option<f64>> {
    let mut out = vec![None; observations.len()];
    let mut previous: Option<f64> = None;
    for (i, o) in observations.iter().enumerate() {
        if i > 0 && phase_of[i] != phase_of[i - 1] {
            previous = None;
        }
        match o.y {
            Some(y) => {
                out[i] = previous.map(|p| (y - p).abs());
                previous = Some(y);
            }
            None if !bridge => previous = None,
            None => {}
        }
    }
    out
}

/// The largest value whose limits can be computed: sums of a hundred thousand such values, and three
/// times their moving ranges, stay far inside double precision.
pub const MAX_CHARTABLE: f64 = 1e300;

fn finish(values: Vec<Option<f64>>, mut lines: Vec<Lines>, phase_of: Vec<usize>, options: &Options) -> Analysis {
    let mut warnings = Vec::new();
    let with_values = values.iter().filter(|v| v.is_some()).count();
    let has_limits = options.chart != Chart::Run;
    let too_few = has_limits && options.minimum_points > 0 && with_values < options.minimum_points;
    if too_few {
        warnings.push(format!(
            "only {with_values} points: at least {} are needed for reliable limits, so the chart is shown as a run chart",
            options.minimum_points
        ));
        // Read as a run chart, the centre is the median of each phase's baseline, as a run chart's is:
        // keeping the mean would judge the runs around a line the text calls the median.
        for (phase, range) in phase_ranges(&phase_of) {
            let in_phase = &values[range.clone()];
            let base: Vec<f64> =
                baseline_indices(in_phase.len(), phase, options).into_iter().filter_map(|i| in_phase[i]).collect();
            let centre = crate::stats::median(&base);
            for l in &mut lines[range] {
                *l = Lines::centre_only(centre);
            }
        }
    }
    // Differences and sums of values this large overflow double precision, and the limits computed from
    // them come out infinite (and are then dropped): say so rather than show a chart without limits.
    if has_limits && !too_few && values.iter().flatten().any(|v| v.abs() > MAX_CHARTABLE) {
        warnings.push(format!(
            "values larger than {MAX_CHARTABLE:e} in size overflow the arithmetic of the limits, so no limits are shown: rescale the data (for example to thousands or millions)"
        ));
        for l in &mut lines {
            *l = Lines { centre: l.centre.filter(|c| c.is_finite()), ..Lines::default() };
        }
    }
    if options.short_phase_warning > 0 {
        for (phase, range) in phase_ranges(&phase_of) {
            let n = values[range].iter().filter(|v| v.is_some()).count();
            if n < options.short_phase_warning {
                warnings.push(format!("phase {} has only {n} points: its limits are unreliable", phase + 1));
            }
        }
    }
    let rules = if has_limits && !too_few {
        special_causes(&values, &lines, &phase_of, options)
    } else {
        vec![Rules::default(); values.len()]
    };
    let points: Vec<PointAnalysis> = values
        .iter()
        .zip(lines)
        .zip(rules)
        .zip(&phase_of)
        .map(|(((value, lines), rules), &phase)| {
            let (special_cause, side) = classify(&rules, options.improvement, options.conflict);
            PointAnalysis { value: *value, phase, lines, rules, special_cause, side }
        })
        .collect();
    // Neighbouring moving ranges share a point, so runs rules do not apply to an MR chart (qicharts2
    // reports the counts but never signals on them).
    let runs = phase_ranges(&phase_of)
        .into_iter()
        .map(|(phase, range)| {
            let mut runs = runs_analysis(phase, &points[range]);
            runs.signal &= options.chart != Chart::Mr;
            runs
        })
        .collect();
    let last = points.iter().rev().find(|p| p.value.is_some());
    // A control chart always has a variation icon, even when its limits cannot be computed (all moving
    // ranges zero): no rule can fire, so it is common cause.
    let variation = if has_limits && !too_few { last.map(variation_icon) } else { None };
    let assurance = last.and_then(|p| assurance_icon(p, options));
    Analysis { chart: options.chart, improvement: options.improvement, points, runs, variation, assurance, warnings }
}

/// Marks every point that is part of each special-cause rule. Allocation-free apart from the result:
/// this runs for every series of a dashboard.
fn special_causes(values: &[Option<f64>], lines: &[Lines], phase_of: &[usize], options: &Options) -> Vec<Rules> {
    let n = values.len();
    let mut rules = vec![Rules::default(); n];
    let relative = |i: usize| -> Option<i8> {
        Some(match values[i]?.partial_cmp(&lines[i].centre?)? {
            std::cmp::Ordering::Greater => 1,
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Equal => 0,
        })
    };
    for i in 0..n {
        let (Some(v), l) = (values[i], lines[i]) else { continue };
        if l.upper.is_some_and(|u| v > u) {
            rules[i].beyond_limits = Some(Side::High);
        } else if l.lower.is_some_and(|lo| v < lo) {
            rules[i].beyond_limits = Some(Side::Low);
        }
    }
    // Shifts: runs of points on one side of the centre line, within a phase. A point on the line either
    // breaks the run or is skipped (it is then not part of the run).
    let mut start = 0;
    while start < n {
        let Some(side) = relative(start).filter(|s| *s != 0) else {
            start += 1;
            continue;
        };
        let (mut end, mut count) = (start + 1, 1);
        while end < n && phase_of[end] == phase_of[start] {
            match relative(end) {
                Some(r) if r == side => count += 1,
                Some(0) if !options.on_centre_breaks_shift => {}
                _ => break,
            }
            end += 1;
        }
        if count >= options.shift {
            let flag = if side > 0 { Side::High } else { Side::Low };
            for (i, rule) in rules.iter_mut().enumerate().take(end).skip(start) {
                if relative(i) == Some(side) {
                    rule.shift = Some(flag);
                }
            }
        }
        start = end;
    }
    // Trends: points each higher (or lower) than the one before. A tie breaks the trend or is skipped.
    let same_group = |a: usize, b: usize| options.trend_across_phases || phase_of[a] == phase_of[b];
    let mut i = 0;
    while i < n {
        let Some(first) = values[i] else {
            i += 1;
            continue;
        };
        let (mut last, mut last_value, mut count, mut direction) = (i, first, 1, 0_i8);
        let mut j = i + 1;
        while j < n && same_group(i, j) {
            let Some(cur) = values[j] else { break };
            let step = match cur.partial_cmp(&last_value) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
            if step == 0 {
                if options.tie_breaks_trend {
                    break;
                }
                j += 1;
                continue;
            }
            if direction != 0 && step != direction {
                break;
            }
            direction = step;
            (last, last_value, count) = (j, cur, count + 1);
            j += 1;
        }
        if count >= options.trend {
            let flag = if direction > 0 { Side::High } else { Side::Low };
            let mut previous = f64::NAN;
            for k in i..=last {
                // Skipped ties are not members of the trend.
                if let Some(v) = values[k]
                    && (k == i || v != previous)
                {
                    rules[k].trend = Some(flag);
                    previous = v;
                }
            }
        }
        // The next trend can start at the last point of this one.
        i = if count > 1 { last } else { i + 1 };
        if count > 1 && j < n && values[j].is_none() {
            i = j;
        }
    }
    // Two of three beyond the 2σ line, on the same side.
    let close = |i: usize, high: bool| -> bool {
        let (Some(v), l) = (values[i], lines[i]) else { return false };
        let beyond = if high { l.upper.is_some_and(|u| v > u) } else { l.lower.is_some_and(|lo| v < lo) };
        let past_2s = if high { l.upper_2s.is_some_and(|u| v > u) } else { l.lower_2s.is_some_and(|lo| v < lo) };
        past_2s && (options.two_of_three_counts_beyond_limits || !beyond)
    };
    for w in 0..n.saturating_sub(2) {
        if phase_of[w] != phase_of[w + 2] {
            continue;
        }
        for (high, side, sign) in [(true, Side::High, 1), (false, Side::Low, -1)] {
            let members = [w, w + 1, w + 2].map(|i| close(i, high));
            let count = members.iter().filter(|m| **m).count();
            let same_side = (w..w + 3).all(|i| relative(i) == Some(sign));
            if count >= 2 && (!options.two_of_three_needs_same_side || same_side) {
                for (k, member) in members.iter().enumerate() {
                    if *member {
                        rules[w + k].two_of_three = Some(side);
                    }
                }
            }
        }
    }
    rules
}

fn meaning(side: Side, improvement: Improvement) -> SpecialCause {
    match (improvement, side) {
        (Improvement::Neutral, _) => SpecialCause::Neutral,
        (Improvement::Increase, Side::High) | (Improvement::Decrease, Side::Low) => SpecialCause::Improvement,
        _ => SpecialCause::Concern,
    }
}

fn classify(rules: &Rules, improvement: Improvement, conflict: Conflict) -> (SpecialCause, Option<Side>) {
    let precedence = rules.in_precedence();
    let mut fired = precedence.iter().filter_map(|(_, s)| *s);
    let Some(strongest) = fired.clone().next() else { return (SpecialCause::None, None) };
    let wanted = match conflict {
        Conflict::Precedence => None,
        Conflict::PreferImprovement => Some(SpecialCause::Improvement),
        Conflict::PreferConcern => Some(SpecialCause::Concern),
    };
    if let Some(wanted) = wanted
        && let Some(side) = fired.find(|s| meaning(*s, improvement) == wanted)
    {
        return (wanted, Some(side));
    }
    (meaning(strongest, improvement), Some(strongest))
}

fn variation_icon(point: &PointAnalysis) -> Variation {
    match (point.special_cause, point.side) {
        (SpecialCause::Improvement, Some(Side::High)) => Variation::ImprovementHigh,
        (SpecialCause::Improvement, Some(Side::Low)) => Variation::ImprovementLow,
        (SpecialCause::Concern, Some(Side::High)) => Variation::ConcernHigh,
        (SpecialCause::Concern, Some(Side::Low)) => Variation::ConcernLow,
        (SpecialCause::Neutral, Some(Side::High)) => Variation::NeitherHigh,
        (SpecialCause::Neutral, Some(Side::Low)) => Variation::NeitherLow,
        _ => Variation::CommonCause,
    }
}

fn assurance_icon(point: &PointAnalysis, options: &Options) -> Option<Assurance> {
    let target = options.target?;
    if matches!(options.chart, Chart::Run | Chart::Mr | Chart::G | Chart::T)
        || options.improvement == Improvement::Neutral
    {
        return None;
    }
    let (lower, upper) = (point.lines.lower?, point.lines.upper?);
    let on_limit_decides = options.target_on_limit == TargetOnLimit::PassOrFail;
    let below = |limit: f64| target < limit || (on_limit_decides && target == limit);
    let above = |limit: f64| target > limit || (on_limit_decides && target == limit);
    Some(match options.improvement {
        Improvement::Increase if below(lower) => Assurance::Pass,
        Improvement::Increase if above(upper) => Assurance::Fail,
        Improvement::Decrease if above(upper) => Assurance::Pass,
        Improvement::Decrease if below(lower) => Assurance::Fail,
        _ => Assurance::HitAndMiss,
    })
}

/// Anhøj's rules on one phase: unusually long runs on one side of the centre line, or unusually few
/// crossings of it. Points on the centre line neither count nor break a run.
fn runs_analysis(phase: usize, points: &[PointAnalysis]) -> RunsAnalysis {
    let signs = points.iter().filter_map(|p| {
        let (v, c) = (p.value?, p.lines.centre?);
        (v != c).then_some(v > c)
    });
    let (mut n_useful, mut longest_run, mut crossings, mut current) = (0, 0, 0, 0);
    let mut previous = None;
    for s in signs {
        n_useful += 1;
        if previous.is_some_and(|p| p != s) {
            crossings += 1;
            current = 0;
        }
        previous = Some(s);
        current += 1;
        longest_run = longest_run.max(current);
    }
    if n_useful == 0 {
        return RunsAnalysis {
            phase,
            n_useful,
            longest_run: None,
            longest_run_max: None,
            crossings: None,
            crossings_min: None,
            signal: false,
        };
    }
    // round() in R rounds half to even, but log2 of an integer is never exactly x.5.
    let longest_run_max = (n_useful as f64).log2().round() as usize + 3;
    let crossings_min = binomial_half_quantile(0.05, (n_useful - 1) as u64) as usize;
    let signal = longest_run > longest_run_max || crossings < crossings_min;
    RunsAnalysis {
        phase,
        n_useful,
        longest_run: Some(longest_run),
        longest_run_max: Some(longest_run_max),
        crossings: Some(crossings),
        crossings_min: Some(crossings_min),
        signal,
    }
}
