//! PDF and PNG downloads. Fonts are found on the first export and kept; the conversion itself is CPU
//! work, so it runs on the blocking pool rather than holding up the request workers.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use kindling_documents::Fonts;
use tokio::sync::OnceCell;

use crate::{AppError, AppState};

/// The fonts, once found. A failure is not kept: installing a font fixes the next export.
#[derive(Debug, Default)]
pub struct FontCache(OnceCell<Fonts>);

/// Runs `work` with the fonts on the blocking pool.
pub async fn render<T, F>(state: &AppState, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Fonts) -> Result<T, kindling_documents::Error> + Send + 'static,
{
    let fonts = state
        .fonts()
        .0
        .get_or_try_init(|| async {
            tokio::task::spawn_blocking(|| Fonts::system(None))
                .await
                .map_err(|e| AppError::Export(kindling_documents::Error::Convert(e.to_string())))?
                .map_err(AppError::Export)
        })
        .await?
        .clone();
    tokio::task::spawn_blocking(move || work(&fonts))
        .await
        .map_err(|e| AppError::Export(kindling_documents::Error::Convert(e.to_string())))?
        .map_err(AppError::Export)
}

/// A file download with its type and name.
pub fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        bytes,
    )
        .into_response()
}
