//! A sheet's cells, read as they stream past and checked one by one: a position beyond the bounds, one
//! cell too many or one byte of text too many stops the read before anything is allocated for it. Only
//! cells that hold a value are kept, in one text buffer with a small record each.

use crate::archive::Archive;
use crate::parts::{self, Context};
use crate::xml::{self, Flow, Node};
use crate::{Limits, WorkbookError, dates, grouped, size};

/// Bytes of text the reader may still keep.
pub(crate) struct TextBudget {
    max: usize,
    used: usize,
}

impl TextBudget {
    pub(crate) fn new(max: usize) -> Self {
        Self { max, used: 0 }
    }

    pub(crate) fn take(&mut self, bytes: usize) -> Result<(), WorkbookError> {
        self.used = self.used.saturating_add(bytes);
        if self.used > self.max { Err(too_much_text(self.max)) } else { Ok(()) }
    }
}

fn too_much_text(max: usize) -> WorkbookError {
    WorkbookError::TooMuchText { max: size(max as u64) }
}

/// The cells with a value, in the order the sheet gave them.
pub(crate) struct Cells {
    text: String,
    cells: Vec<CellAt>,
}

/// One cell: its row and column (from 1) and where its text lies in [`Cells::text`].
#[derive(Clone, Copy)]
struct CellAt {
    row: u32,
    column: u32,
    start: u32,
    end: u32,
}

/// What the `t` attribute says a cell holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Shared,
    Inline,
    FormulaText,
    Boolean,
    Error,
    IsoDate,
}

impl Kind {
    fn parse(t: Option<&str>) -> Self {
        match t {
            Some("s") => Self::Shared,
            Some("inlineStr") => Self::Inline,
            Some("str") => Self::FormulaText,
            Some("b") => Self::Boolean,
            Some("e") => Self::Error,
            Some("d") => Self::IsoDate,
            _ => Self::Number,
        }
    }
}

/// The cell being read.
struct Open {
    row: u32,
    column: u32,
    kind: Kind,
    style: usize,
    raw: String,
    in_value: bool,
    in_inline: bool,
    in_text: bool,
    in_phonetic: bool,
}

pub(crate) fn read(
    archive: &mut Archive<'_>,
    context: &Context<'_>,
    limits: &Limits,
    budget: &mut TextBudget,
) -> Result<Cells, WorkbookError> {
    let mut cells = Cells { text: String::new(), cells: Vec::new() };
    let mut row: u32 = 0;
    let mut next_column: u32 = 1;
    let mut open: Option<Open> = None;
    let found = archive.with_part(&context.book.first_sheet, |part| {
        xml::each(part, "sheet", |node| {
            match node {
                Node::Open(start) => match xml::name(start) {
                    "dimension" => {
                        if let Some(declared) = xml::attribute(start, "ref", "sheet")? {
                            check_declared(&declared, limits)?;
                        }
                    }
                    "row" => {
                        row = match xml::attribute(start, "r", "sheet")? {
                            Some(r) => r.trim().parse().map_err(|_| bad_reference(&r))?,
                            None => row.saturating_add(1),
                        };
                        next_column = 1;
                    }
                    "c" => {
                        let (r, c) = match xml::attribute(start, "r", "sheet")? {
                            Some(reference) => parse_reference(&reference)?,
                            None => (row, next_column),
                        };
                        row = r;
                        next_column = c.saturating_add(1);
                        let kind = Kind::parse(xml::attribute(start, "t", "sheet")?.as_deref());
                        let style =
                            xml::attribute(start, "s", "sheet")?.and_then(|s| s.trim().parse().ok()).unwrap_or(0);
                        open = Some(Open {
                            row: r,
                            column: c,
                            kind,
                            style,
                            raw: String::new(),
                            in_value: false,
                            in_inline: false,
                            in_text: false,
                            in_phonetic: false,
                        });
                    }
                    name => {
                        if let Some(cell) = open.as_mut() {
                            match name {
                                "v" => cell.in_value = true,
                                "is" => cell.in_inline = true,
                                "t" => cell.in_text = true,
                                "rPh" => cell.in_phonetic = true,
                                _ => {}
                            }
                        }
                    }
                },
                Node::Text(text) => {
                    if let Some(cell) = open.as_mut()
                        && (cell.in_value || (cell.in_inline && cell.in_text && !cell.in_phonetic))
                    {
                        // Counted as it arrives, so a cell of endless text stops at the budget.
                        budget.take(text.len())?;
                        cell.raw.push_str(text);
                    }
                }
                Node::Close(name) => match name {
                    "c" => {
                        if let Some(cell) = open.take() {
                            cells.push(cell, context, limits)?;
                        }
                    }
                    "v" | "is" | "t" | "rPh" => {
                        if let Some(cell) = open.as_mut() {
                            match name {
                                "v" => cell.in_value = false,
                                "is" => cell.in_inline = false,
                                "t" => cell.in_text = false,
                                _ => cell.in_phonetic = false,
                            }
                        }
                    }
                    _ => {}
                },
            }
            Ok(Flow::Continue)
        })
    })?;
    match found {
        Some(()) => Ok(cells),
        None => Err(WorkbookError::NotAWorkbook("its first sheet is missing".to_owned())),
    }
}

