//! An Excel workbook (`.xlsx`) read as the CSV text Kindling's importers check, within fixed bounds, so
//! that no file a person uploads can make the server allocate more than the bounds allow.
//!
//! A workbook is a zip archive of XML parts. A small file can describe an enormous sheet: two cells, `A1`
//! and `XFD1048576`, in 1.5 KB, or 250 KB that unpacks to 270 MB. A reader that sizes its storage from
//! what the file declares, or that unpacks a part whole, can be made to ask for any amount of memory.
//! This reader never allocates from a declared size: it streams each part through a budget of unpacked
//! bytes ([`Limits::max_unpacked_bytes`]), keeps only cells that hold a value, checks every cell's
//! position and the number of cells as they arrive, and stops with a [`WorkbookError`] (a sentence a
//! person can act on) at the first excess. It is pure: bytes in, text or an error out.
//!
//! - `archive`: the zip archive and the budget of unpacked bytes.
//! - `xml`: reading one part's XML events, with text and references resolved.
//! - `parts`: the workbook's first sheet, its date styles and its shared strings.
//! - `sheet`: the cells of a sheet, bounded, and the CSV they become.
//! - `dates`: Excel serial dates to ISO 8601.

#![forbid(unsafe_code)]

mod archive;
mod dates;
mod parts;
mod sheet;
mod xml;

/// How much of a workbook the reader will take. The defaults suit every Kindling import (a national
/// mentoring programme's 6,500 participants, a measure's years of data) with a wide margin.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The highest row number a cell may have (the sheet's own numbering, from 1).
    pub max_rows: u32,
    /// The highest column number a cell may have (A is 1).
    pub max_columns: u32,
    /// How many cells with a value the sheet may hold.
    pub max_cells: usize,
    /// How many bytes may be unpacked from the archive, over every part read: the bound on zip bombs.
    pub max_unpacked_bytes: u64,
    /// How many bytes of text the reader may keep (shared strings and cell text) and write as CSV.
    pub max_text_bytes: usize,
    /// How many files the archive may list.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rows: 100_000,
            max_columns: 256,
            max_cells: 1_000_000,
            max_unpacked_bytes: 64_000_000,
            max_text_bytes: 16_000_000,
            max_entries: 10_000,
        }
    }
}

/// Why a workbook could not be read. Each message is a sentence to show beside the file field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    #[error("The file could not be read as an Excel workbook ({0}). Save it from Excel as .xlsx, or as CSV")]
    NotAWorkbook(String),
    #[error("The workbook has no sheets")]
    NoSheets,
    #[error("The workbook's {part} could not be read ({detail})")]
    Malformed { part: &'static str, detail: String },
    #[error(
        "The sheet says it spans {declared}, more than an import can take (at most {max_rows} rows and {max_columns} columns). Copy the data into a new workbook and save it again"
    )]
    DeclaredTooLarge { declared: String, max_rows: String, max_columns: String },
    #[error(
        "The sheet has data in cell {cell}, beyond what an import can take (at most {max_rows} rows and {max_columns} columns). Remove it, or copy the data into a new workbook"
    )]
    CellOutOfBounds { cell: String, max_rows: String, max_columns: String },
    #[error("The sheet has more than {max} cells with data; an import can take at most {max}")]
    TooManyCells { max: String },
    #[error("The workbook holds more than {max} pieces of text; an import can take at most {max}")]
    TooManyStrings { max: String },
    #[error("The workbook unpacks to more than {max}; an import can take at most {max}")]
    TooLargeUnpacked { max: String },
    #[error("The workbook holds more than {max} of text; an import can take at most {max}")]
    TooMuchText { max: String },
    #[error("The workbook holds more than {max} files; an Excel workbook holds a few dozen")]
    TooManyEntries { max: String },
}

/// The first sheet of a workbook as CSV text, one line per sheet row, so that line `n` of the text is
/// row `n` of the sheet and an importer's row numbers match what the person sees in Excel.
///
/// Columns to the left of the first one used are dropped (a table that starts in column B reads as if it
/// started in A); a row ends at its last cell; rows without values are blank lines. Dates (cells whose
/// number format is a date) become `2030-01-31`; numbers are written in the shortest form that reads back
/// as the same value; line breaks inside a cell become spaces, because the importers read line by line.
pub fn first_sheet_as_csv(bytes: &[u8], limits: &Limits) -> Result<String, WorkbookError> {
    let mut archive = archive::Archive::open(bytes, limits)?;
    let book = parts::workbook(&mut archive)?;
    let mut text = sheet::TextBudget::new(limits.max_text_bytes);
    let date_styles = parts::date_styles(&mut archive, book.styles.as_deref())?;
    let strings = parts::shared_strings(&mut archive, book.shared_strings.as_deref(), limits, &mut text)?;
    let context = parts::Context { book: &book, date_styles: &date_styles, strings: &strings };
    let cells = sheet::read(&mut archive, &context, limits, &mut text)?;
    cells.into_csv(limits.max_text_bytes)
}

/// A count with thousands separators, as every message writes numbers.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A size as people write it: "64 MB", "4 KB", "100 bytes" (decimal units, rounded down).
pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        1_000_000.. => format!("{} MB", grouped(bytes / 1_000_000)),
        1_000.. => format!("{} KB", bytes / 1_000),
        _ => format!("{bytes} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_messages() {
        for (n, text) in
            [(0, "0 bytes"), (999, "999 bytes"), (4_096, "4 KB"), (64_000_000, "64 MB"), (67_108_864, "67 MB")]
        {
            assert_eq!(size(n), text);
        }
    }

    #[test]
    fn numbers_in_messages_are_grouped_by_thousands() {
        for (n, text) in [(0, "0"), (999, "999"), (1_000, "1,000"), (100_000, "100,000"), (1_048_576, "1,048,576")] {
            assert_eq!(grouped(n), text);
        }
    }
}
