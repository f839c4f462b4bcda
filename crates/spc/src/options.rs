//! What to compute and how: the chart, the improvement direction, the target, phases and baseline, and
//! every choice on which the reference implementations differ. A preset sets them all at once; each
//! remains an individual option.

use std::fmt;
use std::str::FromStr;

/// The kind of chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Chart {
    /// Run chart: median, Anhøj runs rules.
    Run,
    /// Individuals (XmR) chart.
    Xmr,
    /// Moving-range chart.
    Mr,
    /// Proportions (numerator over denominator).
    P,
    /// Laney p′ (proportions with over-dispersion).
    PPrime,
    /// Rates (count over exposure).
    U,
    /// Laney u′.
    UPrime,
    /// Counts.
    C,
    /// Opportunities or days between rare events.
    G,
    /// Time between rare events (Weibull-transformed individuals chart).
    T,
    /// Subgroup means.
    Xbar,
    /// Subgroup standard deviations.
    S,
}

impl Chart {
    pub const ALL: [Chart; 12] = [
        Chart::Run,
        Chart::Xmr,
        Chart::Mr,
        Chart::P,
        Chart::PPrime,
        Chart::U,
        Chart::UPrime,
        Chart::C,
        Chart::G,
        Chart::T,
        Chart::Xbar,
        Chart::S,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Chart::Run => "run",
            Chart::Xmr => "xmr",
            Chart::Mr => "mr",
            Chart::P => "p",
            Chart::PPrime => "pp",
            Chart::U => "u",
            Chart::UPrime => "up",
            Chart::C => "c",
            Chart::G => "g",
            Chart::T => "t",
            Chart::Xbar => "xbar",
            Chart::S => "s",
        }
    }

    /// The chart's name with its article, for sentences: "an XmR chart", "a p′ chart".
    pub fn with_article(self) -> &'static str {
        match self {
            Chart::Run => "a run chart",
            Chart::Xmr => "an XmR chart",
            Chart::Mr => "an MR chart",
            Chart::P => "a p chart",
            Chart::PPrime => "a p′ chart",
            Chart::U => "a u chart",
            Chart::UPrime => "a u′ chart",
            Chart::C => "a c chart",
            Chart::G => "a g chart",
            Chart::T => "a t chart",
            Chart::Xbar => "an Xbar chart",
            Chart::S => "an S chart",
        }
    }

    /// Whether each point is a numerator over a denominator.
    pub fn needs_denominator(self) -> bool {
        matches!(self, Chart::P | Chart::PPrime | Chart::U | Chart::UPrime)
    }

    /// Whether rows sharing an x form one subgroup.
    pub fn uses_subgroups(self) -> bool {
        matches!(self, Chart::Xbar | Chart::S)
    }
}

impl FromStr for Chart {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "run" => Chart::Run,
            "xmr" | "i" => Chart::Xmr,
            "mr" => Chart::Mr,
            "p" => Chart::P,
            "pp" => Chart::PPrime,
            "u" => Chart::U,
            "up" => Chart::UPrime,
            "c" => Chart::C,
            "g" => Chart::G,
            "t" => Chart::T,
            "xbar" => Chart::Xbar,
            "s" => Chart::S,
            other => {
                return Err(format!(
                    "unknown chart {other:?}: use run, xmr (or i), mr, p, pp, u, up, c, g, t, xbar or s"
                ));
            }
        })
    }
}

impl fmt::Display for Chart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which way is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Improvement {
    Increase,
    Decrease,
    Neutral,
}

impl Improvement {
    pub fn name(self) -> &'static str {
        match self {
            Improvement::Increase => "increase",
            Improvement::Decrease => "decrease",
            Improvement::Neutral => "neutral",
        }
    }
}

impl FromStr for Improvement {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "increase" | "up" => Ok(Improvement::Increase),
            "decrease" | "down" => Ok(Improvement::Decrease),
            "neutral" | "neither" => Ok(Improvement::Neutral),
            other => Err(format!("unknown improvement direction {other:?}: use increase, decrease or neutral")),
        }
    }
}

/// How a point that is both improvement and concern (an upward trend below the mean, say) is classed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// NHSRplotthedots: the strongest rule decides (beyond a limit, then trend, then two of three, then shift).
    Precedence,
    /// MDC with the metric's conflict rule set to "Improvement".
    PreferImprovement,
    /// MDC with the metric's conflict rule set to "Concern".
    PreferConcern,
}

/// What the assurance icon says when the target lies exactly on a process limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetOnLimit {
    /// MDC SQL since v2.1: pass or fail.
    PassOrFail,
    /// NHSRplotthedots and PowerBI: hit and miss.
    HitAndMiss,
}

/// The centre line of a g chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GCentre {
    /// qicharts2 and PowerBI: the median count.
    Median,
    /// MDC SQL: 0.693 × the mean (the median of a geometric distribution).
    MeanTimesLn2,
}