impl Cells {
    fn push(&mut self, cell: Open, context: &Context<'_>, limits: &Limits) -> Result<(), WorkbookError> {
        let value = value(&cell, context)?;
        let value = value.trim();
        if value.is_empty() {
            return Ok(());
        }
        if cell.row > limits.max_rows || cell.column > limits.max_columns {
            return Err(WorkbookError::CellOutOfBounds {
                cell: a1(cell.row, cell.column),
                max_rows: grouped(limits.max_rows.into()),
                max_columns: grouped(limits.max_columns.into()),
            });
        }
        if self.cells.len() == limits.max_cells {
            return Err(WorkbookError::TooManyCells { max: grouped(limits.max_cells as u64) });
        }
        let start = self.text.len();
        // The importers read line by line: a line break inside a cell would split its row in two.
        self.text.extend(value.chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }));
        // The text budget keeps the buffer far below u32::MAX.
        self.cells.push(CellAt {
            row: cell.row,
            column: cell.column,
            start: start as u32,
            end: self.text.len() as u32,
        });
        Ok(())
    }

    /// The cells as CSV: line `n` is row `n`; columns left of the first used one are dropped; a later
    /// cell at the same position as an earlier one replaces it.
    pub(crate) fn into_csv(mut self, max_bytes: usize) -> Result<String, WorkbookError> {
        self.cells.sort_by_key(|c| (c.row, c.column));
        let first_column = self.cells.iter().map(|c| c.column).min().unwrap_or(1);
        let mut out = String::new();
        let mut line: u32 = 1;
        let mut last_slot: u32 = 0;
        for (i, cell) in self.cells.iter().enumerate() {
            if self.cells.get(i + 1).is_some_and(|next| (next.row, next.column) == (cell.row, cell.column)) {
                continue;
            }
            if cell.row > line {
                let breaks = (cell.row - line) as usize;
                check_size(out.len(), breaks, max_bytes)?;
                out.extend(std::iter::repeat_n('\n', breaks));
                line = cell.row;
                last_slot = 0;
            }
            let slot = cell.column - first_column;
            let commas = (slot - last_slot) as usize;
            let text = &self.text[cell.start as usize..cell.end as usize];
            check_size(out.len(), commas + text.len() + 2 + text.matches('"').count(), max_bytes)?;
            out.extend(std::iter::repeat_n(',', commas));
            if text.contains([',', '"']) {
                out.push('"');
                out.push_str(&text.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(text);
            }
            last_slot = slot;
        }
        Ok(out)
    }
}

fn check_size(now: usize, adding: usize, max: usize) -> Result<(), WorkbookError> {
    if now.saturating_add(adding) > max { Err(too_much_text(max)) } else { Ok(()) }
}

