//! The objectives, each solved exactly and (for `total`, `coverage` and `maxmin`) certified.

use crate::certificate::{CertificateError, verify};
use crate::flow::{FlowSolution, max_weight_with};
use crate::problem::{Problem, ProblemError};
use crate::stable::{StableError, deferred_acceptance, ranks_from_scores};

/// What "best" means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// Maximise the sum of scores; leaving a mentee unmatched scores 0.
    Total,
    /// Match as many mentees as possible, then maximise the sum.
    Coverage,
    /// Among matchings of the largest possible size, maximise the lowest matched score, then the sum.
    MaxMin,
    /// Mentee-proposing deferred acceptance with capacities (ranks from scores): no blocking pair.
    Stable,
}

impl std::str::FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "total" => Ok(Objective::Total),
            "coverage" => Ok(Objective::Coverage),
            "maxmin" => Ok(Objective::MaxMin),
            "stable" => Ok(Objective::Stable),
            other => Err(format!("unknown objective {other:?}: use total, coverage, maxmin or stable")),
        }
    }
}

impl Objective {
    pub fn name(self) -> &'static str {
        match self {
            Objective::Total => "total",
            Objective::Coverage => "coverage",
            Objective::MaxMin => "maxmin",
            Objective::Stable => "stable",
        }
    }
}

/// A solved matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    pub objective: Objective,
    /// For each mentee, the index of its edge in the problem, if matched.
    pub assigned_edge: Vec<Option<usize>>,
    pub matched: usize,
    pub total_score: i64,
    /// The lowest matched score (`None` if nobody is matched).
    pub min_score: Option<i64>,
    /// Mentee duals (`u`) and mentor prices (`v`) from the certified solve, in score units; for
    /// `coverage` and `maxmin` they belong to the weighted problem actually certified. Empty for `stable`.
    pub u: Vec<i64>,
    pub v: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SolveError {
    #[error(transparent)]
    Problem(#[from] ProblemError),
    /// A failed optimality check is an error, never a silent answer.
    #[error("the optimality certificate failed: {0}")]
    Certificate(#[from] CertificateError),
    #[error(transparent)]
    Stable(#[from] StableError),
}

/// The coverage weight: every edge is worth more than any set of plain scores, so one more match
/// always beats any gain in total score.
fn coverage_bonus(problem: &Problem) -> i64 {
    // Σ over mentees of their best score + 1 bounds any total.
    let mut best = vec![0_i64; problem.mentees];
    for e in &problem.edges {
        best[e.mentee as usize] = best[e.mentee as usize].max(e.score);
    }
    best.iter().sum::<i64>() + 1
}

fn certified(problem: &Problem, weight: impl Fn(i64) -> i64 + Copy) -> Result<FlowSolution, SolveError> {
    let flow = max_weight_with(problem, weight);
    verify(problem, weight, &flow.assigned_edge, &flow.u, &flow.v)?;
    Ok(flow)
}

pub fn solve(problem: &Problem, objective: Objective) -> Result<Solution, SolveError> {
    problem.validate()?;
    let FlowSolution { assigned_edge, u, v } = match objective {
        Objective::Total => certified(problem, |s| s)?,
        Objective::Coverage => {
            let bonus = coverage_bonus(problem);
            certified(problem, |s| s + bonus)?
        }
        Objective::MaxMin => maxmin(problem)?,
        Objective::Stable => {
            let (mentee_ranks, mentor_ranks) = ranks_from_scores(problem);
            FlowSolution {
                assigned_edge: deferred_acceptance(problem, &mentee_ranks, &mentor_ranks)?,
                u: Vec::new(),
                v: Vec::new(),
            }
        }
    };
    let scores: Vec<i64> = assigned_edge.iter().flatten().map(|&e| problem.edges[e].score).collect();
    Ok(Solution {
        objective,
        matched: scores.len(),
        total_score: scores.iter().sum(),
        min_score: scores.iter().min().copied(),
        assigned_edge,
        u,
        v,
    })
}

/// The largest number of mentees that can be matched using only edges with score ≥ `threshold`.
fn cardinality(problem: &Problem, threshold: i64) -> Result<usize, SolveError> {
    let flow = certified(problem, |s| i64::from(s >= threshold))?;
    Ok(flow.assigned_edge.iter().filter(|a| a.is_some()).count())
}

/// Bottleneck: binary search for the highest threshold that still allows the largest matching, then the
/// best total among matchings of that size using only edges at or above it.
fn maxmin(problem: &Problem) -> Result<FlowSolution, SolveError> {
    let size = cardinality(problem, 0)?;
    let mut scores: Vec<i64> = problem.edges.iter().map(|e| e.score).collect();
    scores.sort_unstable();
    scores.dedup();
    let (mut lo, mut hi) = (0_usize, scores.len());
    // Invariant: scores[..lo] keep the full size (or lo = 0); scores[hi..] do not.
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if cardinality(problem, scores[mid])? == size {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let threshold = scores.get(lo).copied().unwrap_or(0);
    // Only edges at or above the threshold may be used; among those, coverage then total.
    let kept: Vec<usize> = (0..problem.edges.len()).filter(|&e| problem.edges[e].score >= threshold).collect();
    let sub = Problem {
        mentees: problem.mentees,
        capacities: problem.capacities.clone(),
        edges: kept.iter().map(|&e| problem.edges[e]).collect(),
    };
    let bonus = coverage_bonus(&sub);
    let flow = certified(&sub, |s| s + bonus)?;
    Ok(FlowSolution { assigned_edge: flow.assigned_edge.into_iter().map(|a| a.map(|e| kept[e])).collect(), ..flow })
}