/// Every choice the engine makes. Build one with [`Options::preset`] and change what you need.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub chart: Chart,
    pub improvement: Improvement,
    pub target: Option<f64>,
    /// Index (into the points, in time order) of the first point of each new phase.
    pub phase_starts: Vec<usize>,
    /// Limits of the first phase from its first N points only, projected forward.
    pub baseline: Option<usize>,
    /// XmR sigma: `2.66 × mean MR / 3` (MDC) or `mean MR / 1.128` (qicharts2).
    pub multiplier: f64,
    /// Moving-range screening: drop MRs above 3.267 × the mean MR before setting limits.
    pub screen_mr: bool,
    /// Keep MRs equal to the screening threshold (MDC SQL `<=`) rather than only those below it (`<`).
    pub screen_keeps_equal: bool,
    /// MDC SQL: screening also removes the screened points from the mean.
    pub screen_recomputes_mean: bool,
    /// Points in a row on one side of the centre line that signal a shift (6 to 8; 7 by default).
    pub shift: usize,
    /// Points in a row going one way that signal a trend (6 to 8; 7 by default).
    pub trend: usize,
    /// MDC SQL evaluates trends across phase boundaries; NHSRplotthedots within each phase.
    pub trend_across_phases: bool,
    /// A point exactly on the centre line breaks a shift (MDC, NHSRplotthedots) rather than being skipped.
    pub on_centre_breaks_shift: bool,
    /// Two equal points in a row break a trend (MDC, NHSRplotthedots) rather than being skipped.
    pub tie_breaks_trend: bool,
    /// Two of three counts points beyond the process limit too (PowerBI) rather than only those between
    /// the 2σ line and the limit (MDC, NHSRplotthedots).
    pub two_of_three_counts_beyond_limits: bool,
    /// The third point of a two-of-three window must be on the same side of the centre line.
    pub two_of_three_needs_same_side: bool,
    pub conflict: Conflict,
    pub target_on_limit: TargetOnLimit,
    pub g_centre: GCentre,
    /// Fewer points than this (in the whole chart) and only the run chart's centre line is drawn: no
    /// limits, rules or icons (MDC: 15). 0 turns the rule off.
    pub minimum_points: usize,
    /// A phase with fewer points than this gets a warning (MDC: 12; NHSRplotthedots: 13).
    pub short_phase_warning: usize,
    /// Missing values are bridged by the moving range (PowerBI) rather than breaking it.
    pub bridge_missing: bool,
}

/// A named set of options reproducing one reference implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// NHS England's Making Data Count, as its SQL v2.4 implements it (the default).
    Mdc,
    /// NHSRplotthedots 0.2.2 with its defaults.
    NhsrPlotTheDots,
    /// qicharts2 0.8.1 attached with `library()` (moving-range screening on).
    Qicharts2,
}

impl FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mdc" => Ok(Preset::Mdc),
            "nhsrplotthedots" | "ptd" => Ok(Preset::NhsrPlotTheDots),
            "qicharts2" => Ok(Preset::Qicharts2),
            other => Err(format!("unknown preset {other:?}: use mdc, nhsrplotthedots or qicharts2")),
        }
    }
}

/// 2.66, the MDC and NHSRplotthedots XmR multiplier (≈ 3 / 1.128).
pub const MDC_MULTIPLIER: f64 = 2.66;
/// 3 / 1.128, the exact 3σ XmR multiplier used by qicharts2 and PowerBI.
pub const SIGMA3_MULTIPLIER: f64 = 3.0 / 1.128;

impl Options {
    pub fn preset(preset: Preset, chart: Chart) -> Self {
        let mdc = Options {
            chart,
            improvement: Improvement::Increase,
            target: None,
            phase_starts: Vec::new(),
            baseline: None,
            multiplier: MDC_MULTIPLIER,
            screen_mr: false,
            screen_keeps_equal: true,
            screen_recomputes_mean: true,
            shift: 7,
            trend: 7,
            trend_across_phases: true,
            on_centre_breaks_shift: true,
            tie_breaks_trend: true,
            two_of_three_counts_beyond_limits: false,
            two_of_three_needs_same_side: true,
            conflict: Conflict::PreferImprovement,
            target_on_limit: TargetOnLimit::PassOrFail,
            g_centre: GCentre::MeanTimesLn2,
            minimum_points: 15,
            short_phase_warning: 12,
            bridge_missing: false,
        };
        // NHSRplotthedots departs from MDC's SQL in the ways its deviations vignette lists; qicharts2
        // shares those and differs further in its sigma, its g-chart centre and its lack of warnings.
        let nhsrplotthedots = Options {
            screen_mr: true,
            screen_keeps_equal: false,
            screen_recomputes_mean: false,
            trend_across_phases: false,
            conflict: Conflict::Precedence,
            target_on_limit: TargetOnLimit::HitAndMiss,
            minimum_points: 0,
            short_phase_warning: 13,
            ..mdc.clone()
        };
        match preset {
            Preset::Mdc => mdc,
            Preset::NhsrPlotTheDots => nhsrplotthedots,
            Preset::Qicharts2 => Options {
                multiplier: SIGMA3_MULTIPLIER,
                g_centre: GCentre::Median,
                short_phase_warning: 0,
                ..nhsrplotthedots
            },
        }
    }
}
