//! PDF and PNG downloads. Fonts are found on the first export and kept; the conversion itself is CPU
//! work, so it runs on the blocking pool rather than holding up the request workers.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use kindling_documents::Fonts;
use tokio::sync::OnceCell;

use crate::{AppError, AppState};

/// The fonts, once found (a failure is not kept: installing a font fixes the next export), and the
/// limit on exports in flight.
#[derive(Debug)]
pub struct FontCache(OnceCell<Fonts>, tokio::sync::Semaphore, std::sync::atomic::AtomicUsize);

impl Default for FontCache {
    fn default() -> Self {
        Self(OnceCell::new(), tokio::sync::Semaphore::new(EXPORTS_AT_ONCE), std::sync::atomic::AtomicUsize::new(0))
    }
}

/// Exports rendered at the same moment: a board report PDF costs about a second of one core.
pub const EXPORTS_AT_ONCE: usize = 2;
/// Exports allowed to wait their turn; beyond this, people are asked to try again shortly (issue 17: a
/// rate limit on expensive downloads, so a burst of them cannot starve every page).
pub const EXPORTS_WAITING: usize = 12;

/// Counts an export waiting or running, for as long as it lives.
struct Queued<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Runs `work` with the fonts on the blocking pool, two at a time; refused as too busy (429) when a dozen
/// already wait.
pub async fn render<T, F>(state: &AppState, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Fonts) -> Result<T, kindling_documents::Error> + Send + 'static,
{
    let pool = state.fonts();
    if pool.2.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= EXPORTS_AT_ONCE + EXPORTS_WAITING {
        pool.2.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        tracing::warn!("export refused: too many downloads being prepared");
        return Err(AppError::TooBusy);
    }
    let _queued = Queued(&pool.2);
    let _permit =
        pool.1.acquire().await.map_err(|e| AppError::Export(kindling_documents::Error::Convert(e.to_string())))?;
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
