//! `kindling spc`: SPC analysis of a CSV file from the command line. Reads the whole input, analyses
//! every series, and writes the output only when everything succeeded, so an error leaves standard
//! output empty.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};
use kindling_charts::spc::{ChartText, svg};
use kindling_spc::input::{SeriesInput, X, parse_csv_on};
use kindling_spc::{Analysis, Chart, Obs, Options, Preset, SpcError, analyse, analyse_subgroups, verdict::verdict};
use serde_json::{Value, json};

use crate::csv_field;

#[derive(Args, Debug)]
pub struct SpcArgs {
    /// CSV with columns x, y and optionally n and series; `-` reads standard input.
    #[arg(long)]
    input: PathBuf,
    /// run, xmr (or i), mr, p, pp, u, up, c, g, t, xbar or s.
    #[arg(long)]
    chart: String,
    /// Reproduce a reference implementation: mdc (default), nhsrplotthedots or qicharts2.
    #[arg(long, default_value = "mdc")]
    preset: String,
    /// Which way is better.
    #[arg(long, default_value = "increase")]
    improvement: String,
    /// Target for the assurance icon.
    #[arg(long)]
    target: Option<f64>,
    /// Recalculate limits from the first point at or after this x (repeatable).
    #[arg(long = "phase-start")]
    phase_start: Vec<String>,
    /// Limits from the first N points only, projected forward.
    #[arg(long)]
    baseline: Option<usize>,
    /// Screen moving ranges above 3.267 × their mean before setting limits.
    #[arg(long, overrides_with = "no_screen_mr")]
    screen_mr: bool,
    /// Do not screen moving ranges.
    #[arg(long, overrides_with = "screen_mr")]
    no_screen_mr: bool,
    /// Points in a row on one side of the centre line that signal a shift (6 to 8).
    #[arg(long)]
    shift: Option<usize>,
    /// Points in a row rising or falling that signal a trend (6 to 8).
    #[arg(long)]
    trend: Option<usize>,
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Json,
    Summary,
    Svg,
    Table,
}

/// Runs the command and returns what to print.
pub fn run(args: &SpcArgs) -> Result<String> {
    let source = args.input.display().to_string();
    let text = if source == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| anyhow!("reading standard input: {e}"))?
    } else {
        std::fs::read_to_string(&args.input).map_err(|e| anyhow!("{source}: {e}"))?
    };
    render(&text, &source, args)
}

fn options(args: &SpcArgs) -> Result<Options> {
    let chart: Chart = args.chart.parse().map_err(|e: String| anyhow!(e))?;
    let preset: Preset = args.preset.parse().map_err(|e: String| anyhow!(e))?;
    let mut options = Options::preset(preset, chart);
    options.improvement = args.improvement.parse().map_err(|e: String| anyhow!(e))?;
    options.target = args.target;
    options.baseline = args.baseline;
    if args.screen_mr {
        options.screen_mr = true;
    }
    if args.no_screen_mr {
        options.screen_mr = false;
    }
    if let Some(n) = args.shift {
        options.shift = n;
    }
    if let Some(n) = args.trend {
        options.trend = n;
    }
    Ok(options)
}

/// The analysis of one series, with the x of each point.
struct Analysed {
    name: String,
    x: Vec<X>,
    analysis: Analysis,
}

impl Analysed {
    /// The x of each point as text, made only for the formats that print every point (the summary
    /// prints one, and making a million labels it would not print cost a tenth of its time).
    fn labels(&self) -> Vec<String> {
        self.x.iter().map(X::label).collect()
    }
}

/// Parses, analyses and formats; pure apart from the caller's read, so it is testable and fuzzable.
pub fn render(text: &str, source: &str, args: &SpcArgs) -> Result<String> {
    let options = options(args)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let series = parse_csv_on(text, threads).map_err(|e| anyhow!("{source}: {e}"))?;
    let format = |a: &Analysed| -> Result<String> {
        Ok(match args.format {
            Format::Json => {
                let mut line = serde_json::to_string(&to_json(a, &options))?;
                line.push('\n');
                line
            }
            Format::Summary => summary_row(a),
            Format::Svg => {
                let title = if a.name.is_empty() { format!("{} chart", options.chart) } else { a.name.clone() };
                let labels = a.labels();
                let words = verdict(&a.analysis, &labels, options.target);
                let mut chart = svg(
                    &a.analysis,
                    &ChartText {
                        title: &title,
                        verdict: &words,
                        x_labels: &labels,
                        target: options.target,
                        id: "chart",
                        include: None,
                    },
                );
                chart.push('\n');
                chart
            }
            Format::Table => table(a, &options),
        })
    };
    let mut out = String::new();
    if let Format::Summary = args.format {
        out.push_str("series,chart,points,centre,lower,upper,variation,assurance,last_special_cause_x\n");
    }
    for part in analyse_all(&series, &options, source, &args.phase_start, format)? {
        out.push_str(&part);
    }
    Ok(out)
}

