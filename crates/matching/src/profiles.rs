//! Scoring from profiles: pure functions that turn mentor and mentee profiles and a weights table into
//! eligibility (with a reason for every excluded pair) and integer scores with a breakdown, so every
//! match can be explained criterion by criterion.

use std::collections::{BTreeSet, HashMap};

use crate::problem::{Edge, Problem};

/// Standard mentoring (a more senior mentor) or reverse mentoring (a junior mentor, often for digital
/// skills, with a senior mentee).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    Standard,
    Reverse,
}

/// A participant. For mentors, `tags` are areas of expertise; for mentees, goals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub id: String,
    pub profession: String,
    /// Pay band or grade, higher is more senior.
    pub grade: u8,
    pub site: String,
    pub tags: BTreeSet<String>,
    pub learning_style: String,
    /// Free slots, such as `mon-am`.
    pub availability: BTreeSet<String>,
    pub line_manager: Option<String>,
    pub track: Track,
    /// Places offered (mentors only).
    pub capacity: u32,
}

/// Points per criterion. Every score is a sum of these, so it can be shown as a breakdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weights {
    /// For each of the mentee's goals that the mentor has as expertise.
    pub shared_goal: i64,
    pub same_learning_style: i64,
    pub same_site: i64,
    /// Cross-functional pairs (different professions) spread practice between professions.
    pub different_profession: i64,
    /// For each availability slot the two share.
    pub shared_slot: i64,
    /// The grade gap that suits the track best; each band away from it loses `grade_gap_penalty`.
    pub ideal_grade_gap: u8,
    pub grade_gap_penalty: i64,
    /// Points every eligible pair starts with, so that a penalty never makes a score negative.
    pub base: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            shared_goal: 10,
            same_learning_style: 5,
            same_site: 3,
            different_profession: 4,
            shared_slot: 2,
            ideal_grade_gap: 2,
            grade_gap_penalty: 2,
            base: 20,
        }
    }
}

/// Hard rules: pairs that break them are not eligible, whatever their score.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    pub profession: ProfessionRule,
    pub same_site_only: bool,
    pub require_shared_availability: bool,
    pub must_pair: Vec<(String, String)>,
    pub must_not_pair: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProfessionRule {
    #[default]
    Any,
    Same,
    Different,
}

/// Why a pair is not eligible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exclusion {
    /// The same person (the same reference) enrolled on both sides: they may mentor someone and be
    /// mentored by someone else, never both in one pair.
    SamePerson,
    LineManager,
    MustNotPair,
    ProfessionRule,
    NoSharedAvailability,
    SiteRule,
    /// Standard mentoring needs a mentor at least as senior; reverse mentoring a more junior one.
    TrackRule,
}

impl Exclusion {
    pub fn code(self) -> &'static str {
        match self {
            Exclusion::SamePerson => "same_person",
            Exclusion::LineManager => "line_manager",
            Exclusion::MustNotPair => "must_not_pair",
            Exclusion::ProfessionRule => "profession_rule",
            Exclusion::NoSharedAvailability => "no_shared_availability",
            Exclusion::SiteRule => "site_rule",
            Exclusion::TrackRule => "track_rule",
        }
    }
}

/// A pair's score, criterion by criterion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    pub parts: Vec<(&'static str, i64)>,
}

impl Breakdown {
    pub fn total(&self) -> i64 {
        self.parts.iter().map(|(_, p)| p).sum::<i64>().max(0)
    }
}

fn pair_in(list: &[(String, String)], mentee: &str, mentor: &str) -> bool {
    list.iter().any(|(a, b)| a == mentee && b == mentor)
}

