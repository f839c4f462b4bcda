//! Shortlists, for programmes that let each mentee choose their mentor (issue 19 §3): for every mentee
//! the round matched, the mentor it chose and up to two more that its dual values say cost the
//! programme least, held so that whatever each mentee chooses, the choices together stay feasible.
//!
//! Why every combination of choices is feasible: an alternative is offered only on a place the round
//! left free, and each free place is offered to at most one mentee. So a mentee who chooses an
//! alternative displaces nobody, and every mentee the round matched stays matched: the number matched,
//! which the round maximised first, never falls.
//!
//! Why "cost the programme least": the round's duals (the mentee's value `u`, the mentor's price `v`)
//! give each pair a reduced cost `u + v − worth` which, by LP duality, the optimal total loses at least
//! when that pair is forced. A mentor with free places has price 0, so for an alternative it is the
//! score the mentee gives up against their value in the optimum. Alternatives are offered cheapest
//! first; a mentee's own mentor costs nothing.

use std::collections::HashSet;

use crate::profiles::{Compiled, TooManyDistinct};
use crate::round::{Round, RoundInput};

/// How many alternatives per mentee are kept while places are shared out. More than the shortlist
/// needs, so that a mentee whose cheapest alternatives went to others still gets the next ones,
/// without keeping every pair of a national round in memory.
const KEPT_PER_MENTEE: usize = 16;

/// One mentor on a mentee's shortlist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    pub mentor: usize,
    pub score: i64,
    /// The reduced cost: a lower bound on what the programme's total score loses if the mentee
    /// chooses this mentor (0 for the mentor the round chose).
    pub cost: i64,
}