/// Analyses and formats every series, spread over the machine's cores; results keep the input's
/// order, and the first failing series (in that order) is the error reported. Each analysis is
/// formatted and dropped on the thread that made it, so the points of every series (about a hundred
/// bytes each) are never all held at once.
fn analyse_all(
    series: &[SeriesInput],
    options: &Options,
    source: &str,
    phase_starts: &[String],
    format: impl Fn(&Analysed) -> Result<String> + Sync,
) -> Result<Vec<String>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(series.len().div_ceil(256)).max(1);
    let chunk = series.len().div_ceil(threads);
    let format = &format;
    let results: Vec<Vec<Result<String>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = series
            .chunks(chunk.max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|s| analyse_series(s, options, source, phase_starts).and_then(|a| format(&a)))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| vec![Err(anyhow!("an analysis thread panicked"))]))
            .collect()
    });
    results.into_iter().flatten().collect()
}

fn analyse_series(series: &SeriesInput, options: &Options, source: &str, phase_starts: &[String]) -> Result<Analysed> {
    let named = |message: String| {
        if series.name.is_empty() {
            anyhow!("{source}: {message}")
        } else {
            anyhow!("{source}: series {:?}: {message}", series.name)
        }
    };
    let rows = &series.rows;
    if options.chart.uses_subgroups() {
        let mut x: Vec<X> = Vec::new();
        let mut groups: Vec<Vec<f64>> = Vec::new();
        for r in rows {
            if x.last() != Some(&r.x) {
                x.push(r.x);
                groups.push(Vec::new());
            }
            if let Some(y) = r.y {
                groups.last_mut().expect("pushed above").push(y);
            }
        }
        let mut options = options.clone();
        options.phase_starts = phase_indices(&x, phase_starts);
        let analysis = analyse_subgroups(&groups, &options).map_err(|e| named(e.to_string()))?;
        return Ok(Analysed { name: series.name.clone(), x, analysis });
    }
    if let Some(pair) = rows.windows(2).find(|w| w[0].x == w[1].x) {
        return Err(named(format!(
            "line {}, column x: {} appears twice (only xbar and s charts take several rows per x)",
            pair[1].line,
            pair[1].x.label()
        )));
    }
    if !options.chart.needs_denominator()
        && !matches!(options.chart, Chart::Run | Chart::Xmr | Chart::Mr)
        && let Some(r) = rows.iter().find(|r| r.n.is_some())
    {
        return Err(named(format!("line {}, column n: {} takes no denominator", r.line, options.chart.with_article())));
    }
    let x: Vec<X> = rows.iter().map(|r| r.x).collect();
    let obs: Vec<Obs> = rows.iter().map(|r| Obs { y: r.y, n: r.n }).collect();
    let mut options = options.clone();
    options.phase_starts = phase_indices(&x, phase_starts);
    let analysis = analyse(&obs, &options).map_err(|e| {
        let at = |index: usize, column: &str, message: String| {
            format!("line {}, column {column}: {message}", rows[index].line)
        };
        named(match e {
            SpcError::MissingDenominator { index, chart } => {
                at(index, "n", format!("no denominator, which {} needs", chart.with_article()))
            }
            SpcError::ZeroDenominator { index } => at(index, "n", "the denominator must be greater than zero".into()),
            SpcError::NegativeCount { index, chart } => {
                at(index, "y", format!("a negative count, which {} cannot have", chart.with_article()))
            }
            SpcError::NotFinite { index } => at(index, "y", "not a finite number".into()),
            SpcError::NonPositiveTime { index } => at(index, "y", "a t chart needs times greater than zero".into()),
            other => other.to_string(),
        })
    })?;
    Ok(Analysed { name: series.name.clone(), x, analysis })
}

/// The index of the first point at or after each phase-start x. A start that is not an integer is
/// compared with dates as text, so a month such as `2021-06` starts at its first day.
fn phase_indices(x: &[X], starts: &[String]) -> Vec<usize> {
    starts
        .iter()
        .filter_map(|s| match s.parse::<i64>() {
            Ok(i) => x.iter().position(|v| *v >= X::Int(i)),
            Err(_) => x.iter().position(|v| match v {
                X::Date { .. } => v.label().as_str() >= s.as_str(),
                // Dates order before integers, as they always have.
                X::Int(_) => true,
            }),
        })
        .collect()
}

