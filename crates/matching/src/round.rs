//! A programme's matching round from profiles, at any size: must-pairs fixed first, then as many
//! mentees matched as the places allow and, among those answers, the highest total score, proven
//! optimal over every eligible pair (not only the ones looked at), and each mentee's result explained.
//!
//! "As many as possible, then the best total" is the coverage objective: every pair is worth its score
//! plus a bonus larger than any total of scores, so one more match always beats any gain in score.
//! It is solved by pricing ([`crate::pricing`]) on the packed profiles ([`Compiled`]), so nothing of
//! size mentees × mentors is stored, and the duals that prove it optimal are kept for the explanations.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::pricing::{solve_priced, top_candidates};
use crate::profiles::{
    Breakdown, Compiled, Exclusion, Profile, ProfileError, Rules, TooManyDistinct, Weights, score_pair,
};
use crate::solve::SolveError;

/// Candidate mentors gathered per mentee before pricing, and violated pairs added per mentee per
/// pricing round: enough for the usual case to need one or two rounds.
const CANDIDATES_PER_MENTEE: usize = 8;
const ADDED_PER_MENTEE: usize = 4;

/// One matched pair, by index into the round's mentee and mentor lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub mentee: usize,
    pub mentor: usize,
    pub score: i64,
    /// Set by a must-pair override rather than chosen by the solver.
    pub fixed: bool,
}

/// What proves the round optimal: the solved value equals a feasible dual bound over every eligible
/// pair, checked exactly in integers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Certificate {
    /// Always "coverage": the most mentees matched, then the highest total score.
    pub objective: String,
    pub matched: usize,
    pub total_score: i64,
    /// The bonus each solver-chosen pair carries on top of its score.
    pub coverage_bonus: i64,
    /// The solved value (scores plus bonuses) and the dual bound; equal when optimal.
    pub primal: i64,
    pub dual: i64,
    /// Candidate solves until a full scan found no pair that could improve the answer.
    pub pricing_rounds: usize,
    pub candidate_pairs: usize,
    pub pairs_priced: u64,
}

impl Certificate {
    pub fn proven(&self) -> bool {
        self.primal == self.dual
    }
}

