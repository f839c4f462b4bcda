//! A driver diagram as SVG: the aim on the left, primary drivers, secondary drivers and change ideas
//! in columns to its right, each joined to what it hangs from. Change ideas are coloured by how far
//! they have been tested, and say it in words too. The page also shows the diagram as a nested list,
//! which is the accessible form; the drawing has a title and a description.

use crate::spc::escape;

/// One box of the diagram.
#[derive(Clone, Debug)]
pub struct Box<'a> {
    pub id: i64,
    pub parent: Option<i64>,
    /// 1 primary driver, 2 secondary driver, 3 change idea.
    pub column: usize,
    pub label: &'a str,
    /// For change ideas: the words ("Tested: adopt") and the fill colour.
    pub status: Option<(&'a str, &'a str)>,
}

const COLUMN_WIDTH: f64 = 220.0;
const GAP: f64 = 40.0;
const LINE: f64 = 15.0;
const PAD: f64 = 8.0;
const CHARS_PER_LINE: usize = 28;
const ROW_GAP: f64 = 14.0;

fn lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match out.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= CHARS_PER_LINE => {
                line.push(' ');
                line.push_str(word);
            }
            _ => out.push(word.to_owned()),
        }
    }
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

/// A palette name to a fill that keeps dark text readable (contrast above 4.5:1 with #212b32).
fn fill(colour: &str) -> &'static str {
    match colour {
        "green" => "#cce2d8",
        "yellow" => "#fff59d",
        "red" => "#f6d7d2",
        "blue" => "#d2e2f1",
        _ => "#eef0f1",
    }
}

struct Placed {
    x: f64,
    y: f64,
    height: f64,
    lines: Vec<String>,
}

