//! SPC charts as SVG, and their data as an HTML table.

use std::fmt::Write;

use kindling_spc::{Analysis, Assurance, Chart, SpecialCause, Variation};

/// Colours from the Making Data Count icons.
const GREY: &str = "#7b7d7d";
const ORANGE: &str = "#fab428";
const BLUE: &str = "#289de0";
const PURPLE: &str = "#361475";
const RED: &str = "#d5281b";
const INK: &str = "#212b32";

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 96.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 52.0;

/// Escapes text for XML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn fmt_number(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

fn colour(cause: SpecialCause) -> &'static str {
    match cause {
        SpecialCause::Improvement => BLUE,
        SpecialCause::Concern => ORANGE,
        SpecialCause::Neutral => PURPLE,
        SpecialCause::None => GREY,
    }
}

/// Everything the chart needs besides the analysis.
#[derive(Clone, Debug, Default)]
pub struct ChartText<'a> {
    /// The measure's name, used as the `<title>`.
    pub title: &'a str,
    /// The plain-language verdict, used as the `<desc>`.
    pub verdict: &'a str,
    /// One label per point (ISO dates or period numbers).
    pub x_labels: &'a [String],
    pub target: Option<f64>,
    /// A prefix for element ids, unique on the page.
    pub id: &'a str,
}