/// A solved round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Round {
    /// Each matched mentee once: the fixed pairs first, then the solver's, by mentee.
    pub pairs: Vec<Pair>,
    /// The dual value of each mentee (0 for the fixed and the unmatched).
    pub mentee_value: Vec<i64>,
    /// The dual price of each mentor's places (0 for a mentor with places left).
    pub mentor_price: Vec<i64>,
    pub certificate: Certificate,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    #[error(transparent)]
    MustPair(#[from] ProfileError),
    #[error(transparent)]
    Packing(#[from] TooManyDistinct),
    #[error(transparent)]
    Solve(#[from] SolveError),
    #[error("the solution could not be proven optimal (primal {primal}, dual {dual})")]
    NotProven { primal: i64, dual: i64 },
}

/// The profiles and settings of a round.
#[derive(Clone, Copy, Debug)]
pub struct RoundInput<'a> {
    pub mentees: &'a [Profile],
    pub mentors: &'a [Profile],
    pub weights: &'a Weights,
    pub rules: &'a Rules,
}

/// The round's scoring: packed profiles, with must-not-pairs and fixed mentees applied by index.
struct Scorer {
    compiled: Compiled,
    forbidden: HashSet<(u32, u32)>,
    fixed_mentee: Vec<bool>,
}

impl Scorer {
    fn new(input: &RoundInput<'_>, fixed_mentee: Vec<bool>) -> Result<Self, TooManyDistinct> {
        let compiled = Compiled::new(input.mentees, input.mentors, input.weights, input.rules)?;
        let mentee_index: HashMap<&str, u32> =
            input.mentees.iter().enumerate().map(|(i, p)| (p.id.as_str(), i as u32)).collect();
        let mentor_index: HashMap<&str, u32> =
            input.mentors.iter().enumerate().map(|(j, p)| (p.id.as_str(), j as u32)).collect();
        let forbidden = input
            .rules
            .must_not_pair
            .iter()
            .filter_map(|(a, b)| Some((*mentee_index.get(a.as_str())?, *mentor_index.get(b.as_str())?)))
            .collect();
        Ok(Scorer { compiled, forbidden, fixed_mentee })
    }

    fn score(&self, i: u32, j: u32) -> Option<i64> {
        if self.fixed_mentee[i as usize] || self.forbidden.contains(&(i, j)) {
            return None;
        }
        self.compiled.score(i, j)
    }
}

/// The must-pairs as (mentee, mentor, score), checked the way [`crate::profiles::build`] checks them:
/// each known, each within the hard rules other than must-not-pair, one per mentee, within places.
fn must_pairs(input: &RoundInput<'_>) -> Result<Vec<Pair>, ProfileError> {
    let mentee_index: HashMap<&str, usize> =
        input.mentees.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mentor_index: HashMap<&str, usize> =
        input.mentors.iter().enumerate().map(|(j, p)| (p.id.as_str(), j)).collect();
    let mut places: Vec<u32> = input.mentors.iter().map(|m| m.capacity).collect();
    let mut pairs: Vec<Pair> = Vec::new();
    for (a, b) in &input.rules.must_pair {
        let (Some(&i), Some(&j)) = (mentee_index.get(a.as_str()), mentor_index.get(b.as_str())) else {
            return Err(ProfileError::UnknownMustPair(a.clone(), b.clone()));
        };
        let mut relaxed = input.rules.clone();
        relaxed.must_not_pair.retain(|(x, y)| !(x == a && y == b));
        let breakdown = score_pair(&input.mentees[i], &input.mentors[j], input.weights, &relaxed)
            .map_err(|e| ProfileError::MustPairBreaksRule { mentee: a.clone(), mentor: b.clone(), reason: e.code() })?;
        if pairs.iter().any(|p| p.mentee == i) {
            return Err(ProfileError::MenteeMustPairedTwice(a.clone()));
        }
        if places[j] == 0 {
            return Err(ProfileError::MustPairsOverCapacity(b.clone()));
        }
        places[j] -= 1;
        pairs.push(Pair { mentee: i, mentor: j, score: breakdown.total(), fixed: true });
    }
    Ok(pairs)
}

/// Runs the round on `threads` threads (a pure computation: threads are not I/O).
///
/// # Errors
/// A must-pair that names nobody, breaks a hard rule, repeats a mentee or overfills a mentor; more
/// than 128 distinct tags or availability slots; or a solve that cannot be proven optimal.
pub fn run(input: &RoundInput<'_>, threads: usize) -> Result<Round, RoundError> {
    let fixed = must_pairs(input)?;
    let mut fixed_mentee = vec![false; input.mentees.len()];
    let mut capacities: Vec<u32> = input.mentors.iter().map(|m| m.capacity).collect();
    for p in &fixed {
        fixed_mentee[p.mentee] = true;
        capacities[p.mentor] -= 1;
    }
    let scorer = Scorer::new(input, fixed_mentee)?;
    let n = input.mentees.len();
    let score = |i: u32, j: u32| scorer.score(i, j);
    let candidates = top_candidates(n, capacities.len(), &score, CANDIDATES_PER_MENTEE, threads);
    // Each list is sorted best first, so a mentee's first candidate is its best eligible pair.
    let mut best = vec![0_i64; n];
    let mut seen = vec![false; n];
    for e in &candidates {
        if !seen[e.mentee as usize] {
            seen[e.mentee as usize] = true;
            best[e.mentee as usize] = e.score;
        }
    }
    let bonus = best.iter().sum::<i64>() + 1;
    let boosted = |i: u32, j: u32| scorer.score(i, j).map(|s| s + bonus);
    let candidates = candidates.into_iter().map(|mut e| {
        e.score += bonus;
        e
    });
    let (problem, solution, report) =
        solve_priced(n, &capacities, &boosted, candidates.collect(), ADDED_PER_MENTEE, threads)?;
    let primal = solution.total_score;
    let dual = solution.u.iter().sum::<i64>()
        + solution.v.iter().zip(&capacities).map(|(v, &c)| v * i64::from(c)).sum::<i64>();
    if primal != dual {
        return Err(RoundError::NotProven { primal, dual });
    }
    let mut pairs = fixed;
    for (i, edge) in solution.assigned_edge.iter().enumerate() {
        if let Some(e) = edge {
            let e = problem.edges[*e];
            pairs.push(Pair { mentee: i, mentor: e.mentor as usize, score: e.score - bonus, fixed: false });
        }
    }
    let certificate = Certificate {
        objective: "coverage".into(),
        matched: pairs.len(),
        total_score: pairs.iter().map(|p| p.score).sum(),
        coverage_bonus: bonus,
        primal,
        dual,
        pricing_rounds: report.rounds,
        candidate_pairs: report.candidate_edges,
        pairs_priced: report.pairs_priced,
    };
    Ok(Round { pairs, mentee_value: solution.u, mentor_price: solution.v, certificate })
}

/// Another eligible mentor for a mentee, and how far the pair is from being chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternative {
    pub mentor: usize,
    pub breakdown: Breakdown,
    /// The mentee's value plus the mentor's price minus the pair's worth: while a pair's score rises
    /// by less than this, the round's answer stays optimal, so the pair is this far from being chosen.
    pub short_by: i64,
    pub mentor_full: bool,
}

