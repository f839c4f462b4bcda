//! Two groups on one chart, month by month (issue 19 §4): the programme's participants against
//! comparable staff who are not in it, with the month the programme started marked. The groups are
//! told apart by line style and marker shape as well as colour, and the `<desc>` and the table give
//! every value in words. Each group's own SPC chart stays where it is: this chart compares levels, it
//! does not judge signals.

use std::fmt::Write as _;

use crate::spc::escape;

/// One group's line: its name and a value per month (`None` where it has no data that month).
pub struct Line<'a> {
    pub name: &'a str,
    pub values: &'a [Option<f64>],
}

/// What the chart says besides its numbers.
pub struct CompareText<'a> {
    pub title: &'a str,
    /// How a value is written, such as "%" or " per 1,000 bed days", after the number.
    pub suffix: &'a str,
    pub months: &'a [String],
    /// The index of the month the programme started in, if it is among `months`.
    pub started: Option<usize>,
    /// Unique within the page, for the `<title>` and `<desc>` ids.
    pub id: &'a str,
}

const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 56.0;
const FIRST: &str = "#005eb8";
const SECOND: &str = "#4c6272";

fn number(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded:.1}") }
}

/// The chart as SVG: both lines, the start marked with a dashed vertical line, and a legend.
pub fn svg(text: &CompareText<'_>, first: &Line<'_>, second: &Line<'_>) -> String {
    let months = text.months.len();
    let top_value =
        first.values.iter().chain(second.values).flatten().fold(0.0_f64, |a, b| a.max(*b)).max(f64::MIN_POSITIVE);
    let ceiling = nice_ceiling(top_value);
    let x = |i: usize| {
        if months <= 1 {
            LEFT + (W - LEFT - RIGHT) / 2.0
        } else {
            LEFT + i as f64 * (W - LEFT - RIGHT) / (months - 1) as f64
        }
    };
    let y = |v: f64| H - BOTTOM - v / ceiling * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="Arial, sans-serif" font-size="12"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(text.title),
        escape(&describe(text, first, second)),
        id = text.id,
    );
    for k in 0..=4 {
        let v = ceiling * f64::from(k) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#d8dde0"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#4c6272">{}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            // A percentage keeps its sign on the axis; a longer unit is in the title and the table.
            escape(&format!("{}{}", number(v), if text.suffix == "%" { "%" } else { "" })),
            y = y(v),
        );
    }
    // Month labels: at most about eight, always the first and the last.
    let every = months.div_ceil(8).max(1);
    for (i, month) in text.months.iter().enumerate() {
        if i % every == 0 || i + 1 == months {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#4c6272">{}</text>"##,
                x(i),
                H - BOTTOM + 18.0,
                escape(month)
            );
        }
    }
    if let Some(start) = text.started.filter(|i| *i < months) {
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{:.1}" stroke="#212b32" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" fill="#212b32">Programme started</text>"##,
            H - BOTTOM,
            x(start) + 4.0,
            TOP - 6.0,
            x = x(start),
        );
    }
    for (line, colour, dashed, square) in [(first, FIRST, false, false), (second, SECOND, true, true)] {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in line.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(path, "{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, x(i), y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let dash = if dashed { r#" stroke-dasharray="8 4""# } else { "" };
        let _ = write!(s, r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#, path.trim_end());
        for (i, v) in line.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = if square {
                    write!(
                        s,
                        r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{colour}"/>"#,
                        x(i) - 3.5,
                        y(*v) - 3.5
                    )
                } else {
                    write!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{colour}"/>"#, x(i), y(*v))
                };
            }
        }
    }
    // The legend, under the axis.
    let legend_y = H - 14.0;
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" x2="{:.1}" y1="{legend_y}" y2="{legend_y}" stroke="{FIRST}" stroke-width="2"/><circle cx="{:.1}" cy="{legend_y}" r="4" fill="{FIRST}"/><text x="{:.1}" y="{:.1}" fill="#212b32">{}</text>"##,
        LEFT + 28.0,
        LEFT + 14.0,
        LEFT + 34.0,
        legend_y + 4.0,
        escape(first.name)
    );
    let second_x = LEFT + 300.0;
    let _ = write!(
        s,
        r##"<line x1="{second_x}" x2="{:.1}" y1="{legend_y}" y2="{legend_y}" stroke="{SECOND}" stroke-width="2" stroke-dasharray="8 4"/><rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{SECOND}"/><text x="{:.1}" y="{:.1}" fill="#212b32">{}</text>"##,
        second_x + 28.0,
        second_x + 10.5,
        legend_y - 3.5,
        second_x + 34.0,
        legend_y + 4.0,
        escape(second.name)
    );
    s.push_str("</svg>");
    s
}

