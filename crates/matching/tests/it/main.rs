//! The matching engine against a brute-force oracle on tiny instances, and metamorphic properties.

use kindling_matching::{Edge, Objective, Problem, solve};
use proptest::prelude::*;

/// One feasible matching, summarised: (matched, total, lowest score).
type Summary = (usize, i64, Option<i64>);

/// Every feasible matching of a tiny instance, by recursion over mentees.
fn all_matchings(p: &Problem) -> Vec<Summary> {
    fn go(p: &Problem, i: usize, load: &mut Vec<u32>, chosen: &mut Vec<Option<usize>>, out: &mut Vec<Summary>) {
        if i == p.mentees {
            let scores: Vec<i64> = chosen.iter().flatten().map(|&e| p.edges[e].score).collect();
            out.push((scores.len(), scores.iter().sum(), scores.iter().min().copied()));
            return;
        }
        chosen.push(None);
        go(p, i + 1, load, chosen, out);
        chosen.pop();
        for (e, edge) in p.edges.iter().enumerate() {
            let j = edge.mentor as usize;
            if edge.mentee as usize == i && load[j] < p.capacities[j] {
                load[j] += 1;
                chosen.push(Some(e));
                go(p, i + 1, load, chosen, out);
                chosen.pop();
                load[j] -= 1;
            }
        }
    }
    let mut out = Vec::new();
    go(p, 0, &mut vec![0; p.mentors()], &mut Vec::new(), &mut out);
    out
}