/// Scores one pair, or says which hard rule excludes it (the first that applies, in a fixed order).
pub fn score_pair(
    mentee: &Profile,
    mentor: &Profile,
    weights: &Weights,
    rules: &Rules,
) -> Result<Breakdown, Exclusion> {
    if mentee.id == mentor.id {
        return Err(Exclusion::SamePerson);
    }
    if mentee.line_manager.as_deref() == Some(mentor.id.as_str())
        || mentor.line_manager.as_deref() == Some(mentee.id.as_str())
    {
        return Err(Exclusion::LineManager);
    }
    if pair_in(&rules.must_not_pair, &mentee.id, &mentor.id) {
        return Err(Exclusion::MustNotPair);
    }
    let same_profession = mentee.profession == mentor.profession;
    match rules.profession {
        ProfessionRule::Same if !same_profession => return Err(Exclusion::ProfessionRule),
        ProfessionRule::Different if same_profession => return Err(Exclusion::ProfessionRule),
        _ => {}
    }
    let shared_slots = mentee.availability.intersection(&mentor.availability).count() as i64;
    if rules.require_shared_availability && shared_slots == 0 {
        return Err(Exclusion::NoSharedAvailability);
    }
    if rules.same_site_only && mentee.site != mentor.site {
        return Err(Exclusion::SiteRule);
    }
    let gap = match mentee.track {
        Track::Standard => i64::from(mentor.grade) - i64::from(mentee.grade),
        Track::Reverse => i64::from(mentee.grade) - i64::from(mentor.grade),
    };
    let track_ok = match mentee.track {
        Track::Standard => gap >= 0,
        Track::Reverse => gap > 0,
    };
    if !track_ok || mentor.track != mentee.track {
        return Err(Exclusion::TrackRule);
    }
    let shared_goals = mentee.tags.intersection(&mentor.tags).count() as i64;
    let mut parts = vec![("base", weights.base), ("shared goals", shared_goals * weights.shared_goal)];
    if !mentee.learning_style.is_empty() && mentee.learning_style == mentor.learning_style {
        parts.push(("learning style", weights.same_learning_style));
    }
    if mentee.site == mentor.site {
        parts.push(("same site", weights.same_site));
    }
    if !same_profession {
        parts.push(("different profession", weights.different_profession));
    }
    parts.push(("shared availability", shared_slots * weights.shared_slot));
    let off = (gap - i64::from(weights.ideal_grade_gap)).abs();
    parts.push(("grade gap", -off * weights.grade_gap_penalty));
    parts.retain(|(name, p)| *p != 0 || *name == "base");
    Ok(Breakdown { parts })
}

/// The scored instance built from profiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scored {
    /// Mentees in the problem are those not fixed by a must-pair; mentors keep their ids' order.
    pub problem: Problem,
    /// For each problem mentee, its index in the input.
    pub mentee_of: Vec<usize>,
    pub breakdowns: Vec<Breakdown>,
    pub exclusions: Vec<(usize, usize, Exclusion)>,
    /// Must-pairs honoured: (mentee input index, mentor index, breakdown).
    pub fixed: Vec<(usize, usize, Breakdown)>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("must-pair {0}–{1}: no such mentee or mentor")]
    UnknownMustPair(String, String),
    #[error("must-pair {mentee}–{mentor} breaks a hard rule ({reason})")]
    MustPairBreaksRule { mentee: String, mentor: String, reason: &'static str },
    #[error("mentor {0} has more must-pairs than places")]
    MustPairsOverCapacity(String),
    #[error("mentee {0} has more than one must-pair")]
    MenteeMustPairedTwice(String),
}

/// Scores every pair (a full scan: profiles are small) and applies must-pairs.
pub fn build(
    mentees: &[Profile],
    mentors: &[Profile],
    weights: &Weights,
    rules: &Rules,
) -> Result<Scored, ProfileError> {
    let mentee_index: HashMap<&str, usize> = mentees.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mentor_index: HashMap<&str, usize> = mentors.iter().enumerate().map(|(j, p)| (p.id.as_str(), j)).collect();
    let mut capacities: Vec<u32> = mentors.iter().map(|m| m.capacity).collect();
    let mut fixed = Vec::new();
    let mut fixed_mentee = vec![false; mentees.len()];
    for (a, b) in &rules.must_pair {
        let (Some(&i), Some(&j)) = (mentee_index.get(a.as_str()), mentor_index.get(b.as_str())) else {
            return Err(ProfileError::UnknownMustPair(a.clone(), b.clone()));
        };
        // A must-pair overrides the score and must-not-pair for this pair, never the other hard rules.
        let mut relaxed = rules.clone();
        relaxed.must_not_pair.retain(|(x, y)| !(x == a && y == b));
        let breakdown = score_pair(&mentees[i], &mentors[j], weights, &relaxed)
            .map_err(|e| ProfileError::MustPairBreaksRule { mentee: a.clone(), mentor: b.clone(), reason: e.code() })?;
        if fixed_mentee[i] {
            return Err(ProfileError::MenteeMustPairedTwice(a.clone()));
        }
        if capacities[j] == 0 {
            return Err(ProfileError::MustPairsOverCapacity(b.clone()));
        }
        capacities[j] -= 1;
        fixed_mentee[i] = true;
        fixed.push((i, j, breakdown));
    }
    let mentee_of: Vec<usize> = (0..mentees.len()).filter(|&i| !fixed_mentee[i]).collect();
    let mut edges = Vec::new();
    let mut breakdowns = Vec::new();
    let mut exclusions = Vec::new();
    for (k, &i) in mentee_of.iter().enumerate() {
        for (j, mentor) in mentors.iter().enumerate() {
            match score_pair(&mentees[i], mentor, weights, rules) {
                Ok(b) => {
                    edges.push(Edge { mentee: k as u32, mentor: j as u32, score: b.total() });
                    breakdowns.push(b);
                }
                Err(reason) => exclusions.push((i, j, reason)),
            }
        }
    }
    Ok(Scored {
        problem: Problem { mentees: mentee_of.len(), capacities, edges },
        mentee_of,
        breakdowns,
        exclusions,
        fixed,
    })
}

