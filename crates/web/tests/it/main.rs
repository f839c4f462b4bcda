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
mod packages;
mod pages;
mod recognition;
mod security;
mod sso;
