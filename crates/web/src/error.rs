//! `AppError`: every way a page request can fail, rendered once as the NHS-style error page (and logged
//! once). The JSON API has its own problem+json rendering in [`crate::api`].

use std::any::Any;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use kindling_store::StoreError;

use crate::templates;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not there, or not in the viewer's organisation: the two are answered alike.
    #[error("page not found")]
    NotFound,
    /// The page needs a signed-in person; carries where to come back to.
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the form could not be verified")]
    Csrf,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("template error: {0}")]
    Template(#[from] minijinja::Error),
    /// Too many expensive downloads are being prepared; try again shortly.
    #[error("too busy")]
    TooBusy,
    /// A PDF or PNG could not be produced.
    #[error("export failed: {0}")]
    Export(kindling_documents::Error),
}

impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooBusy => StatusCode::TOO_MANY_REQUESTS,
            AppError::Store(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            AppError::Export(kindling_documents::Error::NoFont) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(_) | AppError::Template(_) | AppError::Export(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::SignInRequired { next } = &self {
            return Redirect::to(&format!("/sign-in?next={}", percent_encode(next))).into_response();
        }
        let status = self.status();
        let (title, message) = match &self {
            AppError::NotFound => ("Page not found".to_owned(), String::new()),
            AppError::Forbidden(why) => ("You cannot do that".to_owned(), why.clone()),
            AppError::BadRequest(why) => ("There is a problem with the request".to_owned(), why.clone()),
            AppError::Conflict(why) | AppError::Store(StoreError::Conflict(why)) => {
                ("Someone else changed this first".to_owned(), why.clone())
            }
            AppError::TooBusy => (
                "Too many downloads are being prepared".to_owned(),
                "Kindling is preparing many reports at the moment. Wait a minute, then try the download again.".to_owned(),
            ),
            AppError::Csrf => (
                "Your form could not be sent".to_owned(),
                "For your security, forms expire when you sign out or after a long time. Go back, reload the page and try again. If it keeps happening, check that your browser allows cookies for this site.".to_owned(),
            ),
            AppError::Export(e @ kindling_documents::Error::NoFont) => {
                ("Sorry, downloads are unavailable".to_owned(), e.to_string())
            }
            _ if status == StatusCode::SERVICE_UNAVAILABLE => (
                "Sorry, the service is unavailable".to_owned(),
                "Kindling cannot reach its database at the moment.".to_owned(),
            ),
            _ => ("Sorry, there is a problem with the service".to_owned(), "Try again later.".to_owned()),
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else if matches!(self, AppError::Csrf | AppError::Forbidden(_)) {
            tracing::warn!(error = %self, "request refused");
        }
        let body = templates::render_error(status.as_u16(), &title, &message);
        let mut response = (status, [(header::CACHE_CONTROL, "no-store")], body).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static(crate::api::RETRY_AFTER_SECONDS));
        }
        response
    }
}

pub async fn not_found(uri: Uri) -> AppError {
    tracing::debug!(path = %uri.path(), "no route");
    AppError::NotFound
}

/// A panic in a handler becomes a plain 500 page; the panic itself is logged with its message.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic.message = detail, "handler panicked");
    let body = templates::render_error(500, "Sorry, there is a problem with the service", "Try again later.");
    (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
}

/// Percent-encodes everything but unreserved characters and `/`, for a `next=` path.
pub fn percent_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