/// Profiles compiled for scoring hundreds of millions of pairs: categorical fields as small integers,
/// tag and availability sets as bit masks. [`Compiled::score`] gives exactly what [`score_pair`] gives
/// (tested), without allocating.
#[derive(Clone, Debug)]
pub struct Compiled {
    mentees: Vec<Packed>,
    mentors: Vec<Packed>,
    weights: Weights,
    rules: Rules,
}

#[derive(Clone, Debug)]
struct Packed {
    profession: u32,
    site: u32,
    grade: u8,
    tags: u128,
    style: Option<u32>,
    slots: u128,
    /// Index (in the other side's list) of the person's line manager, if on the other side.
    manager: Option<u32>,
    /// Index (in the other side's list) of the same person enrolled on the other side, if they are.
    itself: Option<u32>,
    track: Track,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("too many distinct {0} to pack (at most 128)")]
pub struct TooManyDistinct(pub &'static str);

impl Compiled {
    /// Packs both sides. Must-not-pairs are not packed: use [`Compiled::score`] only with rules that
    /// have none, or filter them in the caller.
    pub fn new(
        mentees: &[Profile],
        mentors: &[Profile],
        weights: &Weights,
        rules: &Rules,
    ) -> Result<Self, TooManyDistinct> {
        fn id(map: &mut HashMap<String, u32>, key: &str) -> u32 {
            let next = map.len() as u32;
            *map.entry(key.to_owned()).or_insert(next)
        }
        let (mut professions, mut sites, mut tags, mut styles, mut slots) =
            (HashMap::new(), HashMap::new(), HashMap::new(), HashMap::new(), HashMap::new());
        let mentee_ids: HashMap<&str, u32> =
            mentees.iter().enumerate().map(|(i, p)| (p.id.as_str(), i as u32)).collect();
        let mentor_ids: HashMap<&str, u32> =
            mentors.iter().enumerate().map(|(j, p)| (p.id.as_str(), j as u32)).collect();
        // `managers` is the other side's index by id: it finds a line manager and the person themself.
        let mut pack = |p: &Profile, managers: &HashMap<&str, u32>| -> Result<Packed, TooManyDistinct> {
            let mask = |set: &BTreeSet<String>,
                        map: &mut HashMap<String, u32>,
                        what: &'static str|
             -> Result<u128, TooManyDistinct> {
                let mut m = 0_u128;
                for t in set {
                    let bit = id(map, t);
                    if bit >= 128 {
                        return Err(TooManyDistinct(what));
                    }
                    m |= 1 << bit;
                }
                Ok(m)
            };
            Ok(Packed {
                profession: id(&mut professions, &p.profession),
                site: id(&mut sites, &p.site),
                grade: p.grade,
                tags: mask(&p.tags, &mut tags, "tags")?,
                style: (!p.learning_style.is_empty()).then(|| id(&mut styles, &p.learning_style)),
                slots: mask(&p.availability, &mut slots, "availability slots")?,
                manager: p.line_manager.as_deref().and_then(|m| managers.get(m).copied()),
                itself: managers.get(p.id.as_str()).copied(),
                track: p.track,
            })
        };
        let mentees_packed = mentees.iter().map(|p| pack(p, &mentor_ids)).collect::<Result<Vec<_>, _>>()?;
        let mentors_packed = mentors.iter().map(|p| pack(p, &mentee_ids)).collect::<Result<Vec<_>, _>>()?;
        Ok(Compiled {
            mentees: mentees_packed,
            mentors: mentors_packed,
            weights: weights.clone(),
            rules: rules.clone(),
        })
    }

    /// The score of mentee `i` with mentor `j`, or `None` if a hard rule excludes the pair.
    #[inline]
    pub fn score(&self, i: u32, j: u32) -> Option<i64> {
        let (a, b, w) = (&self.mentees[i as usize], &self.mentors[j as usize], &self.weights);
        // The cheapest exclusions first: at national scale this runs 500 million times per scan.
        if a.track != b.track || a.manager == Some(j) || b.manager == Some(i) || a.itself == Some(j) {
            return None;
        }
        let gap = match a.track {
            Track::Standard => i64::from(b.grade) - i64::from(a.grade),
            Track::Reverse => i64::from(a.grade) - i64::from(b.grade),
        };
        let track_ok = if a.track == Track::Standard { gap >= 0 } else { gap > 0 };
        let same_profession = a.profession == b.profession;
        let profession_ok = match self.rules.profession {
            ProfessionRule::Same => same_profession,
            ProfessionRule::Different => !same_profession,
            ProfessionRule::Any => true,
        };
        let same_site = a.site == b.site;
        if !track_ok || !profession_ok || (self.rules.same_site_only && !same_site) {
            return None;
        }
        let shared_slots = i64::from((a.slots & b.slots).count_ones());
        if self.rules.require_shared_availability && shared_slots == 0 {
            return None;
        }
        let mut total = w.base + i64::from((a.tags & b.tags).count_ones()) * w.shared_goal;
        if a.style.is_some() && a.style == b.style {
            total += w.same_learning_style;
        }
        if same_site {
            total += w.same_site;
        }
        if !same_profession {
            total += w.different_profession;
        }
        total += shared_slots * w.shared_slot - (gap - i64::from(w.ideal_grade_gap)).abs() * w.grade_gap_penalty;
        Some(total.max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packed score and the readable one agree on every pair of a varied population.
    #[test]
    fn compiled_scores_equal_the_breakdown_totals() {
        let professions = ["nurse", "doctor", "ahp"];
        let tags = ["qi", "leadership", "digital", "safety", "research"];
        let make = |k: usize, mentor: bool| Profile {
            // Every seventh person is enrolled on both sides under one reference.
            id: if k.is_multiple_of(7) { format!("p{k}") } else { format!("{}{k}", if mentor { "m" } else { "e" }) },
            profession: professions[k % 3].into(),
            grade: (k * 7 % 9) as u8,
            site: ["A", "B"][k % 2].into(),
            tags: tags.iter().enumerate().filter(|(t, _)| (k >> t) & 1 == 1).map(|(_, t)| (*t).to_owned()).collect(),
            learning_style: ["", "visual", "verbal"][k % 3].into(),
            availability: ["mon-am", "tue-pm", "wed-am"]
                .iter()
                .enumerate()
                .filter(|(t, _)| ((k / 3) >> t) & 1 == 1)
                .map(|(_, t)| (*t).to_owned())
                .collect(),
            line_manager: k.is_multiple_of(11).then(|| format!("{}{}", if mentor { "e" } else { "m" }, k / 2)),
            track: if k.is_multiple_of(13) { Track::Reverse } else { Track::Standard },
            capacity: 2,
        };
        let mentees: Vec<Profile> = (0..60).map(|k| make(k, false)).collect();
        let mentors: Vec<Profile> = (0..40).map(|k| make(k, true)).collect();
        for rules in [
            Rules::default(),
            Rules {
                profession: ProfessionRule::Different,
                require_shared_availability: true,
                same_site_only: true,
                ..Rules::default()
            },
        ] {
            let compiled = Compiled::new(&mentees, &mentors, &Weights::default(), &rules).unwrap();
            for (i, a) in mentees.iter().enumerate() {
                for (j, b) in mentors.iter().enumerate() {
                    let readable = score_pair(a, b, &Weights::default(), &rules).ok().map(|x| x.total());
                    assert_eq!(compiled.score(i as u32, j as u32), readable, "{} {}", a.id, b.id);
                }
            }
        }
    }

    fn person(id: &str, profession: &str, grade: u8, tags: &[&str]) -> Profile {
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
            capacity: 1,
        }
    }

    #[test]
    fn every_exclusion_has_its_reason() {
        let w = Weights::default();
        let mentee = person("e", "nurse", 5, &["leadership"]);
        let mentor = person("m", "doctor", 7, &["leadership"]);
        let check = |mentee: &Profile, mentor: &Profile, rules: &Rules, expected: Exclusion| {
            assert_eq!(score_pair(mentee, mentor, &w, rules), Err(expected));
        };
        let mut managed = mentee.clone();
        managed.line_manager = Some("m".into());
        check(&managed, &mentor, &Rules::default(), Exclusion::LineManager);
        check(
            &mentee,
            &mentor,
            &Rules { must_not_pair: vec![("e".into(), "m".into())], ..Rules::default() },
            Exclusion::MustNotPair,
        );
        check(
            &mentee,
            &mentor,
            &Rules { profession: ProfessionRule::Same, ..Rules::default() },
            Exclusion::ProfessionRule,
        );
        let mut busy = mentor.clone();
        busy.availability = ["fri-pm".to_owned()].into();
        check(
            &mentee,
            &busy,
            &Rules { require_shared_availability: true, ..Rules::default() },
            Exclusion::NoSharedAvailability,
        );
        let mut elsewhere = mentor.clone();
        elsewhere.site = "B".into();
        check(&mentee, &elsewhere, &Rules { same_site_only: true, ..Rules::default() }, Exclusion::SiteRule);
        let junior = person("j", "doctor", 3, &[]);
        check(&mentee, &junior, &Rules::default(), Exclusion::TrackRule);
        // Enrolled on both sides under one reference: never their own mentor, whatever else fits.
        let mut themself = mentor.clone();
        themself.id = "e".into();
        check(&mentee, &themself, &Rules::default(), Exclusion::SamePerson);
    }

    #[test]
    fn a_person_on_both_sides_is_never_paired_with_themself() {
        let w = Weights::default();
        // Aisha is a senior nurse who mentors and is mentored: as a mentor she would suit herself best.
        let aisha_mentee = person("aisha", "nurse", 7, &["leadership", "qi"]);
        let aisha_mentor = person("aisha", "nurse", 7, &["leadership", "qi"]);
        let other = person("m2", "doctor", 9, &["leadership"]);
        let mentees = vec![aisha_mentee, person("e2", "nurse", 5, &["qi"])];
        let mentors = vec![aisha_mentor, other];
        let compiled = Compiled::new(&mentees, &mentors, &w, &Rules::default()).unwrap();
        assert_eq!(compiled.score(0, 0), None, "the packed scorer agrees");
        assert!(compiled.score(1, 0).is_some(), "she may still mentor someone else");
        let scored = build(&mentees, &mentors, &w, &Rules::default()).unwrap();
        assert!(scored.exclusions.contains(&(0, 0, Exclusion::SamePerson)));
        let must = Rules { must_pair: vec![("aisha".into(), "aisha".into())], ..Rules::default() };
        assert_eq!(
            build(&mentees, &mentors, &w, &must).unwrap_err().to_string(),
            "must-pair aisha–aisha breaks a hard rule (same_person)"
        );
    }

    #[test]
    fn scores_add_up_criterion_by_criterion() {
        let w = Weights::default();
        let mentee = person("e", "nurse", 5, &["leadership", "qi"]);
        let mentor = person("m", "doctor", 7, &["leadership", "qi", "research"]);
        let b = score_pair(&mentee, &mentor, &w, &Rules::default()).unwrap();
        // base 20 + 2 goals × 10 + style 5 + site 3 + different profession 4 + 1 slot × 2; gap 2 = ideal.
        assert_eq!(b.total(), 20 + 20 + 5 + 3 + 4 + 2);
        assert!(b.parts.contains(&("shared goals", 20)));
    }

    #[test]
    fn reverse_mentoring_pairs_a_junior_mentor_with_a_senior_mentee() {
        let w = Weights::default();
        let mut senior = person("exec", "manager", 9, &["digital"]);
        senior.track = Track::Reverse;
        let mut junior = person("dev", "digital", 4, &["digital"]);
        junior.track = Track::Reverse;
        assert!(score_pair(&senior, &junior, &w, &Rules::default()).is_ok());
        assert_eq!(score_pair(&junior, &senior, &w, &Rules::default()), Err(Exclusion::TrackRule));
    }

    #[test]
    fn must_pairs_are_honoured_or_refused_with_the_rule_they_break() {
        let w = Weights::default();
        let mentees = vec![person("e1", "nurse", 5, &[]), person("e2", "nurse", 5, &[])];
        let mentors = vec![person("m1", "doctor", 7, &[]), person("m2", "doctor", 7, &[])];
        let rules = Rules { must_pair: vec![("e2".into(), "m1".into())], ..Rules::default() };
        let scored = build(&mentees, &mentors, &w, &rules).unwrap();
        assert_eq!(scored.fixed.len(), 1);
        assert_eq!(scored.problem.mentees, 1);
        assert_eq!(scored.problem.capacities, [0, 1]);
        let mut managed = mentees.clone();
        managed[1].line_manager = Some("m1".into());
        assert_eq!(
            build(&managed, &mentors, &w, &rules).unwrap_err().to_string(),
            "must-pair e2–m1 breaks a hard rule (line_manager)"
        );
    }
}
