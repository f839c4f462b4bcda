//! Optimal, explainable matching (mentors and mentees with capacities and hard constraints) and team
//! formation: pure optimisation with no I/O.
//!
//! The solver arrives with the matching-engine issue; this crate holds its place in the workspace so
//! that the dependency direction (`matching` ← `domain` ← …) is fixed from the start.

#![forbid(unsafe_code)]
