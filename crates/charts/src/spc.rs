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
    /// Values the axis must include besides the chart's own: small multiples of one measure at several
    /// sites share one scale by each including the others' [`extent`].
    pub include: Option<(f64, f64)>,
}

/// The lowest and highest value a chart draws (points, limits, centre and target): what charts that
/// are to share one scale pass to each other as [`ChartText::include`].
pub fn extent(analysis: &Analysis, target: Option<f64>) -> Option<(f64, f64)> {
    let mut ys: Vec<f64> = Vec::new();
    for p in &analysis.points {
        ys.extend(p.value);
        ys.extend(p.lines.upper);
        ys.extend(p.lines.lower);
        ys.extend(p.lines.centre);
    }
    ys.extend(target);
    let (lo, hi) = ys.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
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
    let (mut lo, mut hi) = match (extent(analysis, text.target), text.include) {
        (Some((a, b)), Some((c, d))) => (a.min(c), b.max(d)),
        (Some(own), None) => own,
        (None, Some(shared)) => shared,
        (None, None) => (0.0, 1.0),
    };
    if !lo.is_finite() || !hi.is_finite() {
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

/// The variation and assurance icons in the right margin, each with its caption.
fn icons(s: &mut String, analysis: &Analysis) {
    let x = WIDTH - RIGHT / 2.0;
    let mut y = 50.0;
    let shapes = [
        analysis.variation.map(|v| ("Variation", variation_shape(v), variation_style(v).2)),
        analysis.assurance.map(|a| ("Assurance", assurance_shape(a), assurance_style(a).2)),
    ];
    for (what, shape, caption) in shapes.into_iter().flatten() {
        let _ = write!(
            s,
            r#"<g><title>{what}: {caption}</title><g transform="translate({:.1} {:.1})">{shape}</g><text x="{x}" y="{}" text-anchor="middle" font-size="10" fill="{INK}">{caption}</text></g>"#,
            x - 20.0,
            y - 20.0,
            y + 34.0
        );
        y += 72.0;
    }
}

/// The Making Data Count variation icon, drawn in a 40 × 40 box: a ring in the icon's colour around a
/// short run of points. Common cause: grey points scattered about a level. Special cause: the last
/// points run high or low in colour, ending in an arrowhead, with H or L on the side they went.
fn variation_shape(v: Variation) -> String {
    let (colour, letter, _) = variation_style(v);
    let ring = format!(r#"<circle cx="20" cy="20" r="18" fill="white" stroke="{colour}" stroke-width="2.5"/>"#);
    let xs = [9.0, 13.0, 17.0, 21.0, 25.0, 29.0];
    let (ys, arrow, label_y): ([f64; 6], Option<(f64, f64)>, f64) = match letter {
        "H" => ([25.0, 23.0, 26.0, 20.0, 16.0, 12.0], Some((29.0, 12.0)), 15.0),
        "L" => ([15.0, 17.0, 14.0, 20.0, 24.0, 28.0], Some((29.0, 28.0)), 33.0),
        _ => ([20.0, 17.0, 22.0, 18.0, 23.0, 19.0], None, 0.0),
    };
    let points: Vec<String> = xs.iter().zip(ys).map(|(x, y)| format!("{x},{y}")).collect();
    let mut shape =
        format!(r#"{ring}<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.5"/>"#, points.join(" "));
    for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
        // The run that made the signal is in colour; the points before it stay grey.
        let fill = if arrow.is_some() && i >= 3 { colour } else { GREY };
        let _ = write!(shape, r#"<circle cx="{x}" cy="{y}" r="1.8" fill="{fill}"/>"#);
    }
    if let Some((ax, ay)) = arrow {
        let tip = if letter == "H" { ay - 3.5 } else { ay + 3.5 };
        let _ = write!(
            shape,
            r#"<path d="M{:.1} {ay} L{ax} {tip} L{:.1} {ay} Z" fill="{colour}"/><text x="13" y="{label_y}" text-anchor="middle" font-size="10" font-weight="bold" fill="{colour}">{letter}</text>"#,
            ax - 3.0,
            ax + 3.0
        );
    }
    shape
}

/// The Making Data Count assurance icon, drawn in a 40 × 40 box: a ring in the icon's colour with the
/// target as a dashed line across it, and P (the target will be met), F (it will be missed) or ? (it
/// will be met some of the time) above the line.
fn assurance_shape(a: Assurance) -> String {
    let (colour, letter, _) = assurance_style(a);
    format!(
        r#"<circle cx="20" cy="20" r="18" fill="white" stroke="{colour}" stroke-width="2.5"/><line x1="7" y1="27" x2="33" y2="27" stroke="{INK}" stroke-width="1.5" stroke-dasharray="3 2"/><text x="20" y="23" text-anchor="middle" font-size="15" font-weight="bold" fill="{INK}">{letter}</text>"#
    )
}

fn small_icon(what: &str, shape: &str, caption: &str) -> String {
    format!(
        r#"<svg class="kindling-icon" width="32" height="32" viewBox="0 0 40 40" role="img" aria-label="{what}: {caption}"><title>{what}: {caption}</title>{shape}</svg>"#
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

/// A small labelled variation icon for tables (the MDC shapes, colours and letters).
pub fn variation_icon(v: Variation) -> String {
    small_icon("Variation", &variation_shape(v), variation_style(v).2)
}

/// A small labelled assurance icon for tables.
pub fn assurance_icon(a: Assurance) -> String {
    small_icon("Assurance", &assurance_shape(a), assurance_style(a).2)
}

/// The chart's data as an HTML table (NHS.UK table classes), the text alternative to the SVG.
pub fn table_html(analysis: &Analysis, text: &ChartText<'_>) -> String {
    // A proportion reads as a percentage, as on the chart's axis.
    let proportion = matches!(analysis.chart, Chart::P | Chart::PPrime);
    let cell = |v: Option<f64>| {
        v.map(|v| if proportion { format!("{}%", fmt_number(v * 100.0)) } else { fmt_number(v) })
            .unwrap_or_else(|| "–".into())
    };
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
                include: None,
            },
        );
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img" aria-labelledby="m1-title m1-desc""#));
        assert!(svg.contains(r#"<title id="m1-title">Falls &lt;per 1,000&gt;</title>"#));
        assert!(svg.contains(r#"<desc id="m1-desc">Common cause &amp; stable</desc>"#));
        assert_eq!(svg.matches(r#"r="3.5""#).count(), 20, "one circle per point");
        assert!(svg.contains("<title>Variation: Common cause</title>"), "and the variation icon");
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
    fn a_proportion_table_is_in_percent_like_its_axis() {
        let obs: Vec<Obs> = (0..20).map(|k| Obs { y: Some(f64::from(40 + k % 3)), n: Some(100.0) }).collect();
        let analysis = analyse(&obs, &Options::preset(Preset::Mdc, Chart::P)).unwrap();
        let labels: Vec<String> = (1..=20).map(|k| k.to_string()).collect();
        let text = ChartText { title: "Share", verdict: "", x_labels: &labels, target: None, id: "p", include: None };
        let table = table_html(&analysis, &text);
        // The first point is 40 of 100.
        assert!(
            table.contains(
                r#"<th class="nhsuk-table__header" scope="row">1</th><td class="nhsuk-table__cell">40%</td>"#
            ),
            "{table}"
        );
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
    fn charts_that_include_each_others_extent_share_one_scale() {
        let low: Vec<Obs> = (0..20).map(|i| Obs { y: Some(f64::from(10 + i % 3)), n: None }).collect();
        let high: Vec<Obs> = (0..20).map(|i| Obs { y: Some(f64::from(50 + i % 5)), n: None }).collect();
        let (a, b) = (
            analyse(&low, &Options::preset(Preset::Mdc, Chart::Xmr)).unwrap(),
            analyse(&high, &Options::preset(Preset::Mdc, Chart::Xmr)).unwrap(),
        );
        let alone = ticks(&svg(&a, &ChartText { x_labels: &labels(20), ..ChartText::default() }));
        let (ea, eb) = (extent(&a, None).unwrap(), extent(&b, None).unwrap());
        let both = Some((ea.0.min(eb.0), ea.1.max(eb.1)));
        let shared_a = ticks(&svg(&a, &ChartText { x_labels: &labels(20), include: both, ..ChartText::default() }));
        let shared_b = ticks(&svg(&b, &ChartText { x_labels: &labels(20), include: both, ..ChartText::default() }));
        assert_eq!(shared_a, shared_b, "one scale");
        assert_ne!(alone, shared_a, "wider than the low chart's own");
        // The high chart's top limit is inside the shared axis.
        let top: f64 = shared_a.last().unwrap().parse().unwrap();
        assert!(top >= eb.1 * 0.9, "{shared_a:?} against {eb:?}");
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
    fn the_icons_are_the_mdc_shapes_and_say_what_they_show() {
        let high = variation_icon(Variation::ImprovementHigh);
        assert!(high.contains(r#"role="img" aria-label="Variation: Improvement (high)""#), "{high}");
        assert!(
            high.contains("<polyline") && high.contains("<path d=") && high.contains(">H</text>"),
            "an arrow and H"
        );
        assert!(high.contains(&format!(r#"stroke="{BLUE}""#)), "improvement is blue");
        let low = variation_icon(Variation::ConcernLow);
        assert!(low.contains(">L</text>") && low.contains(&format!(r#"stroke="{ORANGE}""#)), "{low}");
        let common = variation_icon(Variation::CommonCause);
        assert!(!common.contains("<path d=") && !common.contains("</text>"), "no arrow, no letter: {common}");
        for (a, letter) in [(Assurance::Pass, "P"), (Assurance::Fail, "F"), (Assurance::HitAndMiss, "?")] {
            let icon = assurance_icon(a);
            assert!(icon.contains(&format!(">{letter}</text>")) && icon.contains("stroke-dasharray"), "{icon}");
        }
    }

    #[test]
    fn the_table_lists_every_point() {
        let a = analysis(&[1.0, 2.0, 3.0]);
        let html = table_html(&a, &ChartText { title: "Waits", x_labels: &labels(3), ..ChartText::default() });
        assert_eq!(html.matches("<tr class=\"nhsuk-table__row\">").count(), 4);
        assert!(html.contains("<caption class=\"nhsuk-table__caption\">Data for Waits</caption>"));
    }
}
