//! Issue 18 §3: a series with too few points for limits is read as a run chart, so its centre line and
//! its runs are the median's, as the verdict says. The expectations are worked by hand below, not read
//! off the engine.

use kindling_spc::{Chart, Obs, Options, Preset, analyse, verdict::verdict};

fn series(values: &[f64]) -> Vec<Obs> {
    values.iter().map(|v| Obs { y: Some(*v), n: None }).collect()
}

fn labels(n: usize) -> Vec<String> {
    (1..=n).map(|m| format!("2025-{m:02}-01")).collect()
}

/// The value measure pasted as found: 30,32,31,29,33,31,30,55,32,31,30 (11 points, MDC's minimum is
/// 15). Sorted: 29 30 30 30 31 31 31 32 32 33 55, so the median is the sixth, 31. The mean is
/// 364 / 11 = 33.09, with seven points (30 … 30) below it: the "run of 7" that was reported. Around
/// 31, skipping the three points on it, the sides are − + − + − + + −: the longest run is 2, and the
/// 8 useful points cross 6 times.
#[test]
fn the_value_measure_is_judged_around_its_median_of_31() {
    let values = [30.0, 32.0, 31.0, 29.0, 33.0, 31.0, 30.0, 55.0, 32.0, 31.0, 30.0];
    let analysis = analyse(&series(&values), &Options::preset(Preset::Mdc, Chart::Xmr)).unwrap();
    for point in &analysis.points {
        assert_eq!(point.lines.centre, Some(31.0));
        assert_eq!((point.lines.upper, point.lines.lower), (None, None));
    }
    let runs = &analysis.runs[0];
    assert_eq!((runs.n_useful, runs.longest_run, runs.crossings), (8, Some(2), Some(6)));
    assert!(!runs.signal);
    let text = verdict(&analysis, &labels(values.len()), None);
    assert!(text.starts_with("Too few points for reliable limits (11 so far)"), "{text}");
    assert!(!text.contains("run of 7"), "{text}");
}

/// The mentoring enrolments: 135, 75, 10, 10, 10, 10, 10, 3. Sorted 3 10 10 10 10 10 75 135: the
/// median is (10 + 10) / 2 = 10, not the mean of 32.875 that was drawn.
#[test]
fn the_enrolments_are_drawn_around_their_median_of_10() {
    let values = [135.0, 75.0, 10.0, 10.0, 10.0, 10.0, 10.0, 3.0];
    let analysis = analyse(&series(&values), &Options::preset(Preset::Mdc, Chart::Xmr)).unwrap();
    assert!(analysis.points.iter().all(|p| p.lines.centre == Some(10.0)));
    // Five points sit on the line; 135 and 75 above, 3 below: 3 useful points, the longest run 2.
    assert_eq!((analysis.runs[0].n_useful, analysis.runs[0].longest_run), (3, Some(2)));
}

/// Each phase of a short series is centred on its own median: 1 2 3 | 10 20 30 40 → 2 and 25.
#[test]
fn each_phase_has_its_own_median() {
    let mut options = Options::preset(Preset::Mdc, Chart::Xmr);
    options.phase_starts = vec![3];
    let analysis = analyse(&series(&[1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 40.0]), &options).unwrap();
    let centres: Vec<Option<f64>> = analysis.points.iter().map(|p| p.lines.centre).collect();
    assert_eq!(centres, [Some(2.0), Some(2.0), Some(2.0), Some(25.0), Some(25.0), Some(25.0), Some(25.0)]);
}
