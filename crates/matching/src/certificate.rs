//! The optimality certificate: LP duality for maximum-weight b-matching, checked independently of the
//! solver. For the LP  max Σ w·x  s.t. each mentee ≤ 1, each mentor ≤ its capacity, x ≥ 0, the dual is
//! min Σ u + Σ cap·v  s.t. u_i + v_j ≥ w_ij, u, v ≥ 0. A feasible primal and dual with equal objective
//! values prove the primal optimal. The constraint matrix is totally unimodular, so the integral
//! optimum is also the LP optimum.

use crate::problem::{Edge, Problem};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("mentee {0} is matched more than once")]
    MenteeTwice(usize),
    #[error("mentor {mentor} has {load} mentees but capacity {capacity}")]
    OverCapacity { mentor: usize, load: u32, capacity: u32 },
    #[error("a dual value is negative ({0})")]
    NegativeDual(String),
    #[error("pair {mentee}–{mentor}: reduced cost {reduced} is negative (u + v < w)")]
    NegativeReducedCost { mentee: u32, mentor: u32, reduced: i64 },
    #[error("used pair {mentee}–{mentor} is not tight (reduced cost {reduced})")]
    UsedNotTight { mentee: u32, mentor: u32, reduced: i64 },
    #[error("mentee {0} has a positive dual but is unmatched")]
    UnmatchedWithPrice(usize),
    #[error("mentor {0} has a positive price but free places")]
    FreePlacesWithPrice(usize),
    #[error("primal {primal} differs from dual {dual}")]
    Gap { primal: i64, dual: i64 },
}

/// Checks that `assigned_edge` (per mentee) is feasible and that `(u, v)` proves it optimal for the
/// weights `weight(score)`. Returns the objective value.
pub fn verify(
    problem: &Problem,
    weight: impl Fn(i64) -> i64,
    assigned_edge: &[Option<usize>],
    u: &[i64],
    v: &[i64],
) -> Result<i64, CertificateError> {
    // Each mentee names at most one edge, and that edge must be its own, so no edge is used twice.
    let mut load = vec![0_u32; problem.mentors()];
    for (i, a) in assigned_edge.iter().enumerate() {
        if let Some(e) = *a {
            if problem.edges.get(e).is_none_or(|edge| edge.mentee as usize != i) {
                return Err(CertificateError::MenteeTwice(i));
            }
            load[problem.edges[e].mentor as usize] += 1;
        }
    }
    for (j, (&l, &c)) in load.iter().zip(&problem.capacities).enumerate() {
        if l > c {
            return Err(CertificateError::OverCapacity { mentor: j, load: l, capacity: c });
        }
    }
    if let Some(x) = u.iter().chain(v).find(|x| **x < 0) {
        return Err(CertificateError::NegativeDual(x.to_string()));
    }
    let reduced = |edge: &Edge| u[edge.mentee as usize] + v[edge.mentor as usize] - weight(edge.score);
    for edge in &problem.edges {
        let reduced = reduced(edge);
        if reduced < 0 {
            return Err(CertificateError::NegativeReducedCost { mentee: edge.mentee, mentor: edge.mentor, reduced });
        }
    }
    for edge in assigned_edge.iter().flatten().map(|&e| &problem.edges[e]) {
        let reduced = reduced(edge);
        if reduced != 0 {
            return Err(CertificateError::UsedNotTight { mentee: edge.mentee, mentor: edge.mentor, reduced });
        }
    }
    for (i, a) in assigned_edge.iter().enumerate() {
        if a.is_none() && u[i] > 0 {
            return Err(CertificateError::UnmatchedWithPrice(i));
        }
    }
    for (j, (&l, &c)) in load.iter().zip(&problem.capacities).enumerate() {
        if l < c && v[j] > 0 {
            return Err(CertificateError::FreePlacesWithPrice(j));
        }
    }
    let primal: i64 = assigned_edge.iter().flatten().map(|&e| weight(problem.edges[e].score)).sum();
    let dual: i64 =
        u.iter().sum::<i64>() + v.iter().zip(&problem.capacities).map(|(v, &c)| v * i64::from(c)).sum::<i64>();
    if primal != dual {
        return Err(CertificateError::Gap { primal, dual });
    }
    Ok(primal)
}
