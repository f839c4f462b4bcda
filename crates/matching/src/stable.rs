//! Stable matching: mentee-proposing deferred acceptance (Gale–Shapley) with mentor capacities, and a
//! check that the result has no blocking pair.

use crate::problem::Problem;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StableError {
    #[error("the matching has a blocking pair: mentee {mentee} and mentor {mentor} both prefer each other")]
    Blocking { mentee: u32, mentor: u32 },
}

/// Each mentee's eligible edges in order of preference, and each mentor's rank of every edge
/// (lower is better), both from scores: higher score first, ties by the other side's index.
pub fn ranks_from_scores(problem: &Problem) -> (Vec<Vec<usize>>, Vec<u32>) {
    let mut by_mentee: Vec<Vec<usize>> = vec![Vec::new(); problem.mentees];
    let mut by_mentor: Vec<Vec<usize>> = vec![Vec::new(); problem.mentors()];
    for (e, edge) in problem.edges.iter().enumerate() {
        by_mentee[edge.mentee as usize].push(e);
        by_mentor[edge.mentor as usize].push(e);
    }
    for list in &mut by_mentee {
        list.sort_by_key(|&e| (std::cmp::Reverse(problem.edges[e].score), problem.edges[e].mentor));
    }
    let mut mentor_rank = vec![0_u32; problem.edges.len()];
    for list in &mut by_mentor {
        list.sort_by_key(|&e| (std::cmp::Reverse(problem.edges[e].score), problem.edges[e].mentee));
        for (r, &e) in list.iter().enumerate() {
            mentor_rank[e] = r as u32;
        }
    }
    (by_mentee, mentor_rank)
}

/// Deferred acceptance: mentees propose down their lists; each mentor holds its best proposals up to
/// capacity. Returns each mentee's edge, after checking there is no blocking pair.
pub fn deferred_acceptance(
    problem: &Problem,
    preferences: &[Vec<usize>],
    mentor_rank: &[u32],
) -> Result<Vec<Option<usize>>, StableError> {
    let mut next = vec![0_usize; problem.mentees];
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); problem.mentors()];
    let mut free: Vec<u32> = (0..problem.mentees as u32).rev().collect();
    while let Some(i) = free.pop() {
        let Some(&e) = preferences[i as usize].get(next[i as usize]) else { continue };
        next[i as usize] += 1;
        let j = problem.edges[e].mentor as usize;
        let capacity = problem.capacities[j] as usize;
        if capacity == 0 {
            free.push(i);
            continue;
        }
        held[j].push(e);
        if held[j].len() > capacity {
            // Reject the worst held proposal.
            let (worst, _) = held[j].iter().enumerate().max_by_key(|(_, e)| mentor_rank[**e]).expect("non-empty");
            let rejected = held[j].swap_remove(worst);
            free.push(problem.edges[rejected].mentee);
        }
    }
    let mut assigned = vec![None; problem.mentees];
    for list in &held {
        for &e in list {
            assigned[problem.edges[e].mentee as usize] = Some(e);
        }
    }
    check_stable(problem, preferences, mentor_rank, &assigned)?;
    Ok(assigned)
}

/// A pair blocks if the mentee prefers the mentor to what it has and the mentor has a free place or
/// prefers the mentee to one it holds.
pub fn check_stable(
    problem: &Problem,
    preferences: &[Vec<usize>],
    mentor_rank: &[u32],
    assigned: &[Option<usize>],
) -> Result<(), StableError> {
    let mut held: Vec<Vec<usize>> = vec![Vec::new(); problem.mentors()];
    for &e in assigned.iter().flatten() {
        held[problem.edges[e].mentor as usize].push(e);
    }
    for (i, prefs) in preferences.iter().enumerate() {
        for &e in prefs {
            if assigned[i] == Some(e) {
                break; // everything after is less preferred
            }
            let j = problem.edges[e].mentor as usize;
            let has_room = held[j].len() < problem.capacities[j] as usize;
            let prefers = held[j].iter().any(|&h| mentor_rank[h] > mentor_rank[e]);
            if has_room || prefers {
                return Err(StableError::Blocking { mentee: i as u32, mentor: j as u32 });
            }
        }
    }
    Ok(())
}
