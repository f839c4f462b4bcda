//! Reads `shared/reference/spc` (or `KINDLING_SPC_CORPUS`) and compares the engine with every expected
//! output. A missing corpus is a failure, never a skip.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kindling_spc::options::{MDC_MULTIPLIER, SIGMA3_MULTIPLIER};
use kindling_spc::{
    Analysis, Chart, Improvement, Obs, Options, Preset, Side, SpecialCause, analyse, analyse_subgroups,
};
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    match std::env::var_os("KINDLING_SPC_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/spc"),
    }
}

fn read_json(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the SPC corpus is required: {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Case {
    id: String,
    meta: Value,
    /// (x, y, n) in file order.
    rows: Vec<(String, Option<f64>, Option<f64>)>,
}

impl Case {
    fn improvement(&self) -> Improvement {
        self.meta["improvement"].as_str().unwrap().parse().unwrap()
    }

    /// Distinct x values in order (subgroup charts group rows by x).
    fn xs(&self) -> Vec<String> {
        let mut xs: Vec<String> = Vec::new();
        for (x, _, _) in &self.rows {
            if xs.last() != Some(x) {
                xs.push(x.clone());
            }
        }
        xs
    }

    fn phase_starts(&self) -> Vec<usize> {
        let xs = self.xs();
        self.meta["phase_starts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                xs.iter()
                    .position(|x| x == s.as_str().unwrap())
                    .unwrap_or_else(|| panic!("{}: phase start {s}", self.id))
            })
            .collect()
    }

    fn obs(&self) -> Vec<Obs> {
        self.rows.iter().map(|(_, y, n)| Obs { y: *y, n: *n }).collect()
    }

    fn groups(&self) -> Vec<Vec<f64>> {
        let mut groups: Vec<Vec<f64>> = Vec::new();
        let mut last: Option<&String> = None;
        for (x, y, _) in &self.rows {
            if last != Some(x) {
                groups.push(Vec::new());
                last = Some(x);
            }
            if let Some(y) = y {
                groups.last_mut().unwrap().push(*y);
            }
        }
        groups
    }

    fn run(&self, options: &Options) -> Analysis {
        let result = if options.chart.uses_subgroups() {
            analyse_subgroups(&self.groups(), options)
        } else {
            analyse(&self.obs(), options)
        };
        result.unwrap_or_else(|e| panic!("{}: {e}", self.id))
    }
}

fn parse_field(raw: &str) -> Option<f64> {
    let raw = raw.trim().trim_matches('"');
    if raw.is_empty() || raw == "NA" { None } else { Some(raw.parse().unwrap_or_else(|e| panic!("{raw}: {e}"))) }
}

fn cases() -> Vec<Case> {
    let dir = corpus_dir();
    let manifest = read_json(dir.join("cases.json"));
    manifest
        .as_array()
        .unwrap()
        .iter()
        .map(|meta| {
            let text = std::fs::read_to_string(dir.join(meta["file"].as_str().unwrap())).unwrap();
            let mut lines = text.lines();
            let header: Vec<String> =
                lines.next().unwrap().split(',').map(|h| h.trim_matches('"').to_owned()).collect();
            let col = |name: &str| header.iter().position(|h| h == name);
            let (xc, yc, nc) = (col("x").unwrap(), col("y").unwrap(), col("n"));
            let rows = lines
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let f: Vec<&str> = l.split(',').collect();
                    (f[xc].trim_matches('"').to_owned(), parse_field(f[yc]), nc.and_then(|c| parse_field(f[c])))
                })
                .collect();
            Case { id: meta["id"].as_str().unwrap().to_owned(), meta: meta.clone(), rows }
        })
        .collect()
}

/// Compares an optional line with the tool's number (or null) at relative tolerance 1e-9.
fn same(ours: Option<f64>, theirs: &Value) -> bool {
    match (ours, theirs.as_f64()) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
        // A tool's NaN/Inf is written as null.
        _ => false,
    }
}

/// Collects mismatches instead of stopping at the first, so one run shows everything that is wrong.
#[derive(Default)]
struct Report {
    checked: usize,
    failures: Vec<String>,
}