/// A cell's text as a person sees it: shared and inline strings as written, dates as ISO 8601, numbers in
/// their shortest exact form, booleans as `true`/`false`, errors as Excel shows them.
fn value(cell: &Open, context: &Context<'_>) -> Result<String, WorkbookError> {
    let raw = cell.raw.trim();
    Ok(match cell.kind {
        Kind::Shared => {
            if raw.is_empty() {
                return Ok(String::new());
            }
            let text = raw.parse::<usize>().ok().and_then(|i| context.strings.get(i)).ok_or_else(|| {
                WorkbookError::Malformed {
                    part: "sheet",
                    detail: format!(
                        "cell {} refers to text {raw} but the workbook holds {}",
                        a1(cell.row, cell.column),
                        grouped(context.strings.len() as u64)
                    ),
                }
            })?;
            text.to_owned()
        }
        Kind::Inline | Kind::FormulaText => parts::decode_escapes(&cell.raw).unwrap_or_else(|| cell.raw.clone()),
        Kind::Boolean => match raw {
            "1" => "true".to_owned(),
            "0" => "false".to_owned(),
            other => other.to_owned(),
        },
        Kind::Error => raw.to_owned(),
        // "2030-01-01T00:00:00": the date part.
        Kind::IsoDate => raw.split('T').next().unwrap_or(raw).to_owned(),
        Kind::Number => match raw.parse::<f64>() {
            Ok(number) if number.is_finite() => {
                let is_date = context.date_styles.get(cell.style).copied().unwrap_or(false);
                match is_date.then(|| dates::iso_date(number, context.book.date1904)).flatten() {
                    Some(date) => date,
                    None => number.to_string(),
                }
            }
            _ => raw.to_owned(),
        },
    })
}

/// Refuses a sheet whose own `dimension` claims more than the bounds; a claim that cannot be read is
/// ignored, because nothing is sized from it.
fn check_declared(declared: &str, limits: &Limits) -> Result<(), WorkbookError> {
    let corner = declared.rsplit(':').next().unwrap_or(declared);
    if let Ok((row, column)) = parse_reference(corner)
        && (row > limits.max_rows || column > limits.max_columns)
    {
        return Err(WorkbookError::DeclaredTooLarge {
            declared: declared.to_owned(),
            max_rows: grouped(limits.max_rows.into()),
            max_columns: grouped(limits.max_columns.into()),
        });
    }
    Ok(())
}

/// `B7` as (row 7, column 2). Letters are read case-insensitively, `$` anchors are ignored.
fn parse_reference(reference: &str) -> Result<(u32, u32), WorkbookError> {
    let text = reference.trim();
    let letters = text.bytes().take_while(|b| b.is_ascii_alphabetic() || *b == b'$').count();
    let (column_part, row_part) = text.split_at(letters);
    let mut column: u32 = 0;
    for b in column_part.bytes().filter(|b| *b != b'$') {
        column = column
            .checked_mul(26)
            .and_then(|c| c.checked_add(u32::from(b.to_ascii_uppercase() - b'A') + 1))
            .ok_or_else(|| bad_reference(reference))?;
    }
    let row: u32 = row_part.trim_start_matches('$').parse().map_err(|_| bad_reference(reference))?;
    if column == 0 || row == 0 {
        return Err(bad_reference(reference));
    }
    Ok((row, column))
}

fn bad_reference(reference: &str) -> WorkbookError {
    WorkbookError::Malformed { part: "sheet", detail: format!("{reference:?} is not a cell reference like B7") }
}

/// Row 7, column 2 as `B7`.
fn a1(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = column;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8(letters).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_both_ways() {
        for (text, row, column) in [
            ("A1", 1, 1),
            ("B7", 7, 2),
            ("Z1", 1, 26),
            ("AA10", 10, 27),
            ("XFD1048576", 1_048_576, 16_384),
            ("$c$3", 3, 3),
        ] {
            assert_eq!(parse_reference(text).unwrap(), (row, column), "{text}");
            assert_eq!(a1(row, column), text.replace('$', "").to_uppercase());
        }
        for bad in ["A0", "1A", "", "A", "7", "A-1", "ZZZZZZZZ1", "A99999999999"] {
            assert!(parse_reference(bad).is_err(), "{bad}");
        }
    }
}
