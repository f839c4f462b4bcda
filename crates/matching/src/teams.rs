//! Team formation: split a group into teams of nearly equal size that mix professions as much as
//! possible and keep apart people who already work together. The problem is NP-hard (maximally diverse
//! grouping), so this is a local search that reports its objective beside an upper bound.
//!
//! Objective = Σ over teams of (distinct professions) − Σ over teams of (pairs who already worked
//! together). No clock here: the caller decides when to stop through `keep_going`.

use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Teams {
    /// Indices of the people in each team.
    pub teams: Vec<Vec<usize>>,
    pub objective: i64,
    /// No split can score more than this: Σ_t min(size_t, professions) and Σ_p min(count_p, teams),
    /// whichever is smaller, with no prior pairs.
    pub upper_bound: i64,
    pub prior_pairs_together: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    #[error("team size must be at least 1")]
    ZeroSize,
    #[error("there is nobody to split into teams")]
    Empty,
}

struct State<'a> {
    professions: &'a [u32],
    history: &'a HashSet<(usize, usize)>,
    team_of: Vec<usize>,
    /// counts[t][p]: people of profession p in team t.
    counts: Vec<HashMap<u32, u32>>,
}

impl State<'_> {
    fn prior(&self, a: usize, b: usize) -> bool {
        self.history.contains(&(a.min(b), a.max(b)))
    }

    /// Change in objective if `a` (in team ta) and `b` (in team tb) swap.
    fn swap_gain(&self, a: usize, b: usize, members: &[Vec<usize>]) -> i64 {
        let (ta, tb) = (self.team_of[a], self.team_of[b]);
        let (pa, pb) = (self.professions[a], self.professions[b]);
        if ta == tb {
            return 0;
        }
        let count = |t: usize, p: u32| self.counts[t].get(&p).copied().unwrap_or(0);
        let mut gain = 0;
        if pa != pb {
            // Team ta loses pa, gains pb; team tb loses pb, gains pa.
            gain -= i64::from(count(ta, pa) == 1);
            gain += i64::from(count(ta, pb) == 0);
            gain -= i64::from(count(tb, pb) == 1);
            gain += i64::from(count(tb, pa) == 0);
        }
        gain + self.prior_gain(a, b, ta, tb, members)
    }

    fn prior_gain(&self, a: usize, b: usize, ta: usize, tb: usize, members: &[Vec<usize>]) -> i64 {
        let mut gain = 0;
        for &x in &members[ta] {
            if x != a {
                gain += i64::from(self.prior(a, x)) - i64::from(self.prior(b, x));
            }
        }
        for &y in &members[tb] {
            if y != b {
                gain += i64::from(self.prior(b, y)) - i64::from(self.prior(a, y));
            }
        }
        gain
    }
}

/// Splits `professions.len()` people into teams of at most `size`, as equal as possible.
pub fn form_teams(
    professions: &[u32],
    history: &[(usize, usize)],
    size: usize,
    mut keep_going: impl FnMut() -> bool,
) -> Result<Teams, TeamError> {
    if size == 0 {
        return Err(TeamError::ZeroSize);
    }
    let n = professions.len();
    if n == 0 {
        return Err(TeamError::Empty);
    }
    let team_count = n.div_ceil(size);
    let history: HashSet<(usize, usize)> =
        history.iter().filter(|(a, b)| a != b).map(|&(a, b)| (a.min(b), a.max(b))).collect();
    // Snake draft: people sorted by how rare their profession is, dealt round-robin, so each team gets
    // one of each scarce profession before anyone gets a second.
    let mut frequency: HashMap<u32, usize> = HashMap::new();
    for p in professions {
        *frequency.entry(*p).or_default() += 1;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (frequency[&professions[i]], professions[i], i));
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); team_count];
    for (k, &i) in order.iter().enumerate() {
        let round = k / team_count;
        let slot = k % team_count;
        let t = if round.is_multiple_of(2) { slot } else { team_count - 1 - slot };
        members[t].push(i);
    }
    let mut state =
        State { professions, history: &history, team_of: vec![0; n], counts: vec![HashMap::new(); team_count] };
    for (t, team) in members.iter().enumerate() {
        for &i in team {
            state.team_of[i] = t;
            *state.counts[t].entry(professions[i]).or_default() += 1;
        }
    }
    // First-improvement swaps until no swap helps or the caller says stop.
    let mut improved = true;
    while improved && keep_going() {
        improved = false;
        for a in 0..n {
            for b in a + 1..n {
                if state.swap_gain(a, b, &members) > 0 {
                    let (ta, tb) = (state.team_of[a], state.team_of[b]);
                    let (pa, pb) = (professions[a], professions[b]);
                    members[ta].retain(|&x| x != a);
                    members[tb].retain(|&x| x != b);
                    members[ta].push(b);
                    members[tb].push(a);
                    state.team_of[a] = tb;
                    state.team_of[b] = ta;
                    for (t, p, d) in [(ta, pa, -1_i64), (ta, pb, 1), (tb, pb, -1), (tb, pa, 1)] {
                        let c = state.counts[t].entry(p).or_default();
                        *c = (i64::from(*c) + d) as u32;
                        if *c == 0 {
                            state.counts[t].remove(&p);
                        }
                    }
                    improved = true;
                }
            }
        }
    }
    let prior_pairs_together = history.iter().filter(|(a, b)| state.team_of[*a] == state.team_of[*b]).count();
    let distinct: i64 = state.counts.iter().map(|c| c.len() as i64).sum();
    let kinds = frequency.len() as i64;
    let by_team: i64 = members.iter().map(|t| (t.len() as i64).min(kinds)).sum();
    let by_profession: i64 = frequency.values().map(|&c| (c as i64).min(team_count as i64)).sum();
    for team in &mut members {
        team.sort_unstable();
    }
    Ok(Teams {
        teams: members,
        objective: distinct - prior_pairs_together as i64,
        upper_bound: by_team.min(by_profession),
        prior_pairs_together,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_mix_professions_up_to_the_bound() {
        // 3 nurses, 3 doctors, 3 pharmacists into teams of 3: one of each per team is the optimum (9).
        let professions = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        let t = form_teams(&professions, &[], 3, || true).unwrap();
        assert_eq!(t.teams.len(), 3);
        assert_eq!(t.objective, 9);
        assert_eq!(t.upper_bound, 9);
        assert!(t.teams.iter().all(|team| team.len() == 3));
    }

    #[test]
    fn people_who_already_work_together_are_kept_apart() {
        // Two nurses (0, 1) and two doctors (2, 3) in teams of two; nurse 0 and doctor 2 already work
        // together, so the best split is {0, 3} and {1, 2}: both mixed, no prior pair.
        let professions = [0, 0, 1, 1];
        let t = form_teams(&professions, &[(0, 2)], 2, || true).unwrap();
        assert_eq!(t.prior_pairs_together, 0);
        assert_eq!(t.objective, 4);
    }

    #[test]
    fn sizes_are_as_equal_as_possible_and_the_bound_holds() {
        let professions: Vec<u32> = (0..23).map(|i| i % 5).collect();
        let t = form_teams(&professions, &[(0, 5), (1, 6)], 4, || true).unwrap();
        assert_eq!(t.teams.len(), 6);
        let sizes: Vec<usize> = t.teams.iter().map(Vec::len).collect();
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
        assert!(t.objective <= t.upper_bound);
        assert_eq!(t.teams.iter().map(Vec::len).sum::<usize>(), 23);
    }
}