/// Why a mentee has no mentor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unmatched {
    /// Every mentor is excluded by a hard rule (the counts say which).
    NoEligibleMentor,
    /// Every mentor the mentee could have is full, and so is every mentor their mentees could move
    /// to, and so on: the group of mentees competing for the group's places outnumbers them.
    TooFewPlaces { mentees: usize, mentors: Vec<usize>, places: u64 },
}

/// One mentee's result, criterion by criterion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub matched: Option<(Pair, Breakdown)>,
    /// The best eligible other mentors, best score first.
    pub alternatives: Vec<Alternative>,
    /// How many mentors each hard rule excluded.
    pub excluded: BTreeMap<&'static str, usize>,
    pub unmatched: Option<Unmatched>,
}

/// Explains mentee `mentee`'s result in `round` (run on the same input), listing up to `limit`
/// alternatives.
pub fn explain(input: &RoundInput<'_>, round: &Round, mentee: usize, limit: usize) -> Explanation {
    let mut load = vec![0_u32; input.mentors.len()];
    let mut mentor_of: Vec<Option<Pair>> = vec![None; input.mentees.len()];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); input.mentors.len()];
    for p in &round.pairs {
        load[p.mentor] += 1;
        mentor_of[p.mentee] = Some(*p);
        members[p.mentor].push(p.mentee);
    }
    let full = |j: usize| load[j] >= input.mentors[j].capacity;
    let forbidden: HashSet<(&str, &str)> =
        input.rules.must_not_pair.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let eligible = |i: usize, j: usize| -> Result<Breakdown, Exclusion> {
        if forbidden.contains(&(input.mentees[i].id.as_str(), input.mentors[j].id.as_str())) {
            return Err(Exclusion::MustNotPair);
        }
        score_pair(&input.mentees[i], &input.mentors[j], input.weights, input.rules)
    };
    let bonus = round.certificate.coverage_bonus;
    let value = round.mentee_value.get(mentee).copied().unwrap_or(0);
    let mut excluded: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut alternatives = Vec::new();
    let mut matched = None;
    for j in 0..input.mentors.len() {
        let pair = mentor_of[mentee].filter(|p| p.mentor == j);
        if let Some(p) = pair {
            // A must-pair may break a must-not-pair it overrides: explain it with the rules it kept.
            let mut relaxed = input.rules.clone();
            relaxed.must_not_pair.clear();
            if let Ok(b) = score_pair(&input.mentees[mentee], &input.mentors[j], input.weights, &relaxed) {
                matched = Some((p, b));
            }
            continue;
        }
        match eligible(mentee, j) {
            Ok(breakdown) => {
                let price = round.mentor_price.get(j).copied().unwrap_or(0);
                let short_by = (value + price - (breakdown.total() + bonus)).max(0);
                alternatives.push(Alternative { mentor: j, breakdown, short_by, mentor_full: full(j) });
            }
            Err(reason) => *excluded.entry(reason.code()).or_default() += 1,
        }
    }
    let any_eligible = !alternatives.is_empty();
    alternatives.sort_by(|a, b| b.breakdown.total().cmp(&a.breakdown.total()).then(a.mentor.cmp(&b.mentor)));
    alternatives.truncate(limit);
    let unmatched = if matched.is_some() || mentor_of[mentee].is_some() {
        None
    } else if !any_eligible {
        Some(Unmatched::NoEligibleMentor)
    } else {
        // Grow the competing group: the mentors the group could have, and the mentees already in them.
        let mut seen_mentee = vec![false; input.mentees.len()];
        let mut seen_mentor = vec![false; input.mentors.len()];
        let mut queue = vec![mentee];
        seen_mentee[mentee] = true;
        while let Some(i) = queue.pop() {
            for j in 0..input.mentors.len() {
                if seen_mentor[j] || eligible(i, j).is_err() {
                    continue;
                }
                seen_mentor[j] = true;
                for &k in &members[j] {
                    if !seen_mentee[k] && !mentor_of[k].is_some_and(|p| p.fixed) {
                        seen_mentee[k] = true;
                        queue.push(k);
                    }
                }
            }
        }
        let mentors: Vec<usize> = (0..input.mentors.len()).filter(|&j| seen_mentor[j]).collect();
        let places = mentors.iter().map(|&j| u64::from(input.mentors[j].capacity)).sum();
        Some(Unmatched::TooFewPlaces { mentees: seen_mentee.iter().filter(|s| **s).count(), mentors, places })
    };
    Explanation { matched, alternatives, excluded, unmatched }
}

