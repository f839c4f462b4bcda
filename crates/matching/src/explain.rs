//! Explanations of a certified solution, read off its dual values: why a mentee did not get a given
//! mentor (and by how much that pair's score would have to rise), why a mentee is unmatched (the group
//! of mentees competing for too few eligible places), and each mentor's demand price.

use crate::problem::Problem;
use crate::solve::{Objective, Solution};

/// Why mentee `i` is not with mentor `j`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhyNot {
    /// They are matched: nothing to explain.
    Matched,
    /// The pair is not eligible (no edge): a hard rule excluded it.
    NotEligible,
    /// The mentor takes nobody this round (capacity 0).
    NoPlaces,
    /// Under `coverage`, using the pair would leave more mentees unmatched.
    WouldLeaveOthersUnmatched { fewer: usize },
    /// The pair's score would have to rise by `raise` for a best matching to use it. `reduced_cost`
    /// (`u_i + v_j − w_ij` from the certificate's duals) is a lower bound on `raise` that needs no
    /// extra solve; `raise` itself comes from solving again with the pair fixed.
    ScoreTooLow { score: i64, raise: i64, reduced_cost: i64, mentor_price: i64 },
}

/// Why not mentor `j` for mentee `i` (objectives `total` and `coverage`).
pub fn why_not(problem: &Problem, solution: &Solution, mentee: u32, mentor: u32) -> Option<WhyNot> {
    if !matches!(solution.objective, Objective::Total | Objective::Coverage) || solution.u.is_empty() {
        return None;
    }
    let Some(e) = problem.edges.iter().position(|e| e.mentee == mentee && e.mentor == mentor) else {
        return Some(WhyNot::NotEligible);
    };
    if solution.assigned_edge[mentee as usize] == Some(e) {
        return Some(WhyNot::Matched);
    }
    if problem.capacities[mentor as usize] == 0 {
        return Some(WhyNot::NoPlaces);
    }
    // The best matching that uses the pair: the pair, plus the best matching of everyone else with one
    // place fewer at this mentor.
    let mut rest = problem.clone();
    rest.capacities[mentor as usize] -= 1;
    rest.edges.retain(|x| x.mentee != mentee);
    let forced = crate::solve(&rest, solution.objective).ok()?;
    let score = problem.edges[e].score;
    if solution.objective == Objective::Coverage && forced.matched + 1 < solution.matched {
        return Some(WhyNot::WouldLeaveOthersUnmatched { fewer: solution.matched - forced.matched - 1 });
    }
    let raise = solution.total_score - (forced.total_score + score);
    let offset = if solution.objective == Objective::Coverage { coverage_offset(problem, solution) } else { 0 };
    let (u, v) = (solution.u[mentee as usize], solution.v[mentor as usize]);
    Some(WhyNot::ScoreTooLow { score, raise: raise.max(0), reduced_cost: u + v - score - offset, mentor_price: v })
}

/// The constant the coverage objective added to every edge, recovered from a used edge (which is
/// tight: u + v = score + offset). Zero if nothing is matched.
fn coverage_offset(problem: &Problem, solution: &Solution) -> i64 {
    solution
        .assigned_edge
        .iter()
        .enumerate()
        .find_map(|(i, a)| {
            a.map(|e| solution.u[i] + solution.v[problem.edges[e].mentor as usize] - problem.edges[e].score)
        })
        .unwrap_or(0)
}

/// Why a mentee is unmatched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhyUnmatched {
    Matched,
    /// No eligible mentor at all.
    NoEligibleMentor,
    /// Every eligible place is taken: these mentees (including this one) compete for these mentors'
    /// places, and there are fewer places than mentees. Found by following alternating paths from the
    /// mentee: the reachable mentees and their eligible mentors form a tight cut.
    TooFewPlaces {
        mentees: Vec<u32>,
        mentors: Vec<u32>,
        places: u64,
    },
    /// A place was free, but every pair with it was worth less than it would cost the others (only
    /// under `total`, where leaving someone unmatched can be best).
    NotWorthIt {
        best_score: i64,
    },
}

