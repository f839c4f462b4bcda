//! The workbook reader against files written by `tests/fixtures/make_workbooks.py` (Python's zipfile, not
//! this reader): well-formed workbooks read as the CSV their XML spells out, hostile ones are refused with
//! the sentence a person would see, quickly and without the memory they ask for; and fuzzing.

mod fuzz;
mod hostile;
mod valid;

use kindling_workbook::{Limits, WorkbookError, first_sheet_as_csv};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str) -> Result<String, WorkbookError> {
    first_sheet_as_csv(&fixture(name), &Limits::default())
}
