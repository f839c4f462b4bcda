//! A file upload read as the text the importers check: a CSV file as it is, an Excel workbook's first
//! sheet converted to CSV by `kindling_workbook` (so a spreadsheet goes through exactly the same
//! all-or-nothing validation as a CSV file, with the sheet's own row numbers).
//!
//! Workbooks are read on the blocking pool, at most [`WORKBOOKS_AT_ONCE`] at a time: each read is
//! bounded in memory by the reader's limits, and this bound keeps their sum small whatever the number of
//! uploads in flight (eight concurrent 250 KB zip bombs once took the server to 755 MiB).

use axum::http::{HeaderMap, header};
use tokio::sync::Semaphore;

use crate::error::AppError;
use crate::multipart;

/// How many workbooks may be unpacked at the same moment.
pub(crate) const WORKBOOKS_AT_ONCE: usize = 2;

static WORKBOOK_READERS: Semaphore = Semaphore::const_new(WORKBOOKS_AT_ONCE);

/// A multipart form's fields, and its file as (name, CSV text) or the problem to show on the file field.
pub(crate) type Upload = (Vec<multipart::Part>, Result<(String, String), String>);

/// The uploaded file's text (an Excel workbook converted to CSV), its name, and the other fields; or the
/// problem with the file, as a sentence for the file field.
pub(crate) async fn uploaded_file(headers: &HeaderMap, body: &axum::body::Bytes) -> Result<Upload, AppError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let parts = multipart::boundary(content_type)
        .and_then(|b| multipart::parse(body, b))
        .ok_or_else(|| AppError::BadRequest("The upload could not be read; choose the file again.".into()))?;
    let file = parts.iter().find(|p| p.name == "file" && p.filename.as_deref().is_some_and(|f| !f.is_empty()));
    let outcome = match file {
        None => Err("Select a CSV file or an Excel workbook".to_owned()),
        Some(file) => {
            let name = file.filename.clone().unwrap_or_default();
            if name.to_ascii_lowercase().ends_with(".xlsx") {
                workbook_to_csv(file.data.to_vec()).await.map(|text| (name, text))
            } else {
                String::from_utf8(file.data.to_vec()).map(|text| (name, text)).map_err(|_| {
                    "The file must be a CSV file saved as text (UTF-8), or an Excel workbook (.xlsx)".to_owned()
                })
            }
        }
    };
    Ok((parts, outcome))
}

async fn workbook_to_csv(bytes: Vec<u8>) -> Result<String, String> {
    // The semaphore is never closed, so acquiring cannot fail.
    let _permit = WORKBOOK_READERS.acquire().await.map_err(|e| e.to_string())?;
    let limits = kindling_workbook::Limits::default();
    let size = bytes.len();
    let started = std::time::Instant::now();
    let outcome =
        tokio::task::spawn_blocking(move || kindling_workbook::first_sheet_as_csv(&bytes, &limits)).await.map_err(
            |_| "The workbook could not be read. Save it again from Excel, or as CSV, and choose it again".to_owned(),
        )?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok(text) => {
            tracing::debug!(upload.bytes = size, csv.bytes = text.len(), elapsed_ms, "workbook read");
            Ok(text)
        }
        Err(e) => {
            tracing::info!(upload.bytes = size, elapsed_ms, reason = %e, "workbook refused");
            Err(e.to_string())
        }
    }
}
