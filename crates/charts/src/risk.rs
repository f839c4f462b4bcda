//! The 5 × 5 risk heat map as accessible SVG: likelihood up the side, consequence along the bottom,
//! each cell in its band's colour with the number of risks in it. The `<desc>` lists every occupied
//! cell in words, so the picture is never the only way to read it.

use std::fmt::Write;

use crate::spc::escape;

const CELL: f64 = 56.0;
const LEFT: f64 = 118.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 64.0;
const INK: &str = "#212b32";

/// NHS.UK-compatible fills for the pack's band colour names; an unknown name is drawn grey.
fn fill(colour: &str) -> &'static str {
    match colour {
        "green" => "#b9dcc2",
        "yellow" => "#fff59d",
        "orange" => "#ffc48a",
        "red" => "#f4a49a",
        _ => "#e8edee",
    }
}

/// What the heat map shows.
pub struct HeatMapText<'a> {
    pub title: &'a str,
    /// `counts[likelihood − 1][consequence − 1]`.
    pub counts: &'a [[u32; 5]; 5],
    /// The band colour name of each cell, same indexing.
    pub colours: &'a [[String; 5]; 5],
    pub consequence_labels: &'a [String],
    pub likelihood_labels: &'a [String],
    /// A prefix for element ids, unique on the page.
    pub id: &'a str,
}

pub fn heat_map(text: &HeatMapText<'_>) -> String {
    let width = LEFT + 5.0 * CELL + 8.0;
    let height = TOP + 5.0 * CELL + BOTTOM;
    let id = if text.id.is_empty() { "heat" } else { text.id };
    let mut described = Vec::new();
    for l in (0..5).rev() {
        for c in 0..5 {
            let n = text.counts[l][c];
            if n > 0 {
                described.push(format!(
                    "{n} risk{} at consequence {} and likelihood {} (score {})",
                    if n == 1 { "" } else { "s" },
                    c + 1,
                    l + 1,
                    (c + 1) * (l + 1)
                ));
            }
        }
    }
    let desc =
        if described.is_empty() { "No risks are recorded.".to_owned() } else { format!("{}.", described.join("; ")) };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="Arial, sans-serif" font-size="12"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(text.title),
        escape(&desc)
    );
    for l in 0..5 {
        // Likelihood 5 at the top.
        let y = TOP + (4 - l) as f64 * CELL;
        let label = text.likelihood_labels.get(l).map_or(String::new(), |t| format!("{} {}", l + 1, t));
        let _ = write!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end" fill="{INK}">{}</text>"#,
            LEFT - 8.0,
            y + CELL / 2.0 + 4.0,
            escape(&label)
        );
        for c in 0..5 {
            let x = LEFT + c as f64 * CELL;
            let n = text.counts[l][c];
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{}" stroke="white" stroke-width="2"/>"#,
                fill(&text.colours[l][c])
            );
            let score = (c + 1) * (l + 1);
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#4c6272">{score}</text>"##,
                x + 5.0,
                y + 14.0
            );
            if n > 0 {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="14" fill="{INK}"/><text x="{0:.1}" y="{:.1}" text-anchor="middle" font-weight="bold" fill="white">{n}</text>"#,
                    x + CELL / 2.0,
                    y + CELL / 2.0 + 4.0,
                    y + CELL / 2.0 + 8.0
                );
            }
        }
    }
    for c in 0..5 {
        let x = LEFT + c as f64 * CELL + CELL / 2.0;
        let label = text.consequence_labels.get(c).cloned().unwrap_or_default();
        let _ = write!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">{}</text>"#,
            TOP + 5.0 * CELL + 16.0,
            c + 1
        );
        let _ = write!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="{INK}">{}</text>"#,
            TOP + 5.0 * CELL + 30.0,
            escape(&label)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{INK}">Consequence</text><text x="12" y="{:.1}" fill="{INK}" transform="rotate(-90 12 {2:.1})" text-anchor="middle">Likelihood</text></svg>"#,
        LEFT + 2.5 * CELL,
        height - 8.0,
        TOP + 2.5 * CELL
    );
    s
}

