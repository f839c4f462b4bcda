//! Operational endpoints: liveness, readiness and Prometheus metrics, and the middleware that counts
//! requests by route and status.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder once (tests start many apps in one process).
pub fn install_metrics() {
    METRICS.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(&[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
            .expect("bucket list is not empty")
            .install_recorder()
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder().handle())
    });
}

/// Folds the histogram samples recorded since the last upkeep into their buckets. The recorder keeps
/// each request's duration as a sample until then (a scrape of `/metrics` folds them too), so a server
/// that nobody scrapes held about 20 bytes more for every request it had ever served: this was the
/// steady growth of the soak's resident memory (`docs/PERFORMANCE.md`, issue 17). `serve` calls it
/// every few seconds.
pub fn run_metrics_upkeep() {
    if let Some(handle) = METRICS.get() {
        handle.run_upkeep();
    }
}

/// The process is up and serving.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// The process can do useful work: its database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    // A load balancer wants a quick answer, not the pool's full acquire timeout.
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), state.db().ping()).await;
    match ping.unwrap_or_else(|_| Err(kindling_store::StoreError::Timeout(2))) {
        Ok(()) => "ready\n".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// The metrics, for a Prometheus server: with the configured bearer token, or (without one) from this
/// machine only, so request counts and routes are not published to the world.
pub async fn metrics(axum::extract::State(state): axum::extract::State<crate::AppState>, request: Request) -> Response {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    let allowed = match &state.config().metrics_token {
        Some(expected) => request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                given.len() == expected.len()
                    && given.bytes().zip(expected.bytes()).fold(0, |a, (x, y)| a | (x ^ y)) == 0
            }),
        None => peer.is_some_and(|p| p.ip().to_canonical().is_loopback()),
    };
    if !allowed {
        return (axum::http::StatusCode::NOT_FOUND, "Not found").into_response();
    }
    let body = METRICS.get().map(PrometheusHandle::render).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Counts each request and times it, labelled by route pattern (never the raw path, which would make
/// one series per initiative id).
pub async fn track_metrics(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| {
        if request.uri().path().starts_with("/assets/") { "/assets/*".into() } else { "unmatched".into() }
    });
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}
