//! Challenges (issue 19 §5): a space asks one question for a set time, with the criteria ideas will be
//! judged on. People post ideas, comment and support them (one support per person per idea); when
//! the facilitator closes the challenge to new ideas, a panel scores the shortlisted ideas against
//! each criterion, and the best become initiatives.
//!
//! Everything here is pure: parsing what people type, when a challenge takes ideas, ranking by the
//! panel's scores, and finding similar ideas.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::initiatives::CivilDate;
use crate::people::slug_enum;
use crate::privacy::{describe, screen};
use crate::search::meaningful_words;
use crate::validation::{FieldErrors, optional_text, required_text};

pub const MAX_CRITERIA: usize = 6;
/// Scores run from 1 (weak) to this (strong) on every criterion.
pub const TOP_SCORE: u8 = 5;
/// A challenge runs for at most this many days: long enough for a quarter, short enough to be a
/// challenge rather than a suggestion box.
pub const MAX_DAYS_OPEN: i64 = 120;

slug_enum!(
    /// Where a challenge stands.
    Phase, "challenge phase" {
        Open = ("open", "Open for ideas"),
        Judging = ("judging", "Closed to new ideas: the panel is scoring the shortlist"),
        Decided = ("decided", "Decided"),
    }
);

/// Text shared across organisations and with patient partners: bounded, and screened for patient
/// identifiers.
fn shared_text(errors: &mut FieldErrors, field: &'static str, raw: &str, label: &str, max: usize) -> String {
    let text = required_text(errors, field, raw, label, max);
    let findings = screen(raw);
    if !findings.is_empty() {
        errors.add(field, format!("Remove what looks like {}", describe(&findings)));
    }
    text
}

/// A challenge as its facilitator typed it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChallengeForm {
    pub question: String,
    pub description: String,
    pub closes_day: String,
    pub closes_month: String,
    pub closes_year: String,
    /// One criterion per line.
    pub criteria: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChallengeDraft {
    pub question: String,
    pub description: Option<String>,
    pub opens_on: CivilDate,
    pub closes_on: CivilDate,
    pub criteria: Vec<String>,
}

impl ChallengeForm {
    /// A challenge opens today and closes on the day given (inclusive).
    ///
    /// # Errors
    /// A missing or identifying question, a closing date that is not after today or more than
    /// [`MAX_DAYS_OPEN`] days away, no criteria or more than [`MAX_CRITERIA`], or one over 120
    /// characters.
    pub fn parse(&self, today: CivilDate) -> Result<ChallengeDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let question = shared_text(&mut errors, "question", &self.question, "the question", 200);
        let description = optional_text(&mut errors, "description", &self.description, "the background", 2000);
        if let Some(d) = &description {
            let findings = screen(d);
            if !findings.is_empty() {
                errors.add("description", format!("Remove what looks like {}", describe(&findings)));
            }
        }
        let latest = today.add_days(MAX_DAYS_OPEN);
        let closes_on = match CivilDate::from_parts(&self.closes_day, &self.closes_month, &self.closes_year) {
            Ok(Some(d)) if d <= today => {
                errors.add("closes", "The closing date must be after today");
                None
            }
            Ok(Some(d)) if latest.is_some_and(|latest| d > latest) => {
                errors.add("closes", format!("A challenge runs for at most {MAX_DAYS_OPEN} days"));
                None
            }
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.add("closes", "Enter the date the challenge closes to new ideas");
                None
            }
            Err(message) => {
                errors.add("closes", message);
                None
            }
        };
        let criteria: Vec<String> =
            self.criteria.lines().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
        let unique: BTreeSet<String> = criteria.iter().map(|c| c.to_lowercase()).collect();
        if criteria.is_empty() || criteria.len() > MAX_CRITERIA {
            errors.add("criteria", format!("Enter from 1 to {MAX_CRITERIA} criteria, one per line"));
        } else if criteria.iter().any(|c| c.chars().count() > 120) {
            errors.add("criteria", "Each criterion must be 120 characters or fewer");
        } else if unique.len() != criteria.len() {
            errors.add("criteria", "Each criterion must be different");
        }
        match closes_on {
            Some(closes_on) => {
                errors.into_result(|| ChallengeDraft { question, description, opens_on: today, closes_on, criteria })
            }
            None => Err(errors),
        }
    }
}

/// Whether a challenge takes new ideas today: open, and not past its closing date.
pub fn takes_ideas(phase: Phase, closes_on: CivilDate, today: CivilDate) -> bool {
    phase == Phase::Open && today <= closes_on
}

/// An idea as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdeaForm {
    pub title: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdeaDraft {
    pub title: String,
    pub description: String,
}

