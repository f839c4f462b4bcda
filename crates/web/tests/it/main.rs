//! Integration tests for the web layer: the real application on a loopback port, spoken to over HTTP,
//! against SQLite (always) or PostgreSQL (when `KINDLING_TEST_POSTGRES_URL` is set).

mod api;
mod challenges;
mod evidence;
mod feedback;
mod going_live;
mod governance;
mod innovators;
mod learning;
mod mentoring;
mod mentoring_applications;
mod mentoring_shortlists;
mod packages;
mod pages;
mod recognition;
mod security;
mod sso;

/// Where a change redirected to, asserting that it did (a form that succeeds answers 303).
fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "expected a redirect after a change");
    response.headers()["location"].to_str().unwrap_or_default().to_owned()
}
