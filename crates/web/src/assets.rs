//! Static assets compiled into the binary: the vendored NHS.UK frontend and Kindling's own CSS and JS.
//! One binary carries everything; nothing is fetched from a CDN.

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::{AppError, AppState};

macro_rules! files {
    ($($url:literal => $path:literal),* $(,)?) => {
        &[$(($url, include_bytes!(concat!("../static/", $path)) as &[u8])),*]
    };
}

const FILES: &[(&str, &[u8])] = files!(
    "nhsuk-frontend.min.css" => "vendor/nhsuk-frontend/nhsuk-frontend.min.css",
    "nhsuk-frontend.min.js" => "vendor/nhsuk-frontend/nhsuk-frontend.min.js",
    "kindling.css" => "kindling.css",
    "kindling.js" => "kindling.js",
    "images/favicon.ico" => "vendor/nhsuk-frontend/images/favicon.ico",
    "images/favicon.svg" => "vendor/nhsuk-frontend/images/favicon.svg",
    "images/nhsuk-icon-arrow-down.svg" => "vendor/nhsuk-frontend/images/nhsuk-icon-arrow-down.svg",
    "images/nhsuk-icon-arrow-up.svg" => "vendor/nhsuk-frontend/images/nhsuk-icon-arrow-up.svg",
    "images/nhsuk-icon-arrow-up-down.svg" => "vendor/nhsuk-frontend/images/nhsuk-icon-arrow-up-down.svg",
    "images/nhsuk-icon-cross.svg" => "vendor/nhsuk-frontend/images/nhsuk-icon-cross.svg",
);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/{*path}", get(serve))
        .route("/favicon.ico", get(|| serve(Path("images/favicon.ico".into()))))
}

async fn serve(Path(path): Path<String>) -> Response {
    let Some((_, bytes)) = FILES.iter().find(|(name, _)| *name == path) else {
        return AppError::NotFound.into_response();
    };
    let content_type = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], *bytes).into_response()
}