fn x_json(x: &X) -> Value {
    match x {
        X::Date { .. } => json!(x.label()),
        X::Int(i) => json!(i),
    }
}

fn to_json(a: &Analysed, options: &Options) -> Value {
    let points: Vec<Value> = a
        .analysis
        .points
        .iter()
        .zip(&a.x)
        .map(|(p, x)| {
            json!({
                "x": x_json(x),
                "y": p.value,
                "phase": p.phase,
                "centre": p.lines.centre,
                "lower": p.lines.lower,
                "upper": p.lines.upper,
                "lower_2s": p.lines.lower_2s,
                "upper_2s": p.lines.upper_2s,
                "rules": p.rules.names(),
                "special_cause": p.special_cause.name(),
            })
        })
        .collect();
    let runs: Vec<Value> = a
        .analysis
        .runs
        .iter()
        .map(|r| {
            json!({
                "phase": r.phase,
                "n_useful": r.n_useful,
                "longest_run": r.longest_run,
                "longest_run_max": r.longest_run_max,
                "crossings": r.crossings,
                "crossings_min": r.crossings_min,
                "signal": r.signal,
            })
        })
        .collect();
    json!({
        "series": a.name,
        "chart": options.chart.name(),
        "improvement": a.analysis.improvement.name(),
        "points": points,
        "runs": runs,
        "variation": a.analysis.variation.map(|v| v.name()),
        "assurance": a.analysis.assurance.map(|v| v.name()),
        "warnings": a.analysis.warnings,
        "verdict": verdict(&a.analysis, &a.labels(), options.target),
    })
}

