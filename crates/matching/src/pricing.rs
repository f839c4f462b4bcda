//! Solving instances too large to hold every pair (a national programme: 50,000 mentees × 10,000
//! mentors is 500 million pairs) with a proof of optimality: solve on a candidate set, then price every
//! pair against the duals. A pair worth more than its mentee's value plus its mentor's price
//! (`w > u_i + v_j`) could improve the answer, so the most violated are added and the candidate problem
//! is solved again. When a full scan finds no such pair, the duals are feasible for the whole instance,
//! and with the certified candidate solution they prove it optimal there too.
//!
//! The score is a function, evaluated on the fly; nothing of size n × m is stored. Scans run on
//! `threads` threads (threads are not I/O: this stays a pure computation).

use crate::problem::{Edge, Problem};
use crate::solve::{Objective, Solution, SolveError, solve};

/// How the priced solve went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricingReport {
    /// Candidate solves, the last of which was proven optimal for the whole instance.
    pub rounds: usize,
    /// Pairs in the final candidate problem.
    pub candidate_edges: usize,
    /// Pairs priced over all full scans.
    pub pairs_priced: u64,
}

/// The `per_mentee` best-scoring eligible mentors of every mentee, by a parallel scan.
pub fn top_candidates(
    mentees: usize,
    mentors: usize,
    score: &(impl Fn(u32, u32) -> Option<i64> + Sync),
    per_mentee: usize,
    threads: usize,
) -> Vec<Edge> {
    scan(mentees, mentors, threads, |best, i, j| {
        if let Some(w) = score(i, j) {
            keep_best(best, Edge { mentee: i, mentor: j, score: w }, per_mentee, |e| e.score);
        }
    })
}

/// Keeps the `limit` items with the highest `key`, sorted from highest to lowest, so a pair that does
/// not make the list (nearly every pair, once it is full) costs one comparison with the last.
fn keep_best(best: &mut Vec<Edge>, item: Edge, limit: usize, key: impl Fn(&Edge) -> i64) {
    if limit == 0 {
        return;
    }
    let k = key(&item);
    if best.len() == limit {
        if best.last().is_some_and(|last| k <= key(last)) {
            return;
        }
        best.pop();
    }
    let at = best.partition_point(|e| key(e) >= k);
    best.insert(at, item);
}

/// Mentees and mentors per tile of the scan: a tile's mentor data stays in the core's cache while
/// each of the tile's mentees is paired with it, instead of every mentee streaming all mentors.
const MENTEE_TILE: usize = 64;
const MENTOR_TILE: usize = 512;

/// Calls `visit(found, i, j)` for every pair, with `found` the list being gathered for mentee `i`,
/// split over `threads` by mentee and tiled for the cache; returns the lists concatenated by mentee.
fn scan(mentees: usize, mentors: usize, threads: usize, visit: impl Fn(&mut Vec<Edge>, u32, u32) + Sync) -> Vec<Edge> {
    let threads = threads.clamp(1, mentees.max(1));
    let chunk = mentees.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let visit = &visit;
                scope.spawn(move || {
                    let (lo, hi) = ((t * chunk).min(mentees), ((t + 1) * chunk).min(mentees));
                    let mut out = Vec::new();
                    for tile in (lo..hi).step_by(MENTEE_TILE) {
                        let tile_end = (tile + MENTEE_TILE).min(hi);
                        let mut found: Vec<Vec<Edge>> = vec![Vec::new(); tile_end - tile];
                        for first in (0..mentors).step_by(MENTOR_TILE) {
                            let last = (first + MENTOR_TILE).min(mentors);
                            for (i, list) in (tile..tile_end).zip(&mut found) {
                                for j in first..last {
                                    visit(list, i as u32, j as u32);
                                }
                            }
                        }
                        out.extend(found.into_iter().flatten());
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a pricing thread panicked")).collect()
    })
}

/// Maximises the total score over all eligible pairs (`score` returns `None` for ineligible ones),
/// starting from `candidates` and adding up to `add_per_mentee` violated pairs per mentee per round.
pub fn solve_priced(
    mentees: usize,
    capacities: &[u32],
    score: &(impl Fn(u32, u32) -> Option<i64> + Sync),
    candidates: Vec<Edge>,
    add_per_mentee: usize,
    threads: usize,
) -> Result<(Problem, Solution, PricingReport), SolveError> {
    let mentors = capacities.len();
    let mut problem = Problem { mentees, capacities: capacities.to_vec(), edges: candidates };
    let mut report = PricingReport { rounds: 0, candidate_edges: 0, pairs_priced: 0 };
    loop {
        let solution = solve(&problem, Objective::Total)?;
        report.rounds += 1;
        let (u, v) = (&solution.u, &solution.v);
        let violated = scan(mentees, mentors, threads, |worst, i, j| {
            if let Some(w) = score(i, j) {
                let reduced = u[i as usize] + v[j as usize] - w;
                if reduced < 0 {
                    // Keep the most violated (most negative reduced cost) pairs.
                    keep_best(worst, Edge { mentee: i, mentor: j, score: w }, add_per_mentee, |e| {
                        e.score - v[e.mentor as usize]
                    });
                }
            }
        });
        report.pairs_priced += (mentees as u64) * (mentors as u64);
        if violated.is_empty() {
            report.candidate_edges = problem.edges.len();
            return Ok((problem, solution, report));
        }
        // A pair in the candidate set has a non-negative reduced cost (the certificate checked it), so
        // every violated pair is new.
        problem.edges.extend(violated);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic "compatibility" score with structure (so that top-k lists crowd onto popular
    /// mentors, the case where candidate lists alone fail), and some ineligible pairs.
    fn score(i: u32, j: u32) -> Option<i64> {
        let h = ((u64::from(i) * 2_654_435_761) ^ (u64::from(j) * 40_503)).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
        if h.is_multiple_of(7) {
            return None;
        }
        let popularity = i64::from(j % 5) * 20;
        Some(popularity + (h % 50) as i64)
    }

    #[test]
    fn pricing_reaches_the_full_optimum_from_crowded_candidates() {
        let (n, m) = (300_usize, 60_usize);
        let capacities: Vec<u32> = (0..m).map(|j| (j % 4) as u32 + 1).collect();
        let full_edges: Vec<Edge> = (0..n as u32)
            .flat_map(|i| {
                (0..m as u32).filter_map(move |j| score(i, j).map(|w| Edge { mentee: i, mentor: j, score: w }))
            })
            .collect();
        let full =
            solve(&Problem { mentees: n, capacities: capacities.clone(), edges: full_edges.clone() }, Objective::Total)
                .unwrap();
        let candidates = top_candidates(n, m, &score, 3, 2);
        let sparse_only =
            solve(&Problem { mentees: n, capacities: capacities.clone(), edges: candidates.clone() }, Objective::Total)
                .unwrap();
        assert!(
            sparse_only.total_score < full.total_score,
            "the candidate lists alone must fall short for this test to mean anything"
        );
        let (problem, priced, report) = solve_priced(n, &capacities, &score, candidates, 5, 2).unwrap();
        assert_eq!(priced.total_score, full.total_score);
        assert!(report.rounds > 1);
        assert!(problem.edges.len() < full_edges.len(), "pricing touched only part of the pairs");
    }
}
