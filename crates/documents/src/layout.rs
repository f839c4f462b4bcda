//! A document broken into A4 pages, each page an SVG drawing.
//!
//! The model is deliberately small: what Kindling's reports need and no more. Text wraps at word
//! boundaries using the width of the real font ([`Measure`]), headings stay with what follows them,
//! table headers repeat on every page the table reaches, and every page carries the document's title
//! and "Page n of N" at its foot.

use std::fmt::Write;

use crate::Fonts;

/// A4 in PostScript points (1/72 inch), the unit of both SVG user space here and PDF.
pub const PAGE_WIDTH: f64 = 595.28;
pub const PAGE_HEIGHT: f64 = 841.89;
/// About 2 cm, the margin of NHS letters and board papers.
const MARGIN: f64 = 56.0;
const FOOTER_GAP: f64 = 24.0;
const CONTENT_WIDTH: f64 = PAGE_WIDTH - 2.0 * MARGIN;
const BOTTOM: f64 = PAGE_HEIGHT - MARGIN - FOOTER_GAP;

const INK: &str = "#212b32";
const SECONDARY: &str = "#4c6272";
const RULE: &str = "#d8dde0";

const TITLE_SIZE: f64 = 22.0;
const HEADING_SIZE: f64 = 15.0;
const SUBHEADING_SIZE: f64 = 12.0;
const BODY_SIZE: f64 = 10.5;
const TABLE_SIZE: f64 = 9.0;
const SMALL_SIZE: f64 = 8.0;
/// Line height as a multiple of the font size.
const LEADING: f64 = 1.35;
const CELL_PADDING: f64 = 4.0;

/// What a document says, in reading order.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub title: String,
    /// A line under the title: who it is for and when it was prepared.
    pub subtitle: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug)]
pub enum Block {
    Heading(String),
    Subheading(String),
    Paragraph(String),
    Bullets(Vec<String>),
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
    },
    /// An SVG drawing (a chart) scaled to fit the text width, with a caption under it.
    Figure {
        svg: String,
        width: f64,
        height: f64,
        caption: String,
    },
    /// Blocks that start on a new page rather than be split, unless they need more than a page.
    Together(Vec<Block>),
}

/// A table column: its header, its share of the text width, and whether numbers align right.
#[derive(Clone, Debug)]
pub struct Column {
    pub title: String,
    pub share: f64,
    pub numeric: bool,
}

impl Column {
    pub fn text(title: &str, share: f64) -> Self {
        Self { title: title.to_owned(), share, numeric: false }
    }

    pub fn numeric(title: &str, share: f64) -> Self {
        Self { title: title.to_owned(), share, numeric: true }
    }
}

/// How wide a run of text is: the font's metrics in production, a fixed pitch in tests.
pub trait Measure {
    fn width(&self, text: &str, size: f64, bold: bool) -> f64;
    fn family(&self) -> &str;
}

impl Measure for Fonts {
    fn width(&self, text: &str, size: f64, bold: bool) -> f64 {
        Fonts::width(self, text, size, bold)
    }

    fn family(&self) -> &str {
        Fonts::family(self)
    }
}

