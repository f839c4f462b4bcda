//! Centre lines and limits for each chart type, one phase at a time.
//!
//! Each function gets the phase's points (`values`, with denominators where the chart has them) and the
//! indices, within the phase, of the points the limits are computed from (all of them, or a fixed
//! baseline), and returns one [`Lines`] per point.

use crate::options::{Chart, GCentre, Options};
use crate::stats::{c4, c5, mean, median, sample_sd};

/// The lines at one point. `None` where a line does not exist (no limits on a run chart, or limits that
/// cannot be computed, such as a screened XmR chart whose moving ranges are all zero).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Lines {
    pub centre: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub lower_2s: Option<f64>,
    pub upper_2s: Option<f64>,
}

impl Lines {
    fn around(centre: f64, sigma: f64) -> Self {
        let finite = |v: f64| v.is_finite().then_some(v);
        Lines {
            centre: finite(centre),
            lower: finite(centre - 3.0 * sigma),
            upper: finite(centre + 3.0 * sigma),
            lower_2s: finite(centre - 2.0 * sigma),
            upper_2s: finite(centre + 2.0 * sigma),
        }
    }

    pub(crate) fn centre_only(centre: Option<f64>) -> Self {
        Lines { centre, ..Lines::default() }
    }

    /// Clamps every line into `[low, high]`.
    fn clamp(mut self, low: f64, high: f64) -> Self {
        for line in [&mut self.lower, &mut self.upper, &mut self.lower_2s, &mut self.upper_2s] {
            *line = line.map(|v| v.clamp(low, high));
        }
        self
    }
}

/// One observation: a value (or numerator) and, for p and u charts, its denominator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Obs {
    pub y: Option<f64>,
    pub n: Option<f64>,
}

/// Moving ranges between neighbouring points of `base` (indices in time order). A missing value breaks
/// the chain unless `bridge` is set, in which case the range spans the gap.
pub fn moving_ranges(values: &[Option<f64>], base: &[usize], bridge: bool) -> Vec<(usize, f64)> {
    let mut ranges = Vec::new();
    let mut previous: Option<(usize, f64)> = None;
    for &i in base {
        match values[i] {
            Some(v) => {
                if let Some((_, p)) = previous {
                    ranges.push((i, (v - p).abs()));
                }
                previous = Some((i, v));
            }
            None if !bridge => previous = None,
            None => {}
        }
    }
    ranges
}

/// The mean moving range after optional screening (Nelson 1982): ranges above 3.267 × the mean range
/// are dropped once. Returns the mean and the points whose own range was screened out.
pub fn screened_amr(ranges: &[(usize, f64)], options: &Options) -> (Option<f64>, Vec<usize>) {
    let values: Vec<f64> = ranges.iter().map(|(_, r)| *r).collect();
    let Some(amr) = mean(&values) else { return (None, Vec::new()) };
    if !options.screen_mr {
        return (Some(amr), Vec::new());
    }
    let threshold = 3.267 * amr;
    let keep = |r: f64| if options.screen_keeps_equal { r <= threshold } else { r < threshold };
    let kept: Vec<f64> = values.iter().copied().filter(|r| keep(*r)).collect();
    let dropped = ranges.iter().filter(|(_, r)| !keep(*r)).map(|(i, _)| *i).collect();
    // With every range zero and a strict threshold nothing is kept: the limits do not exist (0/0), as in
    // NHSRplotthedots and qicharts2.
    (mean(&kept), dropped)
}