impl IdeaForm {
    /// # Errors
    /// A missing, over-long or identifying title or description.
    pub fn parse(&self) -> Result<IdeaDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = shared_text(&mut errors, "title", &self.title, "a title for your idea", 150);
        let description = shared_text(&mut errors, "description", &self.description, "your idea", 3000);
        errors.into_result(|| IdeaDraft { title, description })
    }
}

/// A comment on an idea, screened like the idea.
///
/// # Errors
/// Missing, over 1,000 characters, or identifying.
pub fn parse_comment(raw: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = shared_text(&mut errors, "comment", raw, "your comment", 1000);
    errors.into_result(|| text)
}

/// One panel member's scores for an idea, one per criterion, in the criteria's order.
///
/// # Errors
/// Keyed `score0`, `score1`, …: a missing score or one outside 1 to [`TOP_SCORE`].
pub fn parse_scores(raw: &[String], criteria: usize) -> Result<Vec<u8>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut scores = Vec::with_capacity(criteria);
    for k in 0..criteria {
        let field = SCORE_FIELDS.get(k).copied().unwrap_or("score0");
        match raw.get(k).map(|s| s.trim().parse::<u8>()) {
            Some(Ok(v)) if (1..=TOP_SCORE).contains(&v) => scores.push(v),
            _ => errors.add(field, format!("Choose a score from 1 to {TOP_SCORE}")),
        }
    }
    errors.into_result(|| scores)
}

/// The score fields' names, which are also their element ids.
pub const SCORE_FIELDS: [&str; MAX_CRITERIA] = ["score0", "score1", "score2", "score3", "score4", "score5"];

/// One panel member's scores for one idea.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scoring {
    pub idea: i64,
    pub judge: i64,
    pub scores: Vec<u8>,
}

/// An idea's place in the panel's results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ranked {
    pub idea: i64,
    /// How many panel members scored it.
    pub judges: usize,
    /// The mean score on each criterion, in the criteria's order.
    pub means: Vec<f64>,
    /// The sum of the means: the idea's score out of `criteria × TOP_SCORE`.
    pub total: f64,
    pub supporters: i64,
}

/// Ranks the shortlisted ideas by the panel's scores: the mean of every judge's score on each
/// criterion (so an idea is not favoured by being scored by more people), summed over the criteria;
/// ties go to the idea with more supporters, then the earlier idea. Ideas nobody scored come last,
/// with no total. `shortlist` is each idea with its supporters.
pub fn rank(shortlist: &[(i64, i64)], scorings: &[Scoring], criteria: usize) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = shortlist
        .iter()
        .map(|&(idea, supporters)| {
            let theirs: Vec<&Scoring> =
                scorings.iter().filter(|s| s.idea == idea && s.scores.len() == criteria).collect();
            let means: Vec<f64> = (0..criteria)
                .map(|k| {
                    if theirs.is_empty() {
                        0.0
                    } else {
                        theirs.iter().map(|s| f64::from(s.scores[k])).sum::<f64>() / theirs.len() as f64
                    }
                })
                .collect();
            Ranked { idea, judges: theirs.len(), total: means.iter().sum(), means, supporters }
        })
        .collect();
    ranked.sort_by(|a, b| {
        (b.judges > 0)
            .cmp(&(a.judges > 0))
            .then(b.total.total_cmp(&a.total))
            .then(b.supporters.cmp(&a.supporters))
            .then(a.idea.cmp(&b.idea))
    });
    ranked
}