/// Each mentee's shortlist, in the order of `input.mentees`: the round's mentor first, then up to
/// `size − 1` alternatives, cheapest first. Empty for a mentee the round did not match, and for a pair
/// the lead fixed (a must-pair is a decision, not a suggestion).
///
/// # Errors
/// More than 128 distinct tags or availability slots (as for the round itself).
pub fn shortlists(input: &RoundInput<'_>, round: &Round, size: usize) -> Result<Vec<Vec<Choice>>, TooManyDistinct> {
    let (mentees, mentors) = (input.mentees.len(), input.mentors.len());
    let mut free: Vec<u32> = input.mentors.iter().map(|m| m.capacity).collect();
    let mut lists: Vec<Vec<Choice>> = vec![Vec::new(); mentees];
    for p in &round.pairs {
        free[p.mentor] = free[p.mentor].saturating_sub(1);
        if !p.fixed {
            lists[p.mentee].push(Choice { mentor: p.mentor, score: p.score, cost: 0 });
        }
    }
    let open: Vec<u32> = (0..mentors as u32).filter(|&j| free[j as usize] > 0).collect();
    if size <= 1 || open.is_empty() {
        return Ok(lists);
    }
    let compiled = Compiled::new(input.mentees, input.mentors, input.weights, input.rules)?;
    let forbidden: HashSet<(&str, &str)> =
        input.rules.must_not_pair.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let bonus = round.certificate.coverage_bonus;
    // Each choosing mentee's cheapest alternatives on free places.
    let mut options: Vec<Vec<Choice>> = vec![Vec::new(); mentees];
    for (i, list) in lists.iter().enumerate() {
        let Some(own) = list.first() else { continue };
        let value = round.mentee_value.get(i).copied().unwrap_or(0);
        let mentee_id = input.mentees[i].id.as_str();
        let mut found: Vec<Choice> = open
            .iter()
            .filter(|&&j| {
                j as usize != own.mentor && !forbidden.contains(&(mentee_id, input.mentors[j as usize].id.as_str()))
            })
            .filter_map(|&j| {
                let score = compiled.score(i as u32, j)?;
                let price = round.mentor_price.get(j as usize).copied().unwrap_or(0);
                Some(Choice { mentor: j as usize, score, cost: (value + price - (score + bonus)).max(0) })
            })
            .collect();
        found.sort_by(|a, b| a.cost.cmp(&b.cost).then(b.score.cmp(&a.score)).then(a.mentor.cmp(&b.mentor)));
        found.truncate(KEPT_PER_MENTEE);
        options[i] = found;
    }
    // Share the free places out a rank at a time, so that one mentee's third choice never takes the
    // place another needed for a second; within a rank, the cheapest alternative goes first.
    let mut next = vec![0_usize; mentees];
    for _rank in 1..size {
        let mut order: Vec<usize> = (0..mentees).filter(|&i| next[i] < options[i].len()).collect();
        order.sort_by_key(|&i| (options[i][next[i]].cost, i));
        for i in order {
            while let Some(choice) = options[i].get(next[i]) {
                next[i] += 1;
                if free[choice.mentor] > 0 {
                    free[choice.mentor] -= 1;
                    lists[i].push(*choice);
                    break;
                }
            }
        }
    }
    Ok(lists)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{Profile, Rules, Track, Weights, score_pair};
    use crate::round::run;

    fn person(id: &str, grade: u8, tags: &[&str], site: &str, capacity: u32) -> Profile {
        Profile {
            id: id.into(),
            profession: "nurse".into(),
            grade,
            site: site.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            learning_style: String::new(),
            availability: ["mon-am".to_owned()].into(),
            line_manager: None,
            track: Track::Standard,
            capacity,
        }
    }

    /// Six mentees, four mentors with seven places between them: places to spare, and mentors in
    /// demand, so some alternatives are free and some are not.
    fn cohort() -> (Vec<Profile>, Vec<Profile>) {
        let mentees = vec![
            person("e1", 4, &["qi", "safety"], "A", 0),
            person("e2", 4, &["qi"], "A", 0),
            person("e3", 5, &["digital"], "B", 0),
            person("e4", 5, &["digital", "qi"], "B", 0),
            person("e5", 6, &["research"], "A", 0),
            person("e6", 6, &["safety"], "C", 0),
        ];
        let mentors = vec![
            person("m1", 7, &["qi", "safety"], "A", 2),
            person("m2", 7, &["digital"], "B", 2),
            person("m3", 8, &["research", "qi"], "A", 2),
            person("m4", 6, &["safety"], "C", 1),
        ];
        (mentees, mentors)
    }

    /// Every way the mentees could choose, as one mentor per mentee.
    fn every_combination(lists: &[Vec<Choice>]) -> Vec<Vec<Option<usize>>> {
        let mut all = vec![Vec::new()];
        for list in lists {
            let options: Vec<Option<usize>> =
                if list.is_empty() { vec![None] } else { list.iter().map(|c| Some(c.mentor)).collect() };
            all = all
                .into_iter()
                .flat_map(|prefix| options.iter().map(move |o| [prefix.clone(), vec![*o]].concat()))
                .collect();
        }
        all
    }

    #[test]
    fn every_combination_of_choices_fits_the_places_and_matches_as_many() {
        let (mentees, mentors) = cohort();
        let (weights, rules) = (Weights::default(), Rules::default());
        let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules };
        let round = run(&input, 1).unwrap();
        let lists = shortlists(&input, &round, 3).unwrap();
        assert!(lists.iter().any(|l| l.len() > 1), "with places to spare, someone has a choice");
        let combinations = every_combination(&lists);
        assert!(combinations.len() > 1);
        for chosen in &combinations {
            let mut load = vec![0_u32; mentors.len()];
            for j in chosen.iter().flatten() {
                load[*j] += 1;
            }
            for (j, m) in mentors.iter().enumerate() {
                assert!(load[j] <= m.capacity, "{chosen:?} puts {} mentees with {}", load[j], m.id);
            }
            assert_eq!(chosen.iter().flatten().count(), round.certificate.matched);
        }
        // Every choice is a pair the programme's rules allow, and the round's own mentor comes first.
        for (i, list) in lists.iter().enumerate() {
            for c in list {
                assert!(score_pair(&mentees[i], &mentors[c.mentor], &weights, &rules).is_ok());
            }
            if let Some(first) = list.first() {
                assert!(round.pairs.iter().any(|p| p.mentee == i && p.mentor == first.mentor));
                assert_eq!(first.cost, 0);
            }
        }
    }

    /// Each alternative's cost is a lower bound on what the optimum loses when the mentee takes it,
    /// found independently by solving the round again with that pair fixed; and choosing it leaves the
    /// number matched as it was.
    #[test]
    fn an_alternatives_cost_bounds_what_the_programme_loses_by_it() {
        let (mentees, mentors) = cohort();
        let weights = Weights::default();
        let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &Rules::default() };
        let round = run(&input, 1).unwrap();
        let lists = shortlists(&input, &round, 3).unwrap();
        let mut alternatives = 0;
        for (i, list) in lists.iter().enumerate() {
            for c in list.iter().skip(1) {
                alternatives += 1;
                let rules = Rules {
                    must_pair: vec![(mentees[i].id.clone(), mentors[c.mentor].id.clone())],
                    ..Rules::default()
                };
                let forced = run(&RoundInput { rules: &rules, ..input }, 1).unwrap();
                assert_eq!(forced.certificate.matched, round.certificate.matched);
                let lost = round.certificate.total_score - forced.certificate.total_score;
                assert!(lost >= c.cost, "mentee {i} to mentor {}: loses {lost}, cost said {}", c.mentor, c.cost);
            }
        }
        assert!(alternatives > 0);
    }

    /// With places enough for everyone anywhere, nobody competes: each mentee's alternatives are the
    /// two eligible mentors whose scores are closest to their best, and the cost is exactly the score
    /// given up.
    #[test]
    fn without_competition_the_alternatives_are_the_next_best_mentors() {
        let (mentees, mut mentors) = cohort();
        for m in &mut mentors {
            m.capacity = 10;
        }
        let (weights, rules) = (Weights::default(), Rules::default());
        let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules };
        let round = run(&input, 1).unwrap();
        let lists = shortlists(&input, &round, 3).unwrap();
        for (i, list) in lists.iter().enumerate() {
            let mut scores: Vec<i64> = mentors
                .iter()
                .filter_map(|m| score_pair(&mentees[i], m, &weights, &rules).ok())
                .map(|b| b.total())
                .collect();
            scores.sort_unstable_by(|a, b| b.cmp(a));
            let listed: Vec<i64> = list.iter().map(|c| c.score).collect();
            assert_eq!(listed, scores[..scores.len().min(3)].to_vec(), "mentee {i}");
            for c in list {
                assert_eq!(c.cost, scores[0] - c.score);
            }
        }
    }

    #[test]
    fn fixed_pairs_and_kept_apart_pairs_are_never_offered() {
        let (mentees, mut mentors) = cohort();
        for m in &mut mentors {
            m.capacity = 10;
        }
        let weights = Weights::default();
        let rules = Rules {
            must_pair: vec![("e1".into(), "m3".into())],
            must_not_pair: vec![("e2".into(), "m1".into())],
            ..Rules::default()
        };
        let input = RoundInput { mentees: &mentees, mentors: &mentors, weights: &weights, rules: &rules };
        let round = run(&input, 1).unwrap();
        let lists = shortlists(&input, &round, 3).unwrap();
        assert!(lists[0].is_empty(), "the lead's must-pair is not a suggestion");
        assert!(!lists[1].iter().any(|c| c.mentor == 0), "a pair kept apart is never offered");
        assert_eq!(lists[1].len(), 3);
    }
}