/// A risk's score over time as a small step line (scores 1–25 up the side, one step per re-score),
/// with every score and its date in the `<desc>`. `scores` are (date in words, score), oldest first.
pub fn trend(title: &str, scores: &[(String, u8)], id: &str) -> String {
    const W: f64 = 260.0;
    const H: f64 = 64.0;
    const PAD: f64 = 6.0;
    let desc = if scores.is_empty() {
        "No scores recorded.".to_owned()
    } else {
        let listed: Vec<String> = scores.iter().map(|(when, score)| format!("{score} on {when}")).collect();
        format!("Scores, oldest first: {}.", listed.join("; "))
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="Arial, sans-serif" font-size="10"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(&desc)
    );
    // Guide lines at 5, 15 and 25 so a rise into the red is visible.
    for guide in [5u8, 15, 25] {
        let y = y_of(guide, H, PAD);
        let _ = write!(
            s,
            r##"<line x1="{PAD}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#d8dde0"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#4c6272">{guide}</text>"##,
            W - 24.0,
            W - PAD,
            y + 3.0
        );
    }
    if !scores.is_empty() {
        let step = if scores.len() > 1 { (W - 30.0 - PAD) / (scores.len() - 1) as f64 } else { 0.0 };
        let mut path = String::new();
        for (i, (_, score)) in scores.iter().enumerate() {
            let (x, y) = (PAD + i as f64 * step, y_of(*score, H, PAD));
            let _ = write!(path, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { " H" });
            if i > 0 {
                let _ = write!(path, " V{y:.1}");
            }
        }
        let _ = write!(s, r#"<path d="{path}" fill="none" stroke="{INK}" stroke-width="2"/>"#);
        for (i, (_, score)) in scores.iter().enumerate() {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{INK}"/>"#,
                PAD + i as f64 * step,
                y_of(*score, H, PAD)
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn y_of(score: u8, height: f64, pad: f64) -> f64 {
    height - pad - (f64::from(score.clamp(1, 25)) - 1.0) / 24.0 * (height - 2.0 * pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupied_cells_are_counted_and_described() {
        let mut counts = [[0u32; 5]; 5];
        counts[2][3] = 2; // likelihood 3, consequence 4
        let colours: [[String; 5]; 5] = std::array::from_fn(|_| std::array::from_fn(|_| "orange".to_owned()));
        let labels: Vec<String> =
            ["Negligible", "Minor", "Moderate", "Major", "Catastrophic"].map(String::from).to_vec();
        let svg = heat_map(&HeatMapText {
            title: "Risks of <Ward 7>",
            counts: &counts,
            colours: &colours,
            consequence_labels: &labels,
            likelihood_labels: &labels,
            id: "h",
        });
        assert!(svg.contains("<title id=\"h-title\">Risks of &lt;Ward 7&gt;</title>"));
        assert!(svg.contains("2 risks at consequence 4 and likelihood 3 (score 12)."));
        assert_eq!(svg.matches("<circle").count(), 1);
        assert_eq!(svg.matches("<rect").count(), 25);
    }

    /// 16, then 12, then 6: three points, the last lowest (y grows downwards), every score in words.
    #[test]
    fn a_trend_draws_each_score_and_says_them() {
        let scores = [("1 March 2026".to_owned(), 16), ("1 April 2026".to_owned(), 12), ("1 May 2026".to_owned(), 6)];
        let svg = trend("Score over time", &scores, "t");
        assert!(svg.contains("Scores, oldest first: 16 on 1 March 2026; 12 on 1 April 2026; 6 on 1 May 2026."));
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(y_of(6, 64.0, 6.0) > y_of(16, 64.0, 6.0), "a lower score is drawn lower");
        assert!((y_of(25, 64.0, 6.0) - 6.0).abs() < 1e-9 && (y_of(1, 64.0, 6.0) - 58.0).abs() < 1e-9);
    }
}