/// Lines for every point of one phase. `base` are the indices (within the phase) that set the limits.
pub fn phase_lines(obs: &[Obs], base: &[usize], options: &Options) -> Vec<Lines> {
    let values: Vec<Option<f64>> = obs.iter().map(|o| o.y).collect();
    let base_values: Vec<f64> = base.iter().filter_map(|&i| values[i]).collect();
    let k = options.multiplier / 3.0;
    match options.chart {
        Chart::Run => vec![Lines::centre_only(median(&base_values)); obs.len()],
        Chart::Xmr => {
            let ranges = moving_ranges(&values, base, options.bridge_missing);
            let (amr, screened) = screened_amr(&ranges, options);
            let centre = if options.screen_mr && options.screen_recomputes_mean {
                let kept: Vec<f64> = base.iter().filter(|i| !screened.contains(i)).filter_map(|&i| values[i]).collect();
                mean(&kept)
            } else {
                mean(&base_values)
            };
            let lines = match (centre, amr) {
                (Some(c), Some(a)) => Lines::around(c, k * a),
                (c, _) => Lines::centre_only(c),
            };
            vec![lines; obs.len()]
        }
        Chart::Mr => {
            // The moving-range chart shows every range: screening them would hide what it is for.
            let ranges: Vec<f64> =
                moving_ranges(&values, base, options.bridge_missing).into_iter().map(|(_, r)| r).collect();
            let lines = match mean(&ranges) {
                // D4 = 3.267 for ranges of two; the 2σ line is two thirds of the upper limit (qicharts2).
                Some(a) => Lines {
                    centre: Some(a),
                    lower: Some(0.0),
                    upper: Some(3.267 * a),
                    lower_2s: Some(0.0),
                    upper_2s: Some(2.0 / 3.0 * 3.267 * a),
                },
                None => Lines::default(),
            };
            vec![lines; obs.len()]
        }
        Chart::P | Chart::PPrime | Chart::U | Chart::UPrime => {
            let proportion = matches!(options.chart, Chart::P | Chart::PPrime);
            let (num, den): (f64, f64) = base
                .iter()
                .filter_map(|&i| Some((obs[i].y?, obs[i].n?)))
                .fold((0.0, 0.0), |a, (x, n)| (a.0 + x, a.1 + n));
            let centre = num / den;
            let sigma = |n: f64| if proportion { (centre * (1.0 - centre) / n).sqrt() } else { (centre / n).sqrt() };
            let laney = matches!(options.chart, Chart::PPrime | Chart::UPrime);
            let sigma_z = if laney {
                let z: Vec<Option<f64>> = obs.iter().map(|o| Some((o.y? / o.n? - centre) / sigma(o.n?))).collect();
                let ranges = moving_ranges(&z, base, options.bridge_missing);
                screened_amr(&ranges, options).0.map(|amr| amr / 1.128)
            } else {
                Some(1.0)
            };
            obs.iter()
                .map(|o| match (o.n, sigma_z) {
                    (Some(n), Some(sz)) if den > 0.0 => {
                        let lines = Lines::around(centre, sigma(n) * sz);
                        if proportion { lines.clamp(0.0, 1.0) } else { lines.clamp(0.0, f64::INFINITY) }
                    }
                    _ => Lines::centre_only((den > 0.0).then_some(centre)),
                })
                .collect()
        }
        Chart::C => {
            let lines = match mean(&base_values) {
                Some(c) => Lines::around(c, c.sqrt()).clamp(0.0, f64::INFINITY),
                None => Lines::default(),
            };
            vec![lines; obs.len()]
        }
        Chart::G => {
            let lines = match mean(&base_values) {
                Some(g) => {
                    let sigma = (g * (g + 1.0)).sqrt();
                    let centre = match options.g_centre {
                        GCentre::Median => median(&base_values),
                        GCentre::MeanTimesLn2 => Some(0.693 * g),
                    };
                    let mut lines = Lines::around(g, sigma).clamp(0.0, f64::INFINITY);
                    lines.centre = centre;
                    lines
                }
                None => Lines::default(),
            };
            vec![lines; obs.len()]
        }
        Chart::T => {
            let transformed: Vec<Option<f64>> = values.iter().map(|v| v.map(|v| v.powf(1.0 / 3.6))).collect();
            let base_t: Vec<f64> = base.iter().filter_map(|&i| transformed[i]).collect();
            let ranges = moving_ranges(&transformed, base, options.bridge_missing);
            let (amr, _) = screened_amr(&ranges, options);
            let back = |v: f64| if v < 0.0 { 0.0 } else { v.powf(3.6) };
            let lines = match (mean(&base_t), amr) {
                (Some(c), Some(a)) => {
                    let t = Lines::around(c, k * a);
                    Lines {
                        centre: t.centre.map(back),
                        lower: t.lower.map(back),
                        upper: t.upper.map(back),
                        lower_2s: t.lower_2s.map(back),
                        upper_2s: t.upper_2s.map(back),
                    }
                }
                (c, _) => Lines::centre_only(c.map(back)),
            };
            vec![lines; obs.len()]
        }
        Chart::Xbar | Chart::S => unreachable!("subgroup charts use subgroup_lines"),
    }
}

/// Subgroup summary: size, mean and standard deviation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Subgroup {
    pub size: usize,
    pub mean: f64,
    pub sd: Option<f64>,
}

impl Subgroup {
    pub fn of(values: &[f64]) -> Option<Self> {
        Some(Subgroup { size: values.len(), mean: mean(values)?, sd: sample_sd(values) })
    }
}

/// Lines for Xbar and S charts of one phase (S-method: limits from the pooled or mean standard deviation).
pub fn subgroup_lines(groups: &[Option<Subgroup>], base: &[usize], chart: Chart) -> Vec<Lines> {
    let used: Vec<Subgroup> = base.iter().filter_map(|&i| groups[i]).filter(|g| g.sd.is_some()).collect();
    if used.is_empty() {
        return vec![Lines::default(); groups.len()];
    }
    let sizes_equal = used.iter().all(|g| g.size == used[0].size);
    let total: f64 = used.iter().map(|g| g.size as f64).sum();
    let grand_mean = used.iter().map(|g| g.size as f64 * g.mean).sum::<f64>() / total;
    // Equal subgroups: the mean of the subgroup SDs. Unequal: the pooled SD, weighting by n - 1.
    let s_bar = if sizes_equal {
        used.iter().filter_map(|g| g.sd).sum::<f64>() / used.len() as f64
    } else {
        let num: f64 = used.iter().map(|g| (g.size as f64 - 1.0) * g.sd.unwrap_or(0.0).powi(2)).sum();
        let den: f64 = used.iter().map(|g| g.size as f64 - 1.0).sum();
        (num / den).sqrt()
    };
    groups
        .iter()
        .map(|g| {
            let Some(g) = g.filter(|g| g.size >= 2) else {
                return Lines::centre_only(Some(if chart == Chart::Xbar { grand_mean } else { s_bar }));
            };
            let n = g.size as f64;
            let (c4n, c5n) = (c4(n), c5(n));
            match chart {
                Chart::Xbar => Lines::around(grand_mean, s_bar / (c4n * n.sqrt())),
                _ => {
                    let at = |k: f64| (s_bar + k * c5n / c4n * s_bar).max(0.0);
                    Lines {
                        centre: Some(s_bar),
                        lower: Some(at(-3.0)),
                        upper: Some(at(3.0)),
                        lower_2s: Some(at(-2.0)),
                        upper_2s: Some(at(2.0)),
                    }
                }
            }
        })
        .collect()
}
