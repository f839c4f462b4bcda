//! Properties that hold for any data, checked on random series; and robustness: no input makes the CSV
//! reader or the engine panic.

use kindling_spc::input::parse_csv;
use kindling_spc::{Chart, Improvement, Obs, Options, Preset, SpecialCause, analyse, analyse_subgroups};
use proptest::prelude::*;

fn series(min: usize, max: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1000.0..1000.0_f64, min..max)
}

fn obs(values: &[f64]) -> Vec<Obs> {
    values.iter().map(|v| Obs { y: Some(*v), n: None }).collect()
}

fn any_preset() -> impl Strategy<Value = Preset> {
    prop::sample::select(vec![Preset::Mdc, Preset::NhsrPlotTheDots, Preset::Qicharts2])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// XmR limits are never clamped, so they sit symmetrically about the centre line.
    #[test]
    fn xmr_limits_are_symmetric_about_the_centre(values in series(2, 60), preset in any_preset(), screen in any::<bool>()) {
        let mut options = Options::preset(preset, Chart::Xmr);
        options.screen_mr = screen;
        options.minimum_points = 0;
        let a = analyse(&obs(&values), &options).unwrap();
        for p in &a.points {
            if let (Some(c), Some(l), Some(u)) = (p.lines.centre, p.lines.lower, p.lines.upper) {
                prop_assert!(close(u - c, c - l), "{l} {c} {u}");
            }
            if let (Some(c), Some(l), Some(u)) = (p.lines.centre, p.lines.lower_2s, p.lines.upper_2s) {
                prop_assert!(close(u - c, c - l));
            }
        }
    }

    /// Adding a constant to every value moves the centre and limits by that constant and changes no rule.
    #[test]
    fn a_constant_shift_moves_every_line_by_the_same_amount(values in series(2, 60), k in -500.0..500.0_f64, preset in any_preset()) {
        let mut options = Options::preset(preset, Chart::Xmr);
        options.minimum_points = 0;
        let before = analyse(&obs(&values), &options).unwrap();
        let shifted: Vec<f64> = values.iter().map(|v| v + k).collect();
        let after = analyse(&obs(&shifted), &options).unwrap();
        for (b, a) in before.points.iter().zip(&after.points) {
            for (x, y) in [(b.lines.centre, a.lines.centre), (b.lines.lower, a.lines.lower), (b.lines.upper, a.lines.upper)] {
                match (x, y) {
                    (Some(x), Some(y)) => prop_assert!((y - x - k).abs() <= 1e-6 * (1.0 + x.abs() + k.abs()), "{x} + {k} != {y}"),
                    (None, None) => {}
                    _ => prop_assert!(false, "a line appeared or vanished"),
                }
            }
        }
    }

    /// Reversing the improvement direction swaps improvement and concern and changes nothing else.
    #[test]
    fn reversing_the_direction_swaps_improvement_and_concern(values in series(2, 60), preset in any_preset()) {
        let mut up = Options::preset(preset, Chart::Xmr);
        up.minimum_points = 0;
        up.improvement = Improvement::Increase;
        let mut down = up.clone();
        down.improvement = Improvement::Decrease;
        // The MDC conflict rule prefers one class, so reverse it too for a true mirror.
        down.conflict = match up.conflict {
            kindling_spc::Conflict::PreferImprovement => kindling_spc::Conflict::PreferConcern,
            kindling_spc::Conflict::PreferConcern => kindling_spc::Conflict::PreferImprovement,
            c => c,
        };
        let a = analyse(&obs(&values), &up).unwrap();
        let b = analyse(&obs(&values), &down).unwrap();
        for (p, q) in a.points.iter().zip(&b.points) {
            let swapped = match p.special_cause {
                SpecialCause::Improvement => SpecialCause::Concern,
                SpecialCause::Concern => SpecialCause::Improvement,
                other => other,
            };
            prop_assert_eq!(q.special_cause, swapped);
            prop_assert_eq!(p.rules, q.rules);
        }
    }

    /// No shift with fewer points than the shift length, and every shift is at least that long.
    #[test]
    fn shifts_need_n_points(values in series(2, 80), n in 6_usize..=8, preset in any_preset()) {
        let mut options = Options::preset(preset, Chart::Xmr);
        options.minimum_points = 0;
        options.shift = n;
        let a = analyse(&obs(&values), &options).unwrap();
        if values.len() < n {
            prop_assert!(a.points.iter().all(|p| p.rules.shift.is_none()));
        }
        let mut run = 0;
        for (i, p) in a.points.iter().enumerate() {
            if p.rules.shift.is_some() && (i == 0 || a.points[i - 1].rules.shift == p.rules.shift) {
                run += 1;
            } else if p.rules.shift.is_some() {
                prop_assert!(run == 0 || run >= n);
                run = 1;
            } else {
                prop_assert!(run == 0 || run >= n, "a shift of {run} < {n}");
                run = 0;
            }
        }
        prop_assert!(run == 0 || run >= n);
    }

    /// Arbitrary bytes never panic the CSV reader.
    #[test]
    fn the_csv_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_csv(&String::from_utf8_lossy(&bytes));
    }

    /// CSV-shaped noise goes deeper into the reader than random bytes do.
    #[test]
    fn csv_shaped_noise_never_panics(text in "(x,y(,n)?(,series)?\n)?([0-9a-z\"., -]{0,12}(,[0-9a-z\"., -]{0,12}){0,3}\n){0,20}") {
        let _ = parse_csv(&text);
    }

    /// Any finite data and any options never panic the engine, for every chart.
    #[test]
    fn the_engine_never_panics(
        ys in prop::collection::vec(prop::option::of(-1e6..1e6_f64), 0..50),
        ns in prop::collection::vec(prop::option::of(-10.0..1e4_f64), 0..50),
        chart in prop::sample::select(Chart::ALL.to_vec()),
        preset in any_preset(),
        screen in any::<bool>(),
        baseline in prop::option::of(0_usize..30),
        phases in prop::collection::vec(0_usize..60, 0..4),
        shift in 4_usize..10,
    ) {
        let mut options = Options::preset(preset, chart);
        options.screen_mr = screen;
        options.baseline = baseline;
        options.phase_starts = phases;
        options.shift = shift;
        if chart.uses_subgroups() {
            let groups: Vec<Vec<f64>> = ys.chunks(3).map(|c| c.iter().flatten().copied().collect()).collect();
            let _ = analyse_subgroups(&groups, &options);
        } else {
            let observations: Vec<Obs> = ys.iter().zip(ns.iter().chain(std::iter::repeat(&None))).map(|(y, n)| Obs { y: *y, n: *n }).collect();
            let _ = analyse(&observations, &options);
        }
    }
}

/// Issue 17: ±1e308 values came back with no limits and no word why. The limits still cannot be computed
/// (the differences overflow), and the analysis now says so.
#[test]
fn values_too_large_for_limits_are_named_in_a_warning() {
    let values: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { 1e308 } else { -1e308 }).collect();
    let a = analyse(&obs(&values), &Options::preset(Preset::Mdc, Chart::Xmr)).unwrap();
    assert!(a.warnings.iter().any(|w| w.contains("overflow")), "{:?}", a.warnings);
    assert!(a.points.iter().all(|p| p.lines.upper.is_none() && p.lines.lower.is_none()));
    // Large but chartable values keep their limits and raise no such warning.
    let fine: Vec<f64> = (0..20).map(|i| 1e200 + f64::from(i) * 1e198).collect();
    let b = analyse(&obs(&fine), &Options::preset(Preset::Mdc, Chart::Xmr)).unwrap();
    assert!(!b.warnings.iter().any(|w| w.contains("overflow")));
    assert!(b.points.iter().all(|p| p.lines.upper.is_some_and(f64::is_finite)));
}
