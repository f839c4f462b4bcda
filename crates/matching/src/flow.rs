//! Maximum-weight b-matching as a min-cost flow, solved by successive shortest augmenting paths with
//! Dijkstra on reduced costs (Johnson potentials), one mentee at a time.
//!
//! The network: each mentee supplies one unit; it flows to a mentor over an eligible pair (cost −score)
//! and on to the sink T (capacity = the mentor's capacity), or straight to T (cost 0: unmatched is worth
//! nothing). Every residual arc keeps a non-negative reduced cost `c(a,b) + π(a) − π(b)`, so each
//! search is a Dijkstra, and the final potentials give the LP duals:
//! `u_i = π_i − π_T ≥ 0` for mentees and `v_j = max(0, π_T − π_j)` for mentors.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::problem::Problem;

/// The result of one solve: an assignment and the dual values that prove it optimal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowSolution {
    /// For each mentee, the index of the edge it uses, if matched.
    pub assigned_edge: Vec<Option<usize>>,
    /// Dual value of each mentee's "at most one mentor" constraint.
    pub u: Vec<i64>,
    /// Dual value of each mentor's capacity constraint: the mentor's demand price.
    pub v: Vec<i64>,
}

/// A node of the search (the sink T is not queued: reaching it ends the search).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    Mentee(u32),
    Mentor(u32),
}

/// Solves with the problem's scores as weights (maximising the total; unmatched is worth 0).
pub fn max_weight(problem: &Problem) -> FlowSolution {
    max_weight_with(problem, |score| score)
}