fn num(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn summary_row(a: &Analysed) -> String {
    let points = &a.analysis.points;
    let last = points.iter().rposition(|p| p.value.is_some());
    let lines = last.map(|i| points[i].lines).unwrap_or_default();
    let last_special = points
        .iter()
        .rposition(|p| p.special_cause != kindling_spc::SpecialCause::None)
        .map(|i| a.x[i].label())
        .unwrap_or_default();
    format!(
        "{},{},{},{},{},{},{},{},{}\n",
        csv_field(&a.name),
        a.analysis.chart.name(),
        points.iter().filter(|p| p.value.is_some()).count(),
        num(lines.centre),
        num(lines.lower),
        num(lines.upper),
        a.analysis.variation.map(|v| v.name()).unwrap_or_default(),
        a.analysis.assurance.map(|v| v.name()).unwrap_or_default(),
        csv_field(&last_special),
    )
}

fn table(a: &Analysed, options: &Options) -> String {
    let fmt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_else(|| "-".into());
    let mut s = String::new();
    if !a.name.is_empty() {
        let _ = writeln!(s, "series {}", a.name);
    }
    let _ = writeln!(s, "{:<12} {:>12} {:>12} {:>12} {:>12}  special cause", "x", "value", "centre", "lower", "upper");
    let labels = a.labels();
    for (p, label) in a.analysis.points.iter().zip(&labels) {
        let cause = match p.special_cause {
            kindling_spc::SpecialCause::None => String::new(),
            c => format!("{} ({})", c.name(), p.rules.names().join(", ")),
        };
        let _ = writeln!(
            s,
            "{:<12} {:>12} {:>12} {:>12} {:>12}  {cause}",
            label,
            fmt(p.value),
            fmt(p.lines.centre),
            fmt(p.lines.lower),
            fmt(p.lines.upper)
        );
    }
    let _ = writeln!(s, "\n{}", verdict(&a.analysis, &labels, options.target));
    for w in &a.analysis.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    s.push('\n');
    s
}

#[cfg(test)]
impl SpcArgs {
    /// Arguments for tests: this chart, everything else at its default.
    pub fn for_chart(chart: &str, format: &str) -> Self {
        SpcArgs {
            input: PathBuf::from("-"),
            chart: chart.into(),
            preset: "mdc".into(),
            improvement: "increase".into(),
            target: None,
            phase_start: Vec::new(),
            baseline: None,
            screen_mr: false,
            no_screen_mr: false,
            shift: None,
            trend: None,
            format: Format::from_str(format, true).unwrap_or(Format::Json),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_text(text: &str, chart: &str, format: &str) -> Result<String> {
        render(text, "data.csv", &SpcArgs::for_chart(chart, format))
    }

    #[test]
    fn bad_input_names_the_file_line_and_column() {
        let check = |text: &str, chart: &str, expected: &str| {
            assert_eq!(run_text(text, chart, "json").unwrap_err().to_string(), expected, "{text:?}");
        };
        check(
            "x,y,z\n1,2,3\n",
            "xmr",
            "data.csv: line 1, column z: unknown column \"z\": the columns are x, y, and optionally n and series",
        );
        check("x,y\n1,2\n2,x\n", "xmr", "data.csv: line 3, column y: \"x\" is not a number");
        check(
            "x,y\n1,2\n1,3\n",
            "xmr",
            "data.csv: line 3, column x: 1 appears twice (only xbar and s charts take several rows per x)",
        );
        check("x,y,n\n1,2,10\n2,3,0\n", "p", "data.csv: line 3, column n: the denominator must be greater than zero");
        check("x,y\n1,2\n2,-3\n", "c", "data.csv: line 3, column y: a negative count, which a c chart cannot have");
        check("x,y\n1,2\n", "xmr", "data.csv: an XmR chart needs at least 2 points with values; this series has 1");
        check(
            "series,x,y\na,1,2\na,2,3\nb,1,5\n",
            "xmr",
            "data.csv: series \"b\": an XmR chart needs at least 2 points with values; this series has 1",
        );
        check("x,y,n\n1,2,10\n2,3,10\n", "c", "data.csv: line 2, column n: a c chart takes no denominator");
    }

    #[test]
    fn json_has_one_object_per_series_with_the_documented_fields() {
        let text = "series,x,y\nb,2021-01-02,3\na,2021-01-01,1\nb,2021-01-01,2\na,2021-01-02,4\n";
        let out = run_text(text, "xmr", "json").unwrap();
        let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["series"], "b");
        assert_eq!(lines[0]["points"][0]["x"], "2021-01-01");
        for key in ["series", "chart", "improvement", "points", "runs", "variation", "assurance", "warnings"] {
            assert!(lines[0].get(key).is_some(), "{key}");
        }
        for key in ["x", "y", "phase", "centre", "lower", "upper", "lower_2s", "upper_2s", "rules", "special_cause"] {
            assert!(lines[0]["points"][0].get(key).is_some(), "{key}");
        }
        // Two points are fewer than MDC's 15: no limits, shown as a run chart.
        assert_eq!(lines[0]["points"][0]["upper"], Value::Null);
        assert_eq!(lines[0]["variation"], Value::Null);
    }

    #[test]
    fn summary_has_a_row_per_series() {
        let mut text = String::from("series,x,y\n");
        for s in ["w1", "w2"] {
            for i in 1..=20 {
                let y = if i == 20 { 40 } else { 10 + i % 3 };
                text.push_str(&format!("{s},{i},{y}\n"));
            }
        }
        let out = run_text(&text, "xmr", "summary").unwrap();
        let rows: Vec<&str> = out.lines().collect();
        assert_eq!(rows[0], "series,chart,points,centre,lower,upper,variation,assurance,last_special_cause_x");
        assert_eq!(rows.len(), 3);
        assert!(rows[1].starts_with("w1,xmr,20,"), "{}", rows[1]);
        assert!(rows[1].ends_with(",improvement_high,,20"), "{}", rows[1]);
    }

    #[test]
    fn phase_starts_map_to_the_first_point_at_or_after_them() {
        let x: Vec<X> = [1, 3, 5, 7].into_iter().map(X::Int).collect();
        assert_eq!(phase_indices(&x, &["4".into(), "7".into(), "9".into()]), [2, 3]);
        // Dates: a whole date, or a month, which starts at its first day.
        let dates = kindling_spc::input::parse_csv("x,y\n2021-05-31,1\n2021-06-01,2\n2021-07-01,3\n").unwrap();
        let x: Vec<X> = dates[0].rows.iter().map(|r| r.x).collect();
        assert_eq!(phase_indices(&x, &["2021-06-01".into(), "2021-06".into(), "2021-06-02".into()]), [1, 1, 2]);
    }

    #[test]
    fn svg_and_table_formats_render() {
        let text: String =
            std::iter::once("x,y\n".to_owned()).chain((1..=20).map(|i| format!("{i},{}\n", 5 + i % 4))).collect();
        assert!(run_text(&text, "xmr", "svg").unwrap().starts_with("<svg "));
        assert!(run_text(&text, "i", "table").unwrap().contains("Common cause variation"));
    }

    proptest::proptest! {
        /// Whatever the file holds, `kindling spc` answers with output or an error, never a panic.
        #[test]
        fn any_input_gives_output_or_an_error(
            text in "(x,y(,n)?(,series)?\n)?([0-9a-z\"., -]{0,10}(,[0-9a-z\"., -]{0,10}){0,3}\n){0,30}",
            chart in proptest::sample::select(vec!["run", "xmr", "mr", "p", "pp", "u", "up", "c", "g", "t", "xbar", "s"]),
            format in proptest::sample::select(vec!["json", "summary", "svg", "table"]),
        ) {
            let _ = run_text(&text, chart, format);
        }
    }
}