/// Breaks `text` into lines no wider than `width`, at spaces; a word wider than a whole line is
/// broken between characters. Newlines in the text start new lines.
pub fn wrap(text: &str, width: f64, size: f64, bold: bool, measure: &dyn Measure) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if measure.width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone may still be too wide: split it.
            for c in word.chars() {
                let mut longer = line.clone();
                longer.push(c);
                if !line.is_empty() && measure.width(&longer, size, bold) > width {
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                } else {
                    line = longer;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// The document as pages, each a complete `<svg>` of A4 size.
pub fn pages(document: &Document, measure: &dyn Measure) -> Vec<String> {
    let mut pager = Pager::new(measure);
    pager.lines(&document.title, MARGIN, CONTENT_WIDTH, Style::bold(TITLE_SIZE));
    if !document.subtitle.is_empty() {
        pager.lines(&document.subtitle, MARGIN, CONTENT_WIDTH, Style::secondary(BODY_SIZE));
    }
    pager.y += 8.0;
    for block in &document.blocks {
        pager.block(block);
    }
    pager.finish(&document.title)
}

/// How a run of text is set.
#[derive(Clone, Copy)]
struct Style {
    size: f64,
    bold: bool,
    fill: &'static str,
}

impl Style {
    fn plain(size: f64) -> Self {
        Self { size, bold: false, fill: INK }
    }

    fn bold(size: f64) -> Self {
        Self { size, bold: true, fill: INK }
    }

    fn secondary(size: f64) -> Self {
        Self { size, bold: false, fill: SECONDARY }
    }
}

struct Pager<'a> {
    measure: &'a dyn Measure,
    /// Finished pages' bodies.
    done: Vec<String>,
    body: String,
    /// The baseline position for the next content's top edge.
    y: f64,
}

impl<'a> Pager<'a> {
    fn new(measure: &'a dyn Measure) -> Self {
        Self { measure, done: Vec::new(), body: String::new(), y: MARGIN }
    }

    fn new_page(&mut self) {
        self.done.push(std::mem::take(&mut self.body));
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` still fits on this one (or this page is empty, in which
    /// case nothing would be gained).
    fn room_for(&mut self, height: f64) {
        if self.y + height > BOTTOM && self.y > MARGIN {
            self.new_page();
        }
    }

    fn line_height(size: f64) -> f64 {
        size * LEADING
    }

    fn text(&mut self, x: f64, baseline: f64, text: &str, style: Style, anchor_end: bool) {
        let Style { size, bold, fill } = style;
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        let anchor = if anchor_end { r#" text-anchor="end""# } else { "" };
        let _ = write!(
            self.body,
            r#"<text x="{x:.2}" y="{baseline:.2}" font-size="{size}"{weight}{anchor} fill="{fill}">{}</text>"#,
            escape(text)
        );
    }

    /// Wrapped text starting at the current position, breaking pages between lines.
    fn lines(&mut self, text: &str, x: f64, width: f64, style: Style) {
        let height = Self::line_height(style.size);
        for line in wrap(text, width, style.size, style.bold, self.measure) {
            self.room_for(height);
            self.text(x, self.y + style.size, &line, style, false);
            self.y += height;
        }
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Heading(text) => self.heading(text, HEADING_SIZE),
            Block::Subheading(text) => self.heading(text, SUBHEADING_SIZE),
            Block::Paragraph(text) => {
                self.lines(text, MARGIN, CONTENT_WIDTH, Style::plain(BODY_SIZE));
                self.y += BODY_SIZE * 0.6;
            }
            Block::Bullets(items) => {
                let indent = 14.0;
                for item in items {
                    self.room_for(Self::line_height(BODY_SIZE));
                    self.text(MARGIN + 2.0, self.y + BODY_SIZE, "•", Style::plain(BODY_SIZE), false);
                    self.lines(item, MARGIN + indent, CONTENT_WIDTH - indent, Style::plain(BODY_SIZE));
                }
                self.y += BODY_SIZE * 0.6;
            }
            Block::Table { columns, rows } => self.table(columns, rows),
            Block::Figure { svg, width, height, caption } => self.figure(svg, *width, *height, caption),
            Block::Together(blocks) => {
                // Lay the group out on a blank page to learn its height.
                let mut trial = Pager::new(self.measure);
                for block in blocks {
                    trial.block(block);
                }
                if trial.done.is_empty() {
                    self.room_for(trial.y - MARGIN);
                }
                for block in blocks {
                    self.block(block);
                }
            }
        }
    }

    fn heading(&mut self, text: &str, size: f64) {
        // Keep a heading with at least three lines of what follows it.
        let lines = wrap(text, CONTENT_WIDTH, size, true, self.measure).len() as f64;
        self.y += size * 0.8;
        self.room_for(lines * Self::line_height(size) + 3.0 * Self::line_height(BODY_SIZE));
        self.lines(text, MARGIN, CONTENT_WIDTH, Style::bold(size));
        self.y += size * 0.3;
    }

    fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        let total: f64 = columns.iter().map(|c| c.share).sum::<f64>().max(f64::EPSILON);
        let widths: Vec<f64> = columns.iter().map(|c| CONTENT_WIDTH * c.share / total).collect();
        let header: Vec<String> = columns.iter().map(|c| c.title.clone()).collect();
        let header_height = self.row_height(&header, &widths, true);
        self.room_for(header_height + Self::line_height(TABLE_SIZE) + 2.0 * CELL_PADDING);
        self.row(columns, &widths, &header, true);
        for row in rows {
            let height = self.row_height(row, &widths, false);
            if self.y + height > BOTTOM {
                self.new_page();
                self.row(columns, &widths, &header, true);
            }
            self.row(columns, &widths, row, false);
        }
        self.y += BODY_SIZE;
    }

    fn row_height(&self, cells: &[String], widths: &[f64], bold: bool) -> f64 {
        let lines = cells
            .iter()
            .zip(widths)
            .map(|(cell, w)| wrap(cell, w - 2.0 * CELL_PADDING, TABLE_SIZE, bold, self.measure).len())
            .max()
            .unwrap_or(1);
        lines as f64 * Self::line_height(TABLE_SIZE) + 2.0 * CELL_PADDING
    }

    fn row(&mut self, columns: &[Column], widths: &[f64], cells: &[String], header: bool) {
        let height = self.row_height(cells, widths, header);
        let top = self.y;
        let mut x = MARGIN;
        for ((cell, width), column) in cells.iter().zip(widths).zip(columns) {
            let lines = wrap(cell, width - 2.0 * CELL_PADDING, TABLE_SIZE, header, self.measure);
            for (i, line) in lines.iter().enumerate() {
                let baseline = top + CELL_PADDING + TABLE_SIZE + i as f64 * Self::line_height(TABLE_SIZE);
                let (at, end) =
                    if column.numeric { (x + width - CELL_PADDING, true) } else { (x + CELL_PADDING, false) };
                self.text(at, baseline, line, Style { size: TABLE_SIZE, bold: header, fill: INK }, end);
            }
            x += width;
        }
        let (rule, stroke) = if header { (INK, 1.0) } else { (RULE, 0.6) };
        let _ = write!(
            self.body,
            r#"<line x1="{MARGIN}" y1="{0:.2}" x2="{1:.2}" y2="{0:.2}" stroke="{rule}" stroke-width="{stroke}"/>"#,
            top + height,
            MARGIN + CONTENT_WIDTH
        );
        self.y = top + height;
    }

    fn figure(&mut self, svg: &str, width: f64, height: f64, caption: &str) {
        let scale = (CONTENT_WIDTH / width).min(1.0);
        let caption_lines = wrap(caption, CONTENT_WIDTH, SMALL_SIZE + 1.0, false, self.measure).len() as f64;
        self.room_for(height * scale + caption_lines * Self::line_height(SMALL_SIZE + 1.0) + 6.0);
        let svg = svg.trim_start();
        let svg = if svg.starts_with("<?xml") { svg.split_once("?>").map_or(svg, |(_, rest)| rest) } else { svg };
        let _ = write!(self.body, r#"<g transform="translate({MARGIN} {:.2}) scale({scale:.4})">{svg}</g>"#, self.y);
        self.y += height * scale + 4.0;
        self.lines(caption, MARGIN, CONTENT_WIDTH, Style::secondary(SMALL_SIZE + 1.0));
        self.y += BODY_SIZE;
    }

    fn finish(mut self, title: &str) -> Vec<String> {
        if !self.body.is_empty() || self.done.is_empty() {
            self.done.push(std::mem::take(&mut self.body));
        }
        let count = self.done.len();
        let family = escape(self.measure.family());
        let foot = PAGE_HEIGHT - MARGIN + SMALL_SIZE;
        self.done
            .iter()
            .enumerate()
            .map(|(i, body)| {
                format!(
                    concat!(
                        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{family}">"#,
                        r#"<rect width="{w}" height="{h}" fill="white"/>{body}"#,
                        r#"<text x="{left}" y="{foot}" font-size="{small}" fill="{secondary}">{title}</text>"#,
                        r#"<text x="{right}" y="{foot}" font-size="{small}" fill="{secondary}" text-anchor="end">Page {n} of {count}</text>"#,
                        "</svg>"
                    ),
                    w = PAGE_WIDTH,
                    h = PAGE_HEIGHT,
                    family = family,
                    body = body,
                    left = MARGIN,
                    right = PAGE_WIDTH - MARGIN,
                    foot = foot,
                    small = SMALL_SIZE,
                    secondary = SECONDARY,
                    title = escape(title),
                    n = i + 1,
                    count = count,
                )
            })
            .collect()
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character half an em wide: widths a reader can work out by hand.
    struct HalfEm;

    impl Measure for HalfEm {
        fn width(&self, text: &str, size: f64, _bold: bool) -> f64 {
            text.chars().count() as f64 * size * 0.5
        }

        fn family(&self) -> &str {
            "Test Sans"
        }
    }

    #[test]
    fn text_wraps_at_spaces_and_long_words_break_between_characters() {
        // At size 10 each character is 5 wide, so 50 holds ten characters.
        assert_eq!(wrap("the cat sat on the mat", 50.0, 10.0, false, &HalfEm), ["the cat", "sat on the", "mat"]);
        assert_eq!(wrap("abcdefghijklmnop", 50.0, 10.0, false, &HalfEm), ["abcdefghij", "klmnop"]);
        assert_eq!(wrap("one\ntwo", 50.0, 10.0, false, &HalfEm), ["one", "two"]);
        assert_eq!(wrap("", 50.0, 10.0, false, &HalfEm), [""]);
    }

    fn paragraphs(n: usize) -> Document {
        Document {
            title: "Board report".into(),
            subtitle: "Prepared today".into(),
            blocks: (0..n).map(|i| Block::Paragraph(format!("Paragraph {i}"))).collect(),
        }
    }

    #[test]
    fn pages_break_when_the_text_reaches_the_foot_and_every_page_is_numbered() {
        // One paragraph line is 10.5 × 1.35 = 14.175 high plus 6.3 after it: 20.475 each. The body
        // runs from 56 to 841.89 − 80 = 761.89. After the title (22 × 1.35 = 29.7), subtitle (14.175)
        // and 8 of space, y = 107.875, leaving room for floor((761.89 − 107.875 + 6.3) / 20.475) = 32
        // paragraphs on page one (the last needs only its line, not the space after it).
        let one_page = pages(&paragraphs(32), &HalfEm);
        assert_eq!(one_page.len(), 1);
        assert!(one_page[0].contains("Page 1 of 1"));
        let two_pages = pages(&paragraphs(33), &HalfEm);
        assert_eq!(two_pages.len(), 2);
        assert!(two_pages[1].contains("Paragraph 32") && two_pages[1].contains("Page 2 of 2"));
        assert!(two_pages[0].contains("Board report") && two_pages[0].contains(r#"font-family="Test Sans""#));
    }

    #[test]
    fn blocks_kept_together_move_to_the_next_page_whole() {
        // After 30 paragraphs y = 107.875 + 30 × 20.475 = 722.125. Alone, "A" (to 736.3) and "B"
        // (to 756.775) still fit above 761.89 and "C" does not; together the three need 61.425, so
        // they all move.
        let with = |group: bool| {
            let mut document = paragraphs(30);
            let abc: Vec<Block> = ["A", "B", "C"].iter().map(|t| Block::Paragraph(format!("Kept {t}"))).collect();
            if group {
                document.blocks.push(Block::Together(abc))
            } else {
                document.blocks.extend(abc)
            }
            pages(&document, &HalfEm)
        };
        let apart = with(false);
        assert!(apart[0].contains("Kept A") && apart[0].contains("Kept B") && apart[1].contains("Kept C"));
        let together = with(true);
        assert!(!together[0].contains("Kept A") && together[1].contains("Kept A") && together[1].contains("Kept C"));
    }

    #[test]
    fn a_long_table_repeats_its_header_on_each_page() {
        let rows: Vec<Vec<String>> = (0..80).map(|i| vec![format!("Measure {i}"), format!("{i}")]).collect();
        let document = Document {
            title: "T".into(),
            subtitle: String::new(),
            blocks: vec![Block::Table {
                columns: vec![Column::text("Measure", 3.0), Column::numeric("Latest", 1.0)],
                rows,
            }],
        };
        let pages = pages(&document, &HalfEm);
        assert!(pages.len() >= 2);
        for page in &pages {
            assert!(page.contains(r##"font-weight="bold" fill="#212b32">Measure</text>"##), "header missing on a page");
        }
        // Numbers align right at the column's right edge less the padding.
        assert!(pages[0].contains(&format!(r#"x="{:.2}""#, PAGE_WIDTH - MARGIN - CELL_PADDING)));
    }

    #[test]
    fn text_is_escaped_and_figures_lose_their_xml_declaration() {
        let document = Document {
            title: "A & B <report>".into(),
            subtitle: String::new(),
            blocks: vec![Block::Figure {
                svg: r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="966.56" height="100"/>"#
                    .into(),
                width: 966.56,
                height: 100.0,
                caption: "Chart".into(),
            }],
        };
        let page = &pages(&document, &HalfEm)[0];
        assert!(page.contains("A &amp; B &lt;report&gt;"));
        assert!(!page.contains("<?xml"));
        // 966.56 wide is scaled to the 483.28 text width: exactly one half.
        assert!(page.contains("scale(0.5000)"), "{page}");
    }
}