/// Solves with each edge's weight given by `weight(score)` (the coverage objective adds a large
/// constant to every edge so that matching more mentees always wins).
pub fn max_weight_with(problem: &Problem, weight: impl Fn(i64) -> i64) -> FlowSolution {
    let n = problem.mentees;
    let m = problem.mentors();
    // Edges grouped by mentee (CSR), with each arc's mentor and weight stored contiguously: the search
    // spends most of its time walking these, so they must not be reached through an index.
    let (start, order) = problem.by_mentee();
    let w: Vec<i64> = problem.edges.iter().map(|e| weight(e.score)).collect();
    let arc_mentor: Vec<u32> = order.iter().map(|&e| problem.edges[e].mentor).collect();
    let arc_weight: Vec<i64> = order.iter().map(|&e| w[e]).collect();

    // Potentials that make every initial residual arc non-negative: mentors and T at 0, each mentee at
    // its best weight (so −w + π_i − π_j ≥ 0 on every pair, and π_i − π_T ≥ 0 on the unmatched arc).
    let mut pi_mentee: Vec<i64> =
        (0..n).map(|i| order[start[i]..start[i + 1]].iter().map(|&e| w[e]).max().unwrap_or(0).max(0)).collect();
    let mut pi_mentor = vec![0_i64; m];
    // The sink's potential stays 0: every update below shifts the other potentials relative to it.
    let pi_sink = 0_i64;

    let mut assigned_edge: Vec<Option<usize>> = vec![None; n];
    let mut load = vec![0_u32; m];
    // Mentees currently assigned to each mentor, with the edge they use.
    let mut members: Vec<Vec<(u32, usize)>> = vec![Vec::new(); m];

    // Search state, reset through the touched lists.
    let mut dist_mentee = vec![i64::MAX; n];
    let mut dist_mentor = vec![i64::MAX; m];
    let mut done_mentee = vec![false; n];
    let mut done_mentor = vec![false; m];
    // How each node was reached: a mentor by (mentee, edge); a mentee by (mentor, edge it used there).
    let mut via_mentor: Vec<(u32, usize)> = vec![(0, 0); m];
    let mut via_mentee: Vec<u32> = vec![0; n];
    let mut touched_mentees: Vec<u32> = Vec::new();
    let mut touched_mentors: Vec<u32> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(i64, Node)>> = BinaryHeap::new();

    for root in 0..n as u32 {
        heap.clear();
        dist_mentee[root as usize] = 0;
        touched_mentees.push(root);
        heap.push(Reverse((0, Node::Mentee(root))));
        let mut reached_sink: Option<(i64, Node)> = None;
        let mut best_sink = i64::MAX;
        while let Some(Reverse((d, node))) = heap.pop() {
            if d >= best_sink {
                break;
            }
            match node {
                Node::Mentee(k) => {
                    let k = k as usize;
                    if done_mentee[k] || d > dist_mentee[k] {
                        continue;
                    }
                    done_mentee[k] = true;
                    // Unmatched arc k → T is residual unless k is already unmatched (only the root is).
                    let to_sink = d + pi_mentee[k] - pi_sink;
                    if (assigned_edge[k].is_some() || k == root as usize) && to_sink < best_sink {
                        best_sink = to_sink;
                        reached_sink = Some((to_sink, Node::Mentee(k as u32)));
                    }
                    let base = d + pi_mentee[k];
                    let current = assigned_edge[k];
                    for a in start[k]..start[k + 1] {
                        let j = arc_mentor[a] as usize;
                        if done_mentor[j] {
                            continue;
                        }
                        let e = order[a];
                        if current == Some(e) {
                            continue;
                        }
                        let nd = base - pi_mentor[j] - arc_weight[a];
                        if nd < dist_mentor[j] {
                            if dist_mentor[j] == i64::MAX {
                                touched_mentors.push(j as u32);
                            }
                            dist_mentor[j] = nd;
                            via_mentor[j] = (k as u32, e);
                            heap.push(Reverse((nd, Node::Mentor(j as u32))));
                        }
                    }
                }
                Node::Mentor(j) => {
                    let j = j as usize;
                    if done_mentor[j] || d > dist_mentor[j] {
                        continue;
                    }
                    done_mentor[j] = true;
                    if load[j] < problem.capacities[j] {
                        let to_sink = d + pi_mentor[j] - pi_sink;
                        if to_sink < best_sink {
                            best_sink = to_sink;
                            reached_sink = Some((to_sink, Node::Mentor(j as u32)));
                        }
                    }
                    for &(k, e) in &members[j] {
                        let k = k as usize;
                        if done_mentee[k] {
                            continue;
                        }
                        let nd = d + w[e] + pi_mentor[j] - pi_mentee[k];
                        if nd < dist_mentee[k] {
                            if dist_mentee[k] == i64::MAX {
                                touched_mentees.push(k as u32);
                            }
                            dist_mentee[k] = nd;
                            via_mentee[k] = j as u32;
                            heap.push(Reverse((nd, Node::Mentee(k as u32))));
                        }
                    }
                }
            }
        }
        let (total, last) = reached_sink.expect("the root's unmatched arc always reaches the sink");

        // Potentials: π(v) += min(d(v), D) keeps every residual reduced cost non-negative and makes the
        // path tight. Untouched nodes and T are at distance ≥ D; adding D to them is the same as
        // subtracting D from the touched ones and leaving the rest (potentials are relative).
        for &k in &touched_mentees {
            let k = k as usize;
            let d = dist_mentee[k].min(total);
            pi_mentee[k] += d - total;
        }
        for &j in &touched_mentors {
            let j = j as usize;
            let d = dist_mentor[j].min(total);
            pi_mentor[j] += d - total;
        }
        // Augment along the path root → j1 → k1 → j2 → … . It ends either at a mentor with a free place
        // (which gains a mentee) or at a mentee who gives up their mentor to become unmatched. Walking
        // back, each mentor's new mentee is the one that reached it, who leaves the mentor it was
        // reached through; the root had no mentor, which ends the walk.
        let mut next_mentor: Option<usize> = match last {
            Node::Mentor(j) => {
                load[j as usize] += 1;
                Some(j as usize)
            }
            Node::Mentee(k) if k != root => {
                let j = via_mentee[k as usize] as usize;
                members[j].retain(|&(x, _)| x != k);
                assigned_edge[k as usize] = None;
                Some(j)
            }
            Node::Mentee(_) => None,
        };
        while let Some(j) = next_mentor {
            let (k, e) = via_mentor[j];
            members[j].push((k, e));
            assigned_edge[k as usize] = Some(e);
            next_mentor = if k == root {
                None
            } else {
                let old = via_mentee[k as usize] as usize;
                members[old].retain(|&(x, _)| x != k);
                Some(old)
            };
        }

        for &k in &touched_mentees {
            dist_mentee[k as usize] = i64::MAX;
            done_mentee[k as usize] = false;
        }
        for &j in &touched_mentors {
            dist_mentor[j as usize] = i64::MAX;
            done_mentor[j as usize] = false;
        }
        touched_mentees.clear();
        touched_mentors.clear();
    }

    let u: Vec<i64> = pi_mentee.iter().map(|p| p - pi_sink).collect();
    let v: Vec<i64> = pi_mentor.iter().map(|p| (pi_sink - p).max(0)).collect();
    FlowSolution { assigned_edge, u, v }
}