/// Draws the diagram. `id` makes element ids unique on the page.
pub fn svg(aim: &str, boxes: &[Box<'_>], id: &str) -> String {
    let height_of = |b: &Box<'_>| {
        let extra = if b.status.is_some() { 1.0 } else { 0.0 };
        (lines(b.label).len() as f64 + extra) * LINE + 2.0 * PAD
    };
    // Leaves take rows from the top in tree order; a parent sits level with the middle of its children.
    let mut placed: Vec<Option<Placed>> = (0..boxes.len()).map(|_| None).collect();
    let mut next_y = 0.0;
    fn place(
        index: usize,
        boxes: &[Box<'_>],
        placed: &mut Vec<Option<Placed>>,
        next_y: &mut f64,
        height_of: &dyn Fn(&Box<'_>) -> f64,
    ) -> (f64, f64) {
        let b = &boxes[index];
        let children: Vec<usize> = (0..boxes.len()).filter(|&i| boxes[i].parent == Some(b.id)).collect();
        let height = height_of(b);
        let x = (b.column as f64) * (COLUMN_WIDTH + GAP);
        let (top, bottom) = if children.is_empty() {
            let top = *next_y;
            *next_y += height + ROW_GAP;
            (top, top + height)
        } else {
            let spans: Vec<(f64, f64)> = children.iter().map(|&c| place(c, boxes, placed, next_y, height_of)).collect();
            let first = spans.first().map_or(0.0, |s| s.0);
            let last = spans.last().map_or(0.0, |s| s.1);
            let middle = (first + last) / 2.0;
            (middle - height / 2.0, middle + height / 2.0)
        };
        placed[index] = Some(Placed { x, y: top.max(0.0), height, lines: lines(b.label) });
        (top, bottom)
    }
    let roots: Vec<usize> = (0..boxes.len()).filter(|&i| boxes[i].parent.is_none()).collect();
    let mut root_spans = Vec::new();
    for r in roots {
        root_spans.push(place(r, boxes, &mut placed, &mut next_y, &height_of));
    }
    let aim_lines = lines(aim);
    let aim_height = aim_lines.len() as f64 * LINE + 2.0 * PAD;
    let total = next_y.max(aim_height + ROW_GAP);
    let aim_y = match (root_spans.first(), root_spans.last()) {
        (Some(f), Some(l)) => ((f.0 + l.1) / 2.0 - aim_height / 2.0).max(0.0),
        _ => 0.0,
    };
    let width = 4.0 * COLUMN_WIDTH + 3.0 * GAP;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"-2 -2 {} {}\" width=\"100%\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" class=\"kindling-driver-diagram\">\
         <title id=\"{id}-title\">Driver diagram</title><desc id=\"{id}-desc\">Aim: {}. {} primary drivers, {} secondary drivers, {} change ideas. The list below gives the same diagram in words.</desc>",
        width + 4.0,
        total + 4.0,
        escape(aim),
        boxes.iter().filter(|b| b.column == 1).count(),
        boxes.iter().filter(|b| b.column == 2).count(),
        boxes.iter().filter(|b| b.column == 3).count(),
    );
    let text_block = |out: &mut String, x: f64, y: f64, lines: &[String], bold: bool| {
        for (i, line) in lines.iter().enumerate() {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\"{}>{}</text>",
                x + PAD,
                y + PAD + LINE * (i as f64 + 1.0) - 3.0,
                if bold { " font-weight=\"bold\"" } else { "" },
                escape(line)
            ));
        }
    };
    // Connectors first, so boxes sit on top of them.
    for (i, b) in boxes.iter().enumerate() {
        let Some(p) = &placed[i] else { continue };
        let (px, py) = match b.parent.and_then(|parent| boxes.iter().position(|o| o.id == parent)) {
            Some(pi) => match &placed[pi] {
                Some(q) => (q.x + COLUMN_WIDTH, q.y + q.height / 2.0),
                None => continue,
            },
            None => (COLUMN_WIDTH, aim_y + aim_height / 2.0),
        };
        let (cx, cy) = (p.x, p.y + p.height / 2.0);
        let mid = (px + cx) / 2.0;
        out.push_str(&format!(
            "<path d=\"M{px:.1},{py:.1} H{mid:.1} V{cy:.1} H{cx:.1}\" fill=\"none\" stroke=\"#768692\" stroke-width=\"1.5\"/>"
        ));
    }
    out.push_str(&format!(
        "<rect x=\"0\" y=\"{aim_y:.1}\" width=\"{COLUMN_WIDTH}\" height=\"{aim_height:.1}\" rx=\"4\" fill=\"#005eb8\"/>"
    ));
    for (i, line) in aim_lines.iter().enumerate() {
        out.push_str(&format!(
            "<text x=\"{PAD}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"bold\" fill=\"#ffffff\">{}</text>",
            aim_y + PAD + LINE * (i as f64 + 1.0) - 3.0,
            escape(line)
        ));
    }
    for (i, b) in boxes.iter().enumerate() {
        let Some(p) = &placed[i] else { continue };
        let colour = b.status.map_or(if b.column == 1 { "#d2e2f1" } else { "#ffffff" }, |(_, c)| fill(c));
        out.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{COLUMN_WIDTH}\" height=\"{:.1}\" rx=\"4\" fill=\"{colour}\" stroke=\"#425563\"/>",
            p.x, p.y, p.height
        ));
        text_block(&mut out, p.x, p.y, &p.lines, b.column == 1);
        if let Some((words, _)) = b.status {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-style=\"italic\">{}</text>",
                p.x + PAD,
                p.y + PAD + LINE * (p.lines.len() as f64 + 1.0) - 3.0,
                escape(words)
            ));
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_sit_level_with_their_children_and_the_drawing_parses() {
        let boxes = [
            Box { id: 1, parent: None, column: 1, label: "Staff present in bays", status: None },
            Box { id: 2, parent: Some(1), column: 3, label: "Bay tag", status: Some(("Tested: adopt", "green")) },
            Box { id: 3, parent: Some(1), column: 3, label: "Tag at breaks", status: Some(("Not tested yet", "grey")) },
            Box { id: 4, parent: None, column: 1, label: "Safe footwear", status: None },
        ];
        let svg = svg("Falls on Ward 7 down by a third <by March>", &boxes, "d1");
        let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("well-formed SVG");
        assert!(tree.size().height() > 0.0);
        assert!(svg.contains("Tested: adopt") && svg.contains("&lt;by March&gt;"));
        assert!(svg.contains("2 primary drivers, 0 secondary drivers, 2 change ideas"));
        // Two change ideas of a label line and a status line each (height 8 + 15 + 15 + 8 = 46, gap 14):
        // rows at 0 to 46 and 60 to 106, so the driver (one line, height 8 + 15 + 8 = 31) is centred on
        // 53: its top is at 37.5, in the primary column at x = 220 + 40.
        assert!(svg.contains("<rect x=\"260.0\" y=\"37.5\" width=\"220\" height=\"31.0\""), "{svg}");
    }
}
