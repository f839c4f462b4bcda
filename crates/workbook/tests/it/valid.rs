//! Well-formed workbooks: every kind of cell, implicit positions, and the 1904 date system.

use super::read;

/// Row by row, from the XML in make_workbooks.py: dates from format 14, a custom date format and an
/// ISO date cell; shared strings with an entity and rich-text runs (the phonetic run left out); an
/// inline string trimmed; a formula's cached value; a percentage kept as its number; a boolean; an
/// error; a long float in its shortest form; a quote and a comma quoted for CSV; row 4 blank.
#[test]
fn every_kind_of_cell_reads_as_a_person_sees_it() {
    assert_eq!(
        read("valid/kinds.xlsx").unwrap(),
        "period,value,note\n\
         2030-01-01,41,Ward 7 & bay\n\
         2030-02-01,40,typed here\n\
         \n\
         2030-03-01,0.125,true\n\
         #DIV/0!,4.1,\"said \"\"yes\"\", then no\""
    );
}

/// Cells without references follow the one before; rows out of order are put in order; the table
/// starts in column B, so column A is dropped; the sheet lives at an absolute path.
#[test]
fn implicit_positions_and_rows_out_of_order() {
    assert_eq!(read("valid/implicit.xlsx").unwrap(), "x,y\n2,3\n4,5");
}

#[test]
fn the_1904_date_system() {
    assert_eq!(read("valid/date1904.xlsx").unwrap(), "2030-01-01");
}

/// The web layer's own fixtures, written by openpyxl (see crates/web/tests/fixtures).
#[test]
fn a_workbook_written_by_openpyxl() {
    let bytes = include_bytes!("../../../web/tests/fixtures/overtime-bad.xlsx");
    let csv = kindling_workbook::first_sheet_as_csv(bytes, &kindling_workbook::Limits::default()).unwrap();
    assert_eq!(csv, "period,value\n2030-01-01,41\n2030-02-01,forty\n2030-03-01,39");
}