/// A round number at or above `v` for the top of the axis: 1, 2, 2.5 or 5 times a power of ten.
fn nice_ceiling(v: f64) -> f64 {
    let power = 10_f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * power).find(|c| *c >= v).unwrap_or(10.0 * power)
}

/// Every value in words, for the `<desc>`.
fn describe(text: &CompareText<'_>, first: &Line<'_>, second: &Line<'_>) -> String {
    let said = |line: &Line<'_>| {
        let values: Vec<String> = text
            .months
            .iter()
            .zip(line.values)
            .filter_map(|(m, v)| v.map(|v| format!("{m} {}{}", number(v), text.suffix)))
            .collect();
        format!("{}: {}", line.name, if values.is_empty() { "no data".to_owned() } else { values.join(", ") })
    };
    let started = match text.started.and_then(|i| text.months.get(i)) {
        Some(m) => format!(" The programme started in {m}."),
        None => String::new(),
    };
    format!("{}. {}.{started}", said(first), said(second))
}

/// The same values as a table, the alternative to the chart.
pub fn table_html(text: &CompareText<'_>, first: &Line<'_>, second: &Line<'_>) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<table class="nhsuk-table"><caption class="nhsuk-table__caption nhsuk-table__caption--s">{}</caption><thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Month</th><th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">{}</th><th scope="col" class="nhsuk-table__header nhsuk-table__header--numeric">{}</th></tr></thead><tbody class="nhsuk-table__body">"#,
        escape(text.title),
        escape(first.name),
        escape(second.name)
    );
    let cell = |v: Option<&Option<f64>>| match v.copied().flatten() {
        Some(v) => format!("{}{}", number(v), escape(text.suffix)),
        None => "–".to_owned(),
    };
    for (i, month) in text.months.iter().enumerate() {
        let marker = if text.started == Some(i) { " (programme started)" } else { "" };
        let _ = write!(
            s,
            r#"<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">{}{marker}</th><td class="nhsuk-table__cell nhsuk-table__cell--numeric">{}</td><td class="nhsuk-table__cell nhsuk-table__cell--numeric">{}</td></tr>"#,
            escape(month),
            cell(first.values.get(i)),
            cell(second.values.get(i))
        );
    }
    s.push_str("</tbody></table>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(months: &'a [String]) -> CompareText<'a> {
        CompareText {
            title: "Leavers: participants <and> others",
            suffix: "%",
            months,
            started: Some(1),
            id: "leavers",
        }
    }

    #[test]
    fn both_groups_and_the_start_are_drawn_and_said_in_words() {
        let months: Vec<String> = ["2026-01", "2026-02", "2026-03"].map(String::from).to_vec();
        let first = Line { name: "Participants", values: &[Some(1.5), None, Some(0.4)] };
        let second = Line { name: "Staff not in the programme", values: &[Some(1.4), Some(1.6), Some(1.2)] };
        let svg = svg(&text(&months), &first, &second);
        assert!(svg.contains("<title id=\"leavers-title\">Leavers: participants &lt;and&gt; others</title>"));
        assert!(svg.contains("Participants: 2026-01 1.5%, 2026-03 0.4%. Staff not in the programme: 2026-01 1.4%, 2026-02 1.6%, 2026-03 1.2%. The programme started in 2026-02."));
        assert!(svg.contains("Programme started"));
        // The participants' line breaks where a month has no data: two separate moves, no line through.
        let first_path = svg.split("<path d=\"").nth(1).unwrap();
        assert_eq!(first_path.split('"').next().unwrap().matches('M').count(), 2);
        assert_eq!(svg.matches("<circle").count(), 2 + 1, "two points and the legend's marker");
        assert_eq!(svg.matches("<rect").count(), 3 + 1, "three points and the legend's marker");
        let table = table_html(&text(&months), &first, &second);
        assert!(table.contains(
            "2026-02 (programme started)</th><td class=\"nhsuk-table__cell nhsuk-table__cell--numeric\">–</td>"
        ));
    }

    #[test]
    fn the_axis_tops_out_at_a_round_number() {
        assert_eq!(nice_ceiling(1.6), 2.0);
        assert_eq!(nice_ceiling(2.2), 2.5);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(10.0), 10.0);
        assert_eq!(nice_ceiling(0.03), 0.05);
    }
}
