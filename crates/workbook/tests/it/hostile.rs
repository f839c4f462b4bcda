//! Files that once crashed or swelled the server (issue 17), and others of their class. Each is refused
//! with its own sentence, and none takes long: the reader stops at the first excess.

use std::time::{Duration, Instant};

use kindling_workbook::WorkbookError;

use super::read;

fn refused(name: &str) -> String {
    let started = Instant::now();
    let outcome = read(name);
    let elapsed = started.elapsed();
    // Generous for a debug build on a busy machine; the bombs take seconds if read to the end.
    assert!(elapsed < Duration::from_secs(5), "{name} took {elapsed:?}");
    match outcome {
        Ok(csv) => panic!("{name} was read ({} bytes of CSV)", csv.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn two_cells_at_opposite_corners_of_the_grid() {
    assert_eq!(
        refused("hostile/far-corner.xlsx"),
        "The sheet says it spans A1:XFD1048576, more than an import can take (at most 100,000 rows and 256 \
         columns). Copy the data into a new workbook and save it again"
    );
}

#[test]
fn cells_beyond_the_bounds_are_named() {
    let beyond = |cell: &str| {
        format!(
            "The sheet has data in cell {cell}, beyond what an import can take (at most 100,000 rows and 256 \
             columns). Remove it, or copy the data into a new workbook"
        )
    };
    assert_eq!(refused("hostile/far-row.xlsx"), beyond("A900000"));
    assert_eq!(refused("hostile/far-column.xlsx"), beyond("ZZ1"));
    assert_eq!(refused("hostile/bomb-rows.xlsx"), beyond("A100001"));
    assert_eq!(refused("hostile/bomb-columns.xlsx"), beyond("IW1"));
    assert_eq!(refused("hostile/declared-grid.xlsx").split(',').next(), Some("The sheet says it spans A1:XFD1048576"));
}

#[test]
fn references_that_are_not_cells() {
    assert_eq!(
        refused("hostile/bad-references.xlsx"),
        "The workbook's sheet could not be read (\"A0\" is not a cell reference like B7)"
    );
    assert_eq!(
        refused("hostile/garbage-reference.xlsx"),
        "The workbook's sheet could not be read (\"1A\" is not a cell reference like B7)"
    );
}

#[test]
fn text_that_is_not_in_the_workbook() {
    assert_eq!(
        refused("hostile/missing-string.xlsx"),
        "The workbook's sheet could not be read (cell A1 refers to text 99999999999 but the workbook holds 1)"
    );
}

#[test]
fn zip_bombs_stop_at_the_budget() {
    assert_eq!(
        refused("hostile/bomb-strings.xlsx"),
        "The workbook holds more than 16 MB of text; an import can take at most 16 MB"
    );
    assert_eq!(
        refused("hostile/bomb-styles.xlsx"),
        "The workbook's styles could not be read (it has more than 65,536 cell formats)"
    );
    assert_eq!(
        refused("hostile/many-strings.xlsx"),
        "The workbook holds more than 1,000,000 pieces of text; an import can take at most 1,000,000"
    );
}

#[test]
fn too_many_cells_inside_the_bounds() {
    assert_eq!(
        refused("hostile/many-cells.xlsx"),
        "The sheet has more than 1,000,000 cells with data; an import can take at most 1,000,000"
    );
}

#[test]
fn archives_that_are_not_workbooks() {
    assert_eq!(
        refused("hostile/many-entries.xlsx"),
        "The workbook holds more than 10,000 files; an Excel workbook holds a few dozen"
    );
    assert!(refused("hostile/picture.xlsx").starts_with("The file could not be read as an Excel workbook ("));
    assert!(refused("hostile/truncated.xlsx").starts_with("The file could not be read as an Excel workbook ("));
    assert_eq!(refused("hostile/no-sheets.xlsx"), "The workbook has no sheets");
    assert_eq!(
        refused("hostile/escaping-target.xlsx"),
        "The workbook's relationships could not be read (the part \"../../../etc/passwd\" is outside the workbook)"
    );
}

#[test]
fn entities_are_never_expanded() {
    let message = refused("hostile/laughs.xlsx");
    assert_eq!(message, "The workbook's sheet could not be read (it uses an entity, &lol9;)");
}

/// The text budget on its own: a well-formed workbook with more text than it allows.
#[test]
fn the_text_budget_stops_what_the_unpacked_budget_lets_through() {
    let limits = kindling_workbook::Limits { max_text_bytes: 40, ..Default::default() };
    let error = kindling_workbook::first_sheet_as_csv(&super::fixture("valid/kinds.xlsx"), &limits).unwrap_err();
    assert_eq!(error, WorkbookError::TooMuchText { max: "40 bytes".to_owned() });
}

/// The unpacked budget on its own: with the text budget out of the way, the string bomb is stopped by
/// what it unpacks to.
#[test]
fn the_unpacked_budget_stops_a_bomb_by_itself() {
    let limits = kindling_workbook::Limits { max_text_bytes: 1 << 40, ..Default::default() };
    let error =
        kindling_workbook::first_sheet_as_csv(&super::fixture("hostile/bomb-strings.xlsx"), &limits).unwrap_err();
    assert_eq!(error, WorkbookError::TooLargeUnpacked { max: "64 MB".to_owned() });
}