/// The ideas most like `text` among `others` (id and text), most alike first, at most `limit`: the
/// share of meaningful words they have in common (Jaccard), above one in eight so that a single
/// shared word in two long ideas does not count.
pub fn similar(text: &str, others: &[(i64, String)], limit: usize) -> Vec<(i64, f64)> {
    let mine: BTreeSet<String> = meaningful_words(text).into_iter().collect();
    if mine.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(i64, f64)> = others
        .iter()
        .filter_map(|(id, other)| {
            let theirs: BTreeSet<String> = meaningful_words(other).into_iter().collect();
            let shared = mine.intersection(&theirs).count();
            let all = mine.union(&theirs).count();
            let share = if all == 0 { 0.0 } else { shared as f64 / all as f64 };
            (share > 0.125).then_some((*id, share))
        })
        .collect();
    found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    found.truncate(limit);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CivilDate {
        CivilDate::parse_iso("2026-12-03").expect("date")
    }

    fn form() -> ChallengeForm {
        ChallengeForm {
            question: "How might we get patients home before noon?".into(),
            description: String::new(),
            closes_day: "31".into(),
            closes_month: "12".into(),
            closes_year: "2026".into(),
            criteria: "Benefit to patients\nEase of doing it\n".into(),
        }
    }

    #[test]
    fn a_challenge_opens_today_and_closes_on_a_later_day_with_its_criteria() {
        let draft = form().parse(today()).expect("valid");
        assert_eq!(draft.opens_on, today());
        assert_eq!(draft.closes_on.iso(), "2026-12-31");
        assert_eq!(draft.criteria, ["Benefit to patients", "Ease of doing it"]);
        assert!(takes_ideas(Phase::Open, draft.closes_on, draft.closes_on), "the closing day is included");
        assert!(!takes_ideas(Phase::Open, draft.closes_on, draft.closes_on.add_days(1).expect("date")));
        assert!(!takes_ideas(Phase::Judging, draft.closes_on, today()));
    }

    #[test]
    fn bad_dates_and_criteria_are_refused_by_field() {
        let today_form = ChallengeForm { closes_day: "3".into(), ..form() };
        assert_eq!(
            today_form.parse(today()).unwrap_err().for_field("closes"),
            Some("The closing date must be after today")
        );
        let far =
            ChallengeForm { closes_day: "30".into(), closes_month: "6".into(), closes_year: "2027".into(), ..form() };
        assert_eq!(far.parse(today()).unwrap_err().for_field("closes"), Some("A challenge runs for at most 120 days"));
        let none = ChallengeForm { criteria: "\n \n".into(), ..form() };
        assert!(none.parse(today()).unwrap_err().for_field("criteria").is_some());
        let seven = ChallengeForm { criteria: "a\nb\nc\nd\ne\nf\ng".into(), ..form() };
        assert!(seven.parse(today()).unwrap_err().for_field("criteria").is_some());
        let twice = ChallengeForm { criteria: "Cost\ncost".into(), ..form() };
        assert_eq!(twice.parse(today()).unwrap_err().for_field("criteria"), Some("Each criterion must be different"));
    }

    #[test]
    fn ideas_and_comments_are_screened_for_identifiers() {
        let idea = IdeaForm {
            title: "Pharmacy at the bedside".into(),
            description: "Mr Smith, NHS number 943 476 5919, waited".into(),
        };
        let errors = idea.parse().unwrap_err();
        assert!(errors.for_field("description").expect("screened").starts_with("Remove what looks like"));
        assert!(parse_comment("Call me on 07700 900123").is_err());
        assert_eq!(parse_comment(" Love this "), Ok("Love this".into()));
    }

    #[test]
    fn scores_are_one_to_five_for_every_criterion() {
        assert_eq!(parse_scores(&["5".into(), " 3 ".into()], 2), Ok(vec![5, 3]));
        let errors = parse_scores(&["6".into()], 2).unwrap_err();
        assert_eq!(errors.for_field("score0"), Some("Choose a score from 1 to 5"));
        assert_eq!(errors.for_field("score1"), Some("Choose a score from 1 to 5"));
    }

    #[test]
    fn ranking_uses_each_criterions_mean_over_judges_then_supporters() {
        // Idea 1: judges give (5,3) and (3,3): means 4 and 3, total 7. Idea 2: one judge (4,4): total 8.
        // Idea 3: (4,4) too, total 8, with more supporters than idea 2, so it ranks first. Idea 4 has
        // no scores and comes last however many support it.
        let scorings = vec![
            Scoring { idea: 1, judge: 10, scores: vec![5, 3] },
            Scoring { idea: 1, judge: 11, scores: vec![3, 3] },
            Scoring { idea: 2, judge: 10, scores: vec![4, 4] },
            Scoring { idea: 3, judge: 11, scores: vec![4, 4] },
        ];
        let ranked = rank(&[(1, 9), (2, 1), (3, 2), (4, 50)], &scorings, 2);
        let order: Vec<i64> = ranked.iter().map(|r| r.idea).collect();
        assert_eq!(order, [3, 2, 1, 4]);
        assert_eq!(ranked[2].means, [4.0, 3.0]);
        assert_eq!(ranked[2].total, 7.0);
        assert_eq!((ranked[3].judges, ranked[3].total), (0, 0.0));
    }

    #[test]
    fn similar_ideas_share_meaningful_words() {
        let others = vec![
            (1, "Discharge medicines prepared the day before discharge".to_owned()),
            (2, "A volunteer rota for the discharge lounge".to_owned()),
            (3, "Better coffee in the staff room".to_owned()),
        ];
        let found = similar("Prepare discharge medicines the evening before", &others, 3);
        let ids: Vec<i64> = found.iter().map(|f| f.0).collect();
        // {prepare, discharge, medicines, evening, before} against idea 1's {discharge, medicines,
        // prepared, day, before}: 3 shared of 7 distinct words. Idea 2 shares only "discharge" (1 of
        // 8), under the threshold; idea 3 shares nothing.
        assert_eq!(ids, [1]);
        assert!((found[0].1 - 3.0 / 7.0).abs() < 1e-12);
        assert!(similar("the and of", &others, 3).is_empty());
    }
}