impl Report {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checked += 1;
        if !ok {
            self.failures.push(what());
        }
    }

    fn finish(self, tool: &str) {
        assert!(self.checked > 0, "{tool}: nothing was compared");
        assert!(
            self.failures.is_empty(),
            "{tool}: {} of {} comparisons failed:\n{}",
            self.failures.len(),
            self.checked,
            self.failures.join("\n")
        );
        eprintln!("{tool}: {} comparisons, all equal", self.checked);
    }
}

fn variant_options(variant: &str) -> BTreeMap<String, String> {
    variant.split([';', '@']).filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

#[test]
fn nhsrplotthedots_every_expectation_matches() {
    let mut report = Report::default();
    for case in cases().iter().filter(|c| c.meta["nhsrplotthedots"].as_bool() == Some(true)) {
        let expected = read_json(corpus_dir().join(format!("expected/{}/nhsrplotthedots.json", case.id)));
        for (variant, result) in expected["results"].as_object().unwrap() {
            let opts = variant_options(variant);
            let mut options = Options::preset(Preset::NhsrPlotTheDots, Chart::Xmr);
            options.improvement = case.improvement();
            options.screen_mr = opts.get("screen_outliers").map(String::as_str) == Some("TRUE");
            options.target = opts.get("target").map(|t| t.parse().unwrap());
            options.phase_starts = case.phase_starts();
            options.baseline = case.meta["freeze"].as_u64().map(|f| f as usize);
            let here = format!("{} [{variant}]", case.id);
            if let Some(error) = result.get("error") {
                report.check(false, || format!("{here}: the tool failed ({error}); decide what the engine should do"));
                continue;
            }
            let analysis = case.run(&options);
            let points = result["points"].as_array().unwrap();
            report.check(points.len() == analysis.points.len(), || {
                format!("{here}: {} points vs {}", analysis.points.len(), points.len())
            });
            for (ours, theirs) in analysis.points.iter().zip(points) {
                let x = theirs["x"].as_str().unwrap_or_default();
                report.check(same(ours.lines.centre, &theirs["mean"]), || {
                    format!("{here} {x}: mean {:?} vs {}", ours.lines.centre, theirs["mean"])
                });
                report.check(same(ours.lines.lower, &theirs["lpl"]), || {
                    format!("{here} {x}: lpl {:?} vs {}", ours.lines.lower, theirs["lpl"])
                });
                report.check(same(ours.lines.upper, &theirs["upl"]), || {
                    format!("{here} {x}: upl {:?} vs {}", ours.lines.upper, theirs["upl"])
                });
                // The tool's outside_limits is NA (null) where its limits are NA; ours are then absent.
                let outside = ours.lines.upper.map(|_| ours.rules.beyond_limits.is_some());
                report.check(theirs["outside_limits"].as_bool() == outside, || {
                    format!("{here} {x}: outside {outside:?} vs {}", theirs["outside_limits"])
                });
                let point_type = match (ours.special_cause, ours.side) {
                    (SpecialCause::None, _) => "common_cause".to_owned(),
                    (SpecialCause::Neutral, Some(Side::High)) => "special_cause_neutral_high".to_owned(),
                    (SpecialCause::Neutral, _) => "special_cause_neutral_low".to_owned(),
                    (cause, _) => format!("special_cause_{}", cause.name()),
                };
                report.check(theirs["point_type"].as_str() == Some(point_type.as_str()), || {
                    format!(
                        "{here} {x}: point type {point_type} ({:?}) vs {} ({})",
                        ours.rules, theirs["point_type"], theirs["special_cause_type"]
                    )
                });
            }
            let summary = &result["summary"];
            let variation = analysis.variation.map(|v| v.name().replace("neither", "neutral"));
            report.check(summary["variation_icon"].as_str() == variation.as_deref(), || {
                format!("{here}: variation {variation:?} vs {}", summary["variation_icon"])
            });
            let assurance = analysis.assurance.map(|a| match a.name() {
                "pass" => "consistent_pass",
                "fail" => "consistent_fail",
                _ => "inconsistent",
            });
            report.check(summary["assurance_icon"].as_str() == assurance, || {
                format!("{here}: assurance {assurance:?} vs {}", summary["assurance_icon"])
            });
        }
    }
    report.finish("nhsrplotthedots");
}

fn qic_chart(name: &str) -> Option<Chart> {
    // Taylor's I′ chart (ip) is not one of Kindling's charts.
    (name != "ip").then(|| name.parse().unwrap())
}

#[test]
fn qicharts2_every_expectation_matches() {
    let mut report = Report::default();
    for case in cases() {
        let expected = read_json(corpus_dir().join(format!("expected/{}/qicharts2.json", case.id)));
        for (variant, result) in expected["results"].as_object().unwrap() {
            let chart_name = variant.split('@').next().unwrap();
            let Some(chart) = qic_chart(chart_name) else { continue };
            let opts = variant_options(variant);
            let mut options = Options::preset(Preset::Qicharts2, chart);
            options.improvement = case.improvement();
            options.screen_mr = opts.get("qic.screenedmr").is_none_or(|v| v == "TRUE");
            options.phase_starts = case.phase_starts();
            options.baseline = case.meta["freeze"].as_u64().map(|f| f as usize);
            let here = format!("{} [{variant}]", case.id);
            if let Some(error) = result.get("error") {
                report.check(false, || format!("{here}: the tool failed ({error})"));
                continue;
            }
            let analysis = case.run(&options);
            let points = result["points"].as_array().unwrap();
            report.check(points.len() == analysis.points.len(), || {
                format!("{here}: {} points vs {}", analysis.points.len(), points.len())
            });
            for (ours, theirs) in analysis.points.iter().zip(points) {
                let x = theirs["x"].to_string();
                for (name, line, key) in [
                    ("cl", ours.lines.centre, "cl"),
                    ("lcl", ours.lines.lower, "lcl"),
                    ("ucl", ours.lines.upper, "ucl"),
                    ("lcl_95", ours.lines.lower_2s, "lcl_95"),
                    ("ucl_95", ours.lines.upper_2s, "ucl_95"),
                ] {
                    report
                        .check(same(line, &theirs[key]), || format!("{here} {x}: {name} {line:?} vs {}", theirs[key]));
                }
                let sigma = ours.rules.beyond_limits.is_some();
                report.check(theirs["sigma_signal"].as_bool() == Some(sigma), || {
                    format!("{here} {x}: sigma signal {sigma} vs {}", theirs["sigma_signal"])
                });
                let runs = analysis.runs[ours.phase].signal;
                report.check(theirs["runs_signal"].as_bool() == Some(runs), || {
                    format!("{here} {x}: runs signal {runs} vs {}", theirs["runs_signal"])
                });
            }
            for part in result["parts"].as_array().unwrap() {
                let index = part["part"].as_u64().unwrap() as usize - 1;
                let Some(ours) = analysis.runs.get(index) else {
                    report.check(false, || format!("{here}: no part {}", index + 1));
                    continue;
                };
                for (name, value) in [
                    ("n_useful", Some(ours.n_useful)),
                    ("longest_run", ours.longest_run),
                    ("longest_run_max", ours.longest_run_max),
                    ("n_crossings", ours.crossings),
                    ("n_crossings_min", ours.crossings_min),
                ] {
                    // R writes some integers as doubles (and 0 as -0.0); compare numerically.
                    let equal = part[name].as_f64() == value.map(|v| v as f64);
                    report.check(equal, || format!("{here} part {}: {name} {value:?} vs {}", index + 1, part[name]));
                }
            }
        }
    }
    report.finish("qicharts2");
}

#[test]
fn presets_use_the_documented_multipliers() {
    assert_eq!(Options::preset(Preset::Mdc, Chart::Xmr).multiplier, MDC_MULTIPLIER);
    assert_eq!(Options::preset(Preset::NhsrPlotTheDots, Chart::Xmr).multiplier, MDC_MULTIPLIER);
    assert_eq!(Options::preset(Preset::Qicharts2, Chart::Xmr).multiplier, SIGMA3_MULTIPLIER);
}