fn tiny_problem() -> impl Strategy<Value = Problem> {
    (1_usize..=5, 1_usize..=4)
        .prop_flat_map(|(n, m)| {
            let caps = prop::collection::vec(0_u32..=3, m);
            let edges = prop::collection::vec((0..n as u32, 0..m as u32, 0_i64..=6), 0..=12);
            (Just(n), caps, edges)
        })
        .prop_map(|(n, capacities, raw)| {
            let mut seen = std::collections::HashSet::new();
            let edges = raw
                .into_iter()
                .filter(|(i, j, _)| seen.insert((*i, *j)))
                .map(|(mentee, mentor, score)| Edge { mentee, mentor, score })
                .collect();
            Problem { mentees: n, capacities, edges }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// `total` equals the brute-force best total (ties and capacities 0–3 included; rectangular both ways).
    #[test]
    fn total_matches_brute_force(p in tiny_problem()) {
        let best = all_matchings(&p).iter().map(|m| m.1).max().unwrap();
        let s = solve(&p, Objective::Total).unwrap();
        prop_assert_eq!(s.total_score, best);
    }

    /// `coverage` is the lexicographic best (most matched, then highest total).
    #[test]
    fn coverage_matches_brute_force(p in tiny_problem()) {
        let best = all_matchings(&p).iter().map(|m| (m.0, m.1)).max().unwrap();
        let s = solve(&p, Objective::Coverage).unwrap();
        prop_assert_eq!((s.matched, s.total_score), best);
    }

    /// `maxmin`: most matched, then the highest lowest score, then the highest total.
    #[test]
    fn maxmin_matches_brute_force(p in tiny_problem()) {
        let all = all_matchings(&p);
        let size = all.iter().map(|m| m.0).max().unwrap();
        let best = all.iter().filter(|m| m.0 == size).map(|m| (m.2.unwrap_or(i64::MAX), m.1)).max().unwrap();
        let s = solve(&p, Objective::MaxMin).unwrap();
        prop_assert_eq!(s.matched, size);
        prop_assert_eq!((s.min_score.unwrap_or(i64::MAX), s.total_score), best);
    }

    /// `stable` never has a blocking pair (checked inside the solve, which would fail otherwise).
    #[test]
    fn stable_has_no_blocking_pair(p in tiny_problem()) {
        prop_assert!(solve(&p, Objective::Stable).is_ok());
    }

    /// Renumbering mentees and mentors changes nothing that matters.
    #[test]
    fn permuting_ids_keeps_the_objective(p in tiny_problem(), seed in any::<u64>()) {
        let n = p.mentees;
        let m = p.mentors();
        let mut mentee_perm: Vec<u32> = (0..n as u32).collect();
        let mut mentor_perm: Vec<u32> = (0..m as u32).collect();
        let mut state = seed | 1;
        let mut shuffle = |v: &mut Vec<u32>| for i in (1..v.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            v.swap(i, (state % (i as u64 + 1)) as usize);
        };
        shuffle(&mut mentee_perm);
        shuffle(&mut mentor_perm);
        let mut capacities = vec![0; m];
        for (j, &c) in p.capacities.iter().enumerate() {
            capacities[mentor_perm[j] as usize] = c;
        }
        let mut edges: Vec<Edge> = p.edges.iter().map(|e| Edge { mentee: mentee_perm[e.mentee as usize], mentor: mentor_perm[e.mentor as usize], score: e.score }).collect();
        edges.reverse();
        let q = Problem { mentees: n, capacities, edges };
        // Compare what each objective optimises (ties may be broken differently).
        let key = |s: &kindling_matching::Solution, o: Objective| match o {
            Objective::Total => (0, s.total_score, 0),
            Objective::Coverage => (s.matched, s.total_score, 0),
            _ => (s.matched, s.total_score, s.min_score.unwrap_or(-1)),
        };
        for objective in [Objective::Total, Objective::Coverage, Objective::MaxMin] {
            let (a, b) = (solve(&p, objective).unwrap(), solve(&q, objective).unwrap());
            prop_assert_eq!(key(&a, objective), key(&b, objective));
        }
    }

    /// Raising a capacity never lowers the optimum; deleting an unused edge leaves it unchanged.
    #[test]
    fn capacity_and_unused_edge_metamorphisms(p in tiny_problem(), which in any::<prop::sample::Index>()) {
        let base = solve(&p, Objective::Total).unwrap();
        let mut more = p.clone();
        let j = which.index(more.capacities.len());
        more.capacities[j] += 1;
        prop_assert!(solve(&more, Objective::Total).unwrap().total_score >= base.total_score);
        let used: Vec<usize> = base.assigned_edge.iter().flatten().copied().collect();
        if let Some(unused) = (0..p.edges.len()).find(|e| !used.contains(e)) {
            let mut fewer = p.clone();
            fewer.edges.remove(unused);
            prop_assert_eq!(solve(&fewer, Objective::Total).unwrap().total_score, base.total_score);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// "Why not": raising the pair's score by one more than the stated raise makes the best total rise by
    /// exactly one (the pair is then worth using), and the dual reduced cost never exceeds the raise.
    #[test]
    fn why_not_states_the_exact_raise(p in tiny_problem()) {
        use kindling_matching::explain::{WhyNot, why_not};
        let s = solve(&p, Objective::Total).unwrap();
        for (e, edge) in p.edges.iter().enumerate() {
            match why_not(&p, &s, edge.mentee, edge.mentor).unwrap() {
                WhyNot::ScoreTooLow { raise, reduced_cost, .. } => {
                    prop_assert!(reduced_cost <= raise && reduced_cost >= 0);
                    let mut raised = p.clone();
                    raised.edges[e].score += raise + 1;
                    prop_assert_eq!(solve(&raised, Objective::Total).unwrap().total_score, s.total_score + 1);
                }
                WhyNot::Matched => prop_assert_eq!(s.assigned_edge[edge.mentee as usize], Some(e)),
                WhyNot::NoPlaces => prop_assert_eq!(p.capacities[edge.mentor as usize], 0),
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }
}

#[test]
fn invalid_problems_are_refused() {
    let p = |edges: Vec<Edge>| Problem { mentees: 2, capacities: vec![1, 0], edges };
    let e = |mentee, mentor, score| Edge { mentee, mentor, score };
    let check = |problem: Problem, expected: &str| {
        assert_eq!(solve(&problem, Objective::Total).unwrap_err().to_string(), expected)
    };
    check(p(vec![e(5, 0, 1)]), "edge 0: mentee 5 does not exist");
    check(p(vec![e(0, 9, 1)]), "edge 0: mentor 9 does not exist");
    check(p(vec![e(0, 0, -1)]), "edge 0: score -1 is outside 0..=1073741824");
    check(p(vec![e(0, 0, 1), e(1, 1, 2), e(0, 0, 3)]), "edge 2: mentee 0 and mentor 0 are already paired by edge 0");
}

/// Differential test against an independent implementation: the `pathfinding` crate's Kuhn–Munkres,
/// with each mentor expanded into one column per place and one zero-worth "unmatched" column per
/// mentee. Seeded random families: sizes up to 40 × 12, capacities 0–4, densities from sparse to
/// complete, scores with many ties or few.
#[test]
fn total_agrees_with_kuhn_munkres_on_random_families() {
    use pathfinding::kuhn_munkres::kuhn_munkres;
    use pathfinding::matrix::Matrix;
    let mut state = 0x0000_ddb1_a5e5_u64;
    let mut next = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for family in 0..200 {
        let n = 1 + next(40) as usize;
        let m = 1 + next(12) as usize;
        let density = 1 + next(100);
        let max_score = [3, 10, 1000, 1_000_000][family % 4];
        let capacities: Vec<u32> = (0..m).map(|_| next(5) as u32).collect();
        let mut edges = Vec::new();
        for i in 0..n as u32 {
            for j in 0..m as u32 {
                if next(100) < density {
                    edges.push(Edge { mentee: i, mentor: j, score: next(max_score + 1) as i64 });
                }
            }
        }
        let p = Problem { mentees: n, capacities: capacities.clone(), edges };
        let ours = solve(&p, Objective::Total).unwrap().total_score;
        let slots: Vec<usize> = (0..m).flat_map(|j| std::iter::repeat_n(j, capacities[j] as usize)).collect();
        let columns = slots.len() + n;
        let mut weights = Matrix::new(n, columns, 0_i64);
        for e in &p.edges {
            for (c, &j) in slots.iter().enumerate() {
                if j == e.mentor as usize {
                    weights[(e.mentee as usize, c)] = e.score;
                }
            }
        }
        let (oracle, _) = kuhn_munkres(&weights);
        assert_eq!(ours, oracle, "family {family}: {n} mentees × {m} mentors, density {density}%");
    }
}
