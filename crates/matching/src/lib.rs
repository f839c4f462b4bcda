//! Optimal, explainable matching (mentees to mentors with capacities): pure optimisation with no I/O.
//!
//! - [`problem`]: the instance (mentees, mentors with capacities, scored eligible pairs), validated.
//! - [`flow`]: maximum-weight b-matching by successive shortest augmenting paths with exact integer
//!   arithmetic, returning the assignment and LP dual values.
//! - [`certificate`]: an independent check that a solution is optimal (LP duality), run on every solve.
//! - [`mod@solve`]: the objectives `total`, `coverage`, `maxmin` and `stable`.
//!
//! Everything is integer: scores are whole numbers, so "optimal" means exactly optimal.

#![forbid(unsafe_code)]

pub mod certificate;
pub mod explain;
pub mod flow;
pub mod input;
pub mod pricing;
pub mod problem;
pub mod profiles;
pub mod round;
pub mod shortlist;
pub mod solve;
pub mod stable;
pub mod teams;

pub use certificate::{CertificateError, verify};
pub use problem::{Edge, Problem, ProblemError};
pub use solve::{Objective, Solution, SolveError, solve};