/// What a set of pairs is like, criterion by criterion, whatever the weights: for previewing the
/// effect of new weights against the current ones.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Character {
    pub matched: usize,
    pub mean_shared_goals: f64,
    /// Shares of the pairs, from 0 to 1.
    pub same_site: f64,
    pub same_learning_style: f64,
    pub cross_profession: f64,
    pub mean_grade_gap: f64,
}

pub fn character(input: &RoundInput<'_>, pairs: &[Pair]) -> Character {
    if pairs.is_empty() {
        return Character::default();
    }
    let n = pairs.len() as f64;
    let share = |f: &dyn Fn(&Profile, &Profile) -> bool| {
        pairs.iter().filter(|p| f(&input.mentees[p.mentee], &input.mentors[p.mentor])).count() as f64 / n
    };
    let mean = |f: &dyn Fn(&Profile, &Profile) -> f64| {
        pairs.iter().map(|p| f(&input.mentees[p.mentee], &input.mentors[p.mentor])).sum::<f64>() / n
    };
    Character {
        matched: pairs.len(),
        mean_shared_goals: mean(&|a, b| a.tags.intersection(&b.tags).count() as f64),
        same_site: share(&|a, b| a.site == b.site),
        same_learning_style: share(&|a, b| !a.learning_style.is_empty() && a.learning_style == b.learning_style),
        cross_profession: share(&|a, b| a.profession != b.profession),
        mean_grade_gap: mean(&|a, b| (f64::from(a.grade) - f64::from(b.grade)).abs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{Track, build};
    use crate::{Objective, solve};

    fn person(id: &str, profession: &str, grade: u8, tags: &[&str], capacity: u32) -> Profile {
        Profile {
            id: id.into(),
            profession: profession.into(),
            grade,
            site: "A".into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            learning_style: "visual".into(),
            availability: ["mon-am".to_owned()].into(),
            line_manager: None,
            track: Track::Standard,
            capacity,
        }
    }

    /// A varied population where places are short, so coverage and score pull against each other.
    fn population(mentees: usize, mentors: usize) -> (Vec<Profile>, Vec<Profile>) {
        let tags = ["qi", "leadership", "digital", "safety", "research", "teaching"];
        let professions = ["nurse", "doctor", "ahp", "pharmacist"];
        let make = |k: usize, mentor: bool| {
            let chosen: Vec<&str> =
                tags.iter().enumerate().filter(|(t, _)| (k * 7 + t * 3) % 5 < 2).map(|(_, t)| *t).collect();
            let mut p = person(
                &format!("{}{k}", if mentor { "m" } else { "e" }),
                professions[(k * 3) % 4],
                if mentor { 5 + (k % 4) as u8 } else { 3 + (k % 4) as u8 },
                &chosen,
                if mentor { 1 + (k % 3) as u32 } else { 0 },
            );
            p.site = ["A", "B", "C"][k % 3].into();
            p.learning_style = ["visual", "verbal"][k % 2].into();
            p
        };
        ((0..mentees).map(|k| make(k, false)).collect(), (0..mentors).map(|k| make(k, true)).collect())
    }

    /// The round's answer equals the exact coverage optimum that the dense solver finds on every pair.
    #[test]
    fn the_priced_round_equals_the_dense_coverage_optimum() {
        let (mentees, mentors) = population(90, 25);
        let (weights, rules) = (Weights::default(), Rules::default());
        let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules };
        let round = run(&input, 2).unwrap();
        let dense = build(&mentees, &mentors, &weights, &rules).unwrap();
        let reference = solve(&dense.problem, Objective::Coverage).unwrap();
        assert_eq!(round.certificate.matched, reference.matched);
        assert_eq!(round.certificate.total_score, reference.total_score);
        assert!(round.certificate.proven());
        let places: u32 = mentors.iter().map(|m| m.capacity).sum();
        assert!(round.certificate.matched <= places as usize);
        assert!(round.certificate.matched < mentees.len(), "places are short, so someone waits");
    }

    #[test]
    fn must_pairs_are_kept_and_must_not_pairs_avoided() {
        let (mentees, mentors) = population(30, 10);
        let weights = Weights::default();
        let free = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &Rules::default() };
        let first = run(&free, 1).unwrap();
        let chosen = first.pairs[0];
        let (a, b) = (mentees[chosen.mentee].id.clone(), mentors[chosen.mentor].id.clone());
        let rules = Rules { must_not_pair: vec![(a.clone(), b.clone())], ..Rules::default() };
        let avoided = run(&RoundInput { rules: &rules, ..free }, 1).unwrap();
        assert!(!avoided.pairs.iter().any(|p| p.mentee == chosen.mentee && p.mentor == chosen.mentor));
        let explanation = explain(&RoundInput { rules: &rules, ..free }, &avoided, chosen.mentee, 50);
        assert_eq!(explanation.excluded.get("must_not_pair"), Some(&1));
        // Pair an unmatched mentee with the busiest mentor: kept, and marked as fixed.
        let waiting = (0..mentees.len()).find(|i| !first.pairs.iter().any(|p| p.mentee == *i)).unwrap();
        let eligible = (0..mentors.len())
            .find(|&j| score_pair(&mentees[waiting], &mentors[j], &weights, &Rules::default()).is_ok())
            .unwrap();
        let rules =
            Rules { must_pair: vec![(mentees[waiting].id.clone(), mentors[eligible].id.clone())], ..Rules::default() };
        let forced = run(&RoundInput { rules: &rules, ..free }, 1).unwrap();
        assert!(forced.pairs.iter().any(|p| p.fixed && p.mentee == waiting && p.mentor == eligible));
        assert!(forced.certificate.proven());
    }

    #[test]
    fn a_must_pair_that_breaks_a_hard_rule_is_refused() {
        let mentees = vec![person("e1", "nurse", 6, &[], 0)];
        let mentors = vec![person("m1", "doctor", 4, &[], 1)];
        let rules = Rules { must_pair: vec![("e1".into(), "m1".into())], ..Rules::default() };
        let weights = Weights::default();
        let error =
            run(&RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules }, 1).unwrap_err();
        // A standard mentee (grade 6) needs a mentor at least as senior: grade 4 is not.
        assert_eq!(error.to_string(), "must-pair e1–m1 breaks a hard rule (track_rule)");
    }

    #[test]
    fn unmatched_mentees_are_explained() {
        // Three mentees want the one mentor with two places; a fourth has nobody senior enough.
        let mentees = vec![
            person("e1", "nurse", 4, &["qi"], 0),
            person("e2", "nurse", 4, &["qi", "safety"], 0),
            person("e3", "nurse", 4, &[], 0),
            person("e4", "nurse", 9, &[], 0),
        ];
        let mentors = vec![person("m1", "doctor", 6, &["qi", "safety"], 2)];
        let (weights, rules) = (Weights::default(), Rules::default());
        let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules };
        let round = run(&input, 1).unwrap();
        assert_eq!(round.certificate.matched, 2);
        // e3 shares no goal with m1, so e1 and e2 score higher: e3 waits.
        assert!(!round.pairs.iter().any(|p| p.mentee == 2));
        let why = explain(&input, &round, 2, 5);
        assert_eq!(why.unmatched, Some(Unmatched::TooFewPlaces { mentees: 3, mentors: vec![0], places: 2 }));
        assert_eq!(why.alternatives.len(), 1);
        assert!(why.alternatives[0].mentor_full);
        let nobody = explain(&input, &round, 3, 5);
        assert_eq!(nobody.unmatched, Some(Unmatched::NoEligibleMentor));
        assert_eq!(nobody.excluded.get("track_rule"), Some(&1));
        let matched = explain(&input, &round, 1, 5);
        assert_eq!(matched.matched.map(|(p, _)| p.mentor), Some(0));
    }

    #[test]
    fn character_describes_the_pairs() {
        let mentees = vec![person("e1", "nurse", 4, &["qi", "safety"], 0)];
        let mentors = vec![person("m1", "doctor", 6, &["qi", "safety"], 1)];
        let (weights, rules) = (Weights::default(), Rules::default());
        let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules };
        let c = character(&input, &[Pair { mentee: 0, mentor: 0, score: 0, fixed: false }]);
        assert_eq!(c.mean_shared_goals, 2.0);
        assert_eq!(c.cross_profession, 1.0);
        assert_eq!(c.mean_grade_gap, 2.0);
    }
}
