//! Spreadsheets (Excel `.xlsx`) turned into the CSV text the importer checks, so a spreadsheet goes
//! through exactly the same all-or-nothing validation as a CSV file, with the sheet's own row numbers.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use kindling_domain::initiatives::CivilDate;

/// The first sheet of a workbook as CSV text, one line per sheet row (row 1 is line 1).
pub fn xlsx_to_csv(bytes: &[u8]) -> Result<String, String> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("The file could not be read as an Excel workbook ({e})"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("The workbook has no sheets")?
        .map_err(|e| format!("The first sheet could not be read ({e})"))?;
    // The range starts at its first used cell: blank lines keep the numbering equal to the sheet's.
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let mut lines = vec![String::new(); first_row];
    for row in range.rows() {
        lines.push(row.iter().map(|c| quote(&cell(c))).collect::<Vec<_>>().join(","));
    }
    Ok(lines.join("\n"))
}

/// Days from Excel's day 0 (30 December 1899, which absorbs Lotus 1-2-3's phantom 29 February 1900)
/// to 1 January 1970.
const EXCEL_UNIX_OFFSET_DAYS: i64 = 25_569;

fn cell(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DurationIso(s) => s.trim().to_owned(),
        // "2030-01-01T00:00:00": the date part.
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or(s).to_owned(),
        Data::Float(v) => v.to_string(),
        Data::Int(v) => v.to_string(),
        Data::Bool(v) => v.to_string(),
        Data::DateTime(d) => {
            let days = d.as_f64().floor() as i64 - EXCEL_UNIX_OFFSET_DAYS;
            CivilDate::from_unix_ms(days * 86_400_000).map_or_else(|| d.as_f64().to_string(), CivilDate::iso)
        }
        Data::Error(e) => format!("#{e}"),
    }
}

fn quote(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture (made by tests/fixtures/make_spreadsheets.py with openpyxl) has real Excel dates in
    /// column A and, on row 3, a value typed as text.
    #[test]
    fn a_workbook_becomes_csv_with_iso_dates_and_its_own_row_numbers() {
        let bytes = include_bytes!("../tests/fixtures/overtime-bad.xlsx");
        let csv = xlsx_to_csv(bytes).unwrap();
        assert_eq!(csv, "period,value\n2030-01-01,41\n2030-02-01,forty\n2030-03-01,39");
    }

    #[test]
    fn what_is_not_a_workbook_is_refused() {
        assert!(
            xlsx_to_csv(b"period,value\n2030-01-01,41")
                .unwrap_err()
                .starts_with("The file could not be read as an Excel workbook")
        );
    }
}