/// The values a chart's data can take: proportions lie between 0 and 1 (0% and 100%); counts, rates,
/// times between events, ranges and spreads are never negative. The axis stays inside these, so the
/// padding around the data never draws an impossible value.
fn value_range(chart: Chart) -> (f64, f64) {
    match chart {
        Chart::P | Chart::PPrime => (0.0, 1.0),
        Chart::U | Chart::UPrime | Chart::C | Chart::G | Chart::T | Chart::Mr | Chart::S => (0.0, f64::INFINITY),
        Chart::Run | Chart::Xmr | Chart::Xbar => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

/// The chart as a standalone SVG document fragment (`<svg>…</svg>`).
pub fn svg(analysis: &Analysis, text: &ChartText<'_>) -> String {
    let points = &analysis.points;
    let mut ys: Vec<f64> = Vec::new();
    for p in points {
        ys.extend(p.value);
        ys.extend(p.lines.upper);
        ys.extend(p.lines.lower);
        ys.extend(p.lines.centre);
    }
    ys.extend(text.target);
    let (mut lo, mut hi) = ys.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if (hi - lo).abs() < f64::EPSILON {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.08;
    let (floor, ceiling) = value_range(analysis.chart);
    let (lo, hi) = ((lo - pad).max(floor), (hi + pad).min(ceiling));
    let proportion = matches!(analysis.chart, Chart::P | Chart::PPrime);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = points.len().max(1);
    let x_at = |i: usize| if n == 1 { LEFT + plot_w / 2.0 } else { LEFT + plot_w * i as f64 / (n - 1) as f64 };
    let y_at = |v: f64| TOP + plot_h * (hi - v) / (hi - lo);
    let id = if text.id.is_empty() { "spc" } else { text.id };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="Arial, sans-serif" font-size="12">"#
    );
    let _ = write!(
        s,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(text.title),
        escape(text.verdict)
    );
    let _ = write!(s, r#"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#);
    // Axes and y ticks.
    let _ = write!(
        s,
        r#"<g stroke="{INK}" stroke-width="1"><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{}"/><line x1="{LEFT}" y1="{0}" x2="{1}" y2="{0}"/></g>"#,
        TOP + plot_h,
        LEFT + plot_w
    );
    for k in 0..=4 {
        let v = lo + (hi - lo) * f64::from(k) / 4.0;
        let y = y_at(v);
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end" fill="{INK}">{}</text>"#,
            LEFT - 6.0,
            y + 4.0,
            escape(&if proportion { format!("{}%", fmt_number(v * 100.0)) } else { fmt_number(v) })
        );
    }
    // X labels: first, last and each phase start, so the axis stays legible.
    let mut labelled: Vec<usize> = vec![0, n - 1];
    labelled.extend((1..points.len()).filter(|&i| points[i].phase != points[i - 1].phase));
    labelled.sort_unstable();
    labelled.dedup();
    for i in labelled {
        if let Some(label) = text.x_labels.get(i) {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" text-anchor="middle" fill="{INK}">{}</text>"#,
                x_at(i),
                TOP + plot_h + 18.0,
                escape(label)
            );
        }
    }
    // Phase breaks.
    for i in (1..points.len()).filter(|&i| points[i].phase != points[i - 1].phase) {
        let x = (x_at(i - 1) + x_at(i)) / 2.0;
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{}" stroke="{INK}" stroke-dasharray="2 3"/>"#,
            TOP + plot_h
        );
    }
    // Centre line and limits, drawn per phase so that they step at each recalculation.
    let mut segment = |pick: &dyn Fn(&kindling_spc::Lines) -> Option<f64>, style: &str| {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, p) in points.iter().enumerate() {
            let new_phase = i > 0 && p.phase != points[i - 1].phase;
            match pick(&p.lines) {
                Some(v) => {
                    let cmd = if pen_down && !new_phase { 'L' } else { 'M' };
                    let _ = write!(path, "{cmd}{:.1} {:.1}", x_at(i), y_at(v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(s, r#"<path d="{path}" fill="none" {style}/>"#);
        }
    };
    segment(&|l| l.centre, &format!(r#"stroke="{INK}" stroke-width="1.5""#));
    if analysis.chart != Chart::Run {
        segment(&|l| l.upper, &format!(r#"stroke="{GREY}" stroke-width="1.5" stroke-dasharray="6 4""#));
        segment(&|l| l.lower, &format!(r#"stroke="{GREY}" stroke-width="1.5" stroke-dasharray="6 4""#));
    }
    if let Some(t) = text.target {
        let y = y_at(t);
        let _ = write!(
            s,
            r#"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{RED}" stroke-width="1.5" stroke-dasharray="2 2"/><text x="{}" y="{:.1}" fill="{RED}">target</text>"#,
            LEFT + plot_w,
            LEFT + plot_w + 4.0,
            y + 4.0
        );
    }
    // The data line, broken at missing values, then the points coloured by special cause.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => {
                let _ = write!(path, "{}{:.1} {:.1}", if pen_down { 'L' } else { 'M' }, x_at(i), y_at(v));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(s, r#"<path d="{path}" fill="none" stroke="{GREY}" stroke-width="1"/>"#);
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.value {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"/>"#,
                x_at(i),
                y_at(v),
                colour(p.special_cause)
            );
        }
    }
    icons(&mut s, analysis);
    s.push_str("</svg>");
    s
}

fn variation_style(v: Variation) -> (&'static str, &'static str, &'static str) {
    match v {
        Variation::CommonCause => (GREY, "", "Common cause"),
        Variation::ImprovementHigh => (BLUE, "H", "Improvement (high)"),
        Variation::ImprovementLow => (BLUE, "L", "Improvement (low)"),
        Variation::ConcernHigh => (ORANGE, "H", "Concern (high)"),
        Variation::ConcernLow => (ORANGE, "L", "Concern (low)"),
        Variation::NeitherHigh => (PURPLE, "H", "Neither (high)"),
        Variation::NeitherLow => (PURPLE, "L", "Neither (low)"),
    }
}

fn assurance_style(a: Assurance) -> (&'static str, &'static str, &'static str) {
    match a {
        Assurance::Pass => (BLUE, "P", "Target met"),
        Assurance::Fail => (ORANGE, "F", "Target missed"),
        Assurance::HitAndMiss => (GREY, "?", "Hit and miss"),
    }
}

/// The variation and assurance icons in the right margin, each a circle with a letter and a caption.
fn icons(s: &mut String, analysis: &Analysis) {
    let x = WIDTH - RIGHT / 2.0;
    let mut y = 50;
    for (what, (fill, letter, caption)) in
        [("Variation", analysis.variation.map(variation_style)), ("Assurance", analysis.assurance.map(assurance_style))]
            .into_iter()
            .filter_map(|(what, style)| Some((what, style?)))
    {
        let _ = write!(
            s,
            r#"<g><title>{what}: {caption}</title><circle cx="{x}" cy="{y}" r="18" fill="{fill}"/><text x="{x}" y="{}" text-anchor="middle" font-size="14" font-weight="bold" fill="white">{letter}</text><text x="{x}" y="{}" text-anchor="middle" font-size="10" fill="{INK}">{caption}</text></g>"#,
            y + 5,
            y + 34
        );
        y += 72;
    }
}

fn small_icon(what: &str, (fill, letter, caption): (&str, &str, &str)) -> String {
    format!(
        r#"<svg class="kindling-icon" width="28" height="28" viewBox="0 0 36 36" role="img" aria-label="{what}: {caption}"><title>{what}: {caption}</title><circle cx="18" cy="18" r="17" fill="{fill}"/><text x="18" y="23" text-anchor="middle" font-size="14" font-weight="bold" fill="white">{letter}</text></svg>"#
    )
}

/// The words under a variation icon ("Improvement (high)", "Common cause"), for text-only forms.
pub fn variation_caption(v: Variation) -> &'static str {
    variation_style(v).2
}

/// The words under an assurance icon ("Target met", "Hit and miss").
pub fn assurance_caption(a: Assurance) -> &'static str {
    assurance_style(a).2
}

/// A small labelled variation icon for tables (the MDC colours and letters).
pub fn variation_icon(v: Variation) -> String {
    small_icon("Variation", variation_style(v))
}

/// A small labelled assurance icon for tables.
pub fn assurance_icon(a: Assurance) -> String {
    small_icon("Assurance", assurance_style(a))
}

/// The chart's data as an HTML table (NHS.UK table classes), the text alternative to the SVG.
pub fn table_html(analysis: &Analysis, text: &ChartText<'_>) -> String {
    let cell = |v: Option<f64>| v.map(fmt_number).unwrap_or_else(|| "–".into());
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<table class="nhsuk-table"><caption class="nhsuk-table__caption">Data for {}</caption><thead class="nhsuk-table__head"><tr class="nhsuk-table__row">"#,
        escape(text.title)
    );
    for h in ["Period", "Value", "Centre", "Lower limit", "Upper limit", "Special cause"] {
        let _ = write!(s, r#"<th class="nhsuk-table__header" scope="col">{h}</th>"#);
    }
    s.push_str(r#"</tr></thead><tbody class="nhsuk-table__body">"#);
    for (i, p) in analysis.points.iter().enumerate() {
        let label = text.x_labels.get(i).map(String::as_str).unwrap_or_default();
        let cause = match p.special_cause {
            SpecialCause::None => "None".to_owned(),
            c => format!("{} ({})", capitalise(c.name()), p.rules.names().join(", ").replace('_', " ")),
        };
        let _ = write!(
            s,
            r#"<tr class="nhsuk-table__row"><th class="nhsuk-table__header" scope="row">{}</th><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td><td class="nhsuk-table__cell">{}</td></tr>"#,
            escape(label),
            cell(p.value),
            cell(p.lines.centre),
            cell(p.lines.lower),
            cell(p.lines.upper),
            escape(&cause)
        );
    }
    s.push_str("</tbody></table>");
    s
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kindling_spc::{Obs, Options, Preset, analyse};

    fn analysis(values: &[f64]) -> Analysis {
        let obs: Vec<Obs> = values.iter().map(|v| Obs { y: Some(*v), n: None }).collect();
        analyse(&obs, &Options::preset(Preset::Mdc, Chart::Xmr)).unwrap()
    }

    fn labels(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn the_svg_names_itself_and_states_its_verdict() {
        let values: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { 9.0 } else { 11.0 }).collect();
        let a = analysis(&values);
        let x = labels(20);
        let svg = svg(
            &a,
            &ChartText {
                title: "Falls <per 1,000>",
                verdict: "Common cause & stable",
                x_labels: &x,
                target: Some(12.0),
                id: "m1",
            },
        );
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img" aria-labelledby="m1-title m1-desc""#));
        assert!(svg.contains(r#"<title id="m1-title">Falls &lt;per 1,000&gt;</title>"#));
        assert!(svg.contains(r#"<desc id="m1-desc">Common cause &amp; stable</desc>"#));
        assert_eq!(svg.matches("<circle cx").count(), 20 + 1, "one circle per point plus the variation icon");
        assert!(svg.contains("stroke-dasharray=\"6 4\""), "dashed limits");
        assert!(svg.contains(">target</text>"));
    }

    #[test]
    fn special_cause_points_take_the_mdc_colours() {
        let mut values: Vec<f64> = (0..19).map(|i| if i % 2 == 0 { 49.0 } else { 51.0 }).collect();
        values.push(70.0);
        let svg = svg(
            &analysis(&values),
            &ChartText { title: "t", verdict: "v", x_labels: &labels(20), ..ChartText::default() },
        );
        assert_eq!(
            svg.matches(&format!(r#"r="3.5" fill="{BLUE}""#)).count(),
            1,
            "the one point above the limit is improvement blue"
        );
        assert_eq!(svg.matches(&format!(r#"r="3.5" fill="{GREY}""#)).count(), 19);
        assert!(svg.contains("Variation: Improvement (high)"));
    }

    #[test]
    fn every_coordinate_lies_inside_the_view_box() {
        let values = [3.0, -40.0, 1e6, 0.0, 2.0, 5.0];
        let svg = svg(&analysis(&values), &ChartText { x_labels: &labels(6), ..ChartText::default() });
        for cap in svg.split("cx=\"").skip(1).chain(svg.split("cy=\"").skip(1)) {
            let v: f64 = cap.split('"').next().unwrap().parse().unwrap();
            assert!((0.0..=WIDTH).contains(&v), "{v}");
        }
    }

    /// The y-axis tick labels, bottom to top.
    fn ticks(svg: &str) -> Vec<String> {
        svg.split(r#"text-anchor="end" fill=""#)
            .skip(1)
            .filter_map(|t| t.split('>').nth(1)?.split('<').next().map(str::to_owned))
            .collect()
    }

    #[test]
    fn a_proportion_axis_is_in_percent_and_stays_between_0_and_100() {
        // 99 to 100 of 100 each week: the padding around the data would reach past 100%.
        let obs: Vec<Obs> =
            (0..20).map(|i| Obs { y: Some(if i % 2 == 0 { 99.0 } else { 100.0 }), n: Some(100.0) }).collect();
        let a = analyse(&obs, &Options::preset(Preset::Mdc, Chart::P)).unwrap();
        let ticks = ticks(&svg(&a, &ChartText { x_labels: &labels(20), ..ChartText::default() }));
        assert_eq!(ticks.len(), 5, "{ticks:?}");
        assert_eq!(ticks.last().map(String::as_str), Some("100%"), "{ticks:?}");
        assert!(ticks.iter().all(|t| t.ends_with('%')), "{ticks:?}");
    }

    #[test]
    fn a_count_axis_does_not_go_below_zero() {
        let obs: Vec<Obs> = (0..20).map(|i| Obs { y: Some(f64::from(i % 3)), n: None }).collect();
        let a = analyse(&obs, &Options::preset(Preset::Mdc, Chart::C)).unwrap();
        let ticks = ticks(&svg(&a, &ChartText { x_labels: &labels(20), ..ChartText::default() }));
        assert_eq!(ticks.first().map(String::as_str), Some("0"), "{ticks:?}");
        // An individuals chart of the same values may: its data could be any measurement.
        let ticks = ticks_of_xmr(&obs);
        assert!(ticks.first().is_some_and(|t| t.starts_with('-')), "{ticks:?}");
    }

    fn ticks_of_xmr(obs: &[Obs]) -> Vec<String> {
        let a = analyse(obs, &Options::preset(Preset::Mdc, Chart::Xmr)).unwrap();
        ticks(&svg(&a, &ChartText { x_labels: &labels(obs.len()), ..ChartText::default() }))
    }

    #[test]
    fn the_table_lists_every_point() {
        let a = analysis(&[1.0, 2.0, 3.0]);
        let html = table_html(&a, &ChartText { title: "Waits", x_labels: &labels(3), ..ChartText::default() });
        assert_eq!(html.matches("<tr class=\"nhsuk-table__row\">").count(), 4);
        assert!(html.contains("<caption class=\"nhsuk-table__caption\">Data for Waits</caption>"));
    }
}