pub fn why_unmatched(problem: &Problem, solution: &Solution, mentee: u32) -> WhyUnmatched {
    if solution.assigned_edge[mentee as usize].is_some() {
        return WhyUnmatched::Matched;
    }
    let mut by_mentee: Vec<Vec<usize>> = vec![Vec::new(); problem.mentees];
    for (e, edge) in problem.edges.iter().enumerate() {
        by_mentee[edge.mentee as usize].push(e);
    }
    if by_mentee[mentee as usize].is_empty() {
        return WhyUnmatched::NoEligibleMentor;
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); problem.mentors()];
    for (i, a) in solution.assigned_edge.iter().enumerate() {
        if let Some(e) = a {
            members[problem.edges[*e].mentor as usize].push(i as u32);
        }
    }
    let mut seen_mentee = vec![false; problem.mentees];
    let mut seen_mentor = vec![false; problem.mentors()];
    let mut queue = vec![mentee];
    seen_mentee[mentee as usize] = true;
    let mut free_place = false;
    while let Some(i) = queue.pop() {
        for &e in &by_mentee[i as usize] {
            let j = problem.edges[e].mentor as usize;
            if seen_mentor[j] {
                continue;
            }
            seen_mentor[j] = true;
            if (members[j].len() as u32) < problem.capacities[j] {
                free_place = true;
            }
            for &k in &members[j] {
                if !seen_mentee[k as usize] {
                    seen_mentee[k as usize] = true;
                    queue.push(k);
                }
            }
        }
    }
    if free_place {
        let best_score = by_mentee[mentee as usize].iter().map(|&e| problem.edges[e].score).max().unwrap_or(0);
        return WhyUnmatched::NotWorthIt { best_score };
    }
    let mentees: Vec<u32> = (0..problem.mentees as u32).filter(|&i| seen_mentee[i as usize]).collect();
    let mentors: Vec<u32> = (0..problem.mentors() as u32).filter(|&j| seen_mentor[j as usize]).collect();
    let places = mentors.iter().map(|&j| u64::from(problem.capacities[j as usize])).sum();
    WhyUnmatched::TooFewPlaces { mentees, mentors, places }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Edge, solve};

    fn e(mentee: u32, mentor: u32, score: i64) -> Edge {
        Edge { mentee, mentor, score }
    }

    #[test]
    fn why_not_gives_the_raise_needed() {
        // Two mentees want mentor 0 (one place); mentee 1 scores higher with it. Mentee 0 goes to
        // mentor 1 (score 2). For mentee 0, mentor 0 is worth 5 but mentee 1 would lose 9 − 1 = 8 by
        // moving to mentor 1, so the pair (0, 0) would need 5 + 3 + … : the reduced cost says how much.
        let p =
            Problem { mentees: 2, capacities: vec![1, 1], edges: vec![e(0, 0, 5), e(0, 1, 2), e(1, 0, 9), e(1, 1, 1)] };
        let s = solve(&p, Objective::Total).unwrap();
        assert_eq!(s.total_score, 11);
        let Some(WhyNot::ScoreTooLow { raise, reduced_cost, .. }) = why_not(&p, &s, 0, 0) else { panic!() };
        // By hand: the best matching with (0, 0) is (0, 0) + (1, 1) = 6 against 11, so the pair must
        // rise by 5; the duals give a lower bound.
        assert_eq!(raise, 5);
        assert!((0..=raise).contains(&reduced_cost));
        // Independent check: at that raise an optimal matching can use the pair.
        let mut raised = p.clone();
        raised.edges[0].score += raise;
        assert_eq!(solve(&raised, Objective::Total).unwrap().total_score, raised.edges[0].score + 1);
        assert_eq!(why_not(&p, &s, 1, 0), Some(WhyNot::Matched));
    }

    #[test]
    fn why_unmatched_finds_the_competing_group() {
        // Three mentees, all eligible only for mentor 0 (2 places); mentor 1 is free but ineligible.
        let p = Problem { mentees: 3, capacities: vec![2, 1], edges: vec![e(0, 0, 1), e(1, 0, 5), e(2, 0, 4)] };
        let s = solve(&p, Objective::Coverage).unwrap();
        let unmatched = s.assigned_edge.iter().position(Option::is_none).unwrap() as u32;
        assert_eq!(unmatched, 0);
        assert_eq!(
            why_unmatched(&p, &s, 0),
            WhyUnmatched::TooFewPlaces { mentees: vec![0, 1, 2], mentors: vec![0], places: 2 }
        );
    }

    #[test]
    fn mentees_with_no_eligible_mentor_are_named_as_such() {
        let p = Problem { mentees: 2, capacities: vec![1], edges: vec![e(0, 0, 1)] };
        let s = solve(&p, Objective::Total).unwrap();
        assert_eq!(why_unmatched(&p, &s, 1), WhyUnmatched::NoEligibleMentor);
    }
}
