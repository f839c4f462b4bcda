//! Kindling's storage: one sqlx pool over the embedded SQLite database (the default) or PostgreSQL,
//! with migrations for both and one module per aggregate.
//!
//! Architecture invariant: all SQL lives in this crate, and the same SQL text serves both databases
//! except where [`Dialect`] says otherwise (write-transaction start and audit serialisation). Business
//! rules do not live here: callers pass validated domain values in and get domain values back.
//!
//! Architecture invariant: every state change appends to the audit log in the same transaction as the
//! change itself, so the log can never miss a change that was committed.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod backup;
pub mod challenges;
pub mod data_protection;
mod db;
pub mod demo;
pub mod drivers;
pub mod feedback;
pub mod follows;
pub mod gates;
pub mod initiatives;
pub mod learning;
pub mod measures;
pub mod mentoring;
pub mod notifications;
pub mod orgs;
pub mod packages;
pub mod pathways;
pub mod pdsa;
pub mod people;
pub mod policy;
pub mod public_pages;
pub mod recognition;
pub mod risk;
pub mod search;
pub mod secrets;
pub mod sessions;
pub mod spaces;
pub mod spread;
pub mod sso;
pub mod support;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use db::{Db, Dialect, StoreError, WriteTx, migration_names, redact_url};

/// Who makes a change, in which organisation, and when: everything a write needs to scope itself to
/// the organisation and to write its audit entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub organisation: kindling_domain::ids::OrganisationId,
    pub user: kindling_domain::ids::UserId,
    pub now_ms: i64,
}

/// Runs one administrative statement that cannot take parameters (`CREATE DATABASE`). Only for
/// statements built from trusted text: tests and the command line, never from a request.
pub async fn raw_execute(db: &Db, statement: &str) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(statement.to_owned())).execute(db.pool()).await?;
    Ok(())
}
