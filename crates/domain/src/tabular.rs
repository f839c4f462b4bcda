//! A CSV file as a header of lower-cased column names and numbered data lines, shared by the
//! all-or-nothing importers (participants, HR and incident files, people). Blank lines are skipped but
//! keep their numbers, so every message names the line a person sees in their editor.

use crate::measures::{RowError, csv_fields};

/// A file's lower-cased column names, and each data line's number and fields.
pub(crate) type Table = (Vec<String>, Vec<(usize, Vec<String>)>);

/// A file's header and data lines (blank lines skipped), or the error for an empty file.
pub(crate) fn table(text: &str) -> Result<Table, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(vec![RowError { line: 1, message: "The file is empty".into() }]);
    };
    let columns = csv_fields(header).iter().map(|h| h.trim().to_lowercase()).collect();
    Ok((columns, lines.map(|(i, l)| (i + 1, csv_fields(l))).collect()))
}

pub(crate) fn require(columns: &[String], required: &[&str]) -> Result<(), Vec<RowError>> {
    let missing: Vec<&str> = required.iter().copied().filter(|c| !columns.iter().any(|x| x == c)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(vec![RowError { line: 1, message: format!("The header is missing the column(s): {}", missing.join(", ")) }])
    }
}
