//! Kindling's business rules, free of I/O: who may do what, how an initiative moves through its stages,
//! how form input becomes validated values, and how the audit log is chained.
//!
//! Everything here is pure. Time and ids are passed in by the caller; nothing reads a clock, a random
//! source, the network or a database. That keeps every rule table-testable and lets the storage and web
//! layers stay thin.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod approvals;
pub mod audit;
pub mod challenges;
pub mod drivers;
pub mod equity;
pub mod feedback;
pub mod follows;
pub mod gates;
pub mod ids;
pub mod initiatives;
pub mod learning;
pub mod measures;
pub mod mentoring;
pub mod notifications;
pub mod packages;
pub mod paging;
pub mod pathways;
pub mod pdsa;
pub mod people;
pub mod permissions;
pub mod policy;
pub mod privacy;
pub mod public_page;
pub mod readability;
pub mod recognition;
pub mod risk;
pub mod search;
pub mod spaces;
pub mod spread;
pub mod support;
mod tabular;
pub mod validation;
