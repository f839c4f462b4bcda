//! Risk items: what an initiative could harm, scored consequence × likelihood on the pack's 5 × 5
//! matrix before controls, now, and as targeted once actions are done.
//!
//! An initiative's risk is its worst item, never an average: one catastrophic risk is not diluted by
//! ten trivial ones. The highest consequence is reported beside it, so a catastrophic but rare risk
//! (5 × 1 = 5, "Moderate") is not hidden by its modest score.

use serde::{Deserialize, Serialize};

use crate::initiatives::CivilDate;
use crate::policy::PolicyPack;
use crate::validation::{FieldErrors, optional_text, required_text};

pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_OWNER_CHARS: usize = 200;

/// A consequence and a likelihood, each 1–5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Score {
    pub consequence: u8,
    pub likelihood: u8,
}

impl Score {
    /// A score from two values on the 1–5 scales; `None` for anything else.
    pub fn new(consequence: u8, likelihood: u8) -> Option<Self> {
        ((1..=5).contains(&consequence) && (1..=5).contains(&likelihood)).then_some(Self { consequence, likelihood })
    }

    /// Consequence × likelihood, 1–25.
    pub fn value(self) -> u8 {
        self.consequence * self.likelihood
    }
}

/// A risk item as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskDraft {
    /// The pack's domain id (`patient-safety`).
    pub domain: String,
    pub cause: String,
    pub event: String,
    pub consequence: String,
    pub before: Option<Score>,
    pub now: Score,
    pub target: Option<Score>,
    pub controls: String,
    pub owner: String,
    /// The named executive who owns a risk on the corporate register (empty below the register's
    /// band).
    pub executive_owner: String,
    pub review: CivilDate,
}

/// The risk form as typed, every field a string so a rejected form comes back exactly as it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RiskForm {
    pub domain: String,
    pub cause: String,
    pub event: String,
    pub consequence: String,
    pub before_consequence: String,
    pub before_likelihood: String,
    pub now_consequence: String,
    pub now_likelihood: String,
    pub target_consequence: String,
    pub target_likelihood: String,
    pub controls: String,
    pub owner: String,
    pub executive_owner: String,
    pub review_day: String,
    pub review_month: String,
    pub review_year: String,
}

impl RiskForm {
    pub fn from_draft(draft: &RiskDraft) -> Self {
        let (bc, bl) = split(draft.before);
        let (tc, tl) = split(draft.target);
        Self {
            domain: draft.domain.clone(),
            cause: draft.cause.clone(),
            event: draft.event.clone(),
            consequence: draft.consequence.clone(),
            before_consequence: bc,
            before_likelihood: bl,
            now_consequence: draft.now.consequence.to_string(),
            now_likelihood: draft.now.likelihood.to_string(),
            target_consequence: tc,
            target_likelihood: tl,
            controls: draft.controls.clone(),
            owner: draft.owner.clone(),
            executive_owner: draft.executive_owner.clone(),
            review_day: draft.review.day.to_string(),
            review_month: draft.review.month.to_string(),
            review_year: draft.review.year.to_string(),
        }
    }

    /// Checks the form against the pack's domains and scales.
    ///
    /// # Errors
    /// Every problem, by field.
    pub fn parse(&self, pack: &PolicyPack) -> Result<RiskDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let domain = self.domain.trim();
        if pack.domain(domain).is_none() {
            errors.add("domain", "Select what the risk could harm");
        }
        let cause = required_text(&mut errors, "cause", &self.cause, "the cause", MAX_TEXT_CHARS);
        let event = required_text(&mut errors, "event", &self.event, "what could happen", MAX_TEXT_CHARS);
        let consequence =
            required_text(&mut errors, "consequence", &self.consequence, "the consequence", MAX_TEXT_CHARS);
        let now = score(&mut errors, "now", &self.now_consequence, &self.now_likelihood, true).flatten();
        let before = score(&mut errors, "before", &self.before_consequence, &self.before_likelihood, false);
        let target = score(&mut errors, "target", &self.target_consequence, &self.target_likelihood, false);
        let controls = optional_text(&mut errors, "controls", &self.controls, "Controls", MAX_TEXT_CHARS);
        let owner = required_text(&mut errors, "owner", &self.owner, "who owns the risk", MAX_OWNER_CHARS);
        // The pack's escalation rule: a risk on the corporate register needs an executive to own it.
        let executive_owner = match now {
            Some(now) if now.value() >= pack.corporate_register_from() => required_text(
                &mut errors,
                "executive_owner",
                &self.executive_owner,
                "the executive who owns this risk on the corporate register",
                MAX_OWNER_CHARS,
            ),
            _ => {
                optional_text(&mut errors, "executive_owner", &self.executive_owner, "Executive owner", MAX_OWNER_CHARS)
                    .unwrap_or_default()
            }
        };
        let review = match CivilDate::from_parts(&self.review_day, &self.review_month, &self.review_year) {
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                errors.add("review", "Enter the date the risk will next be reviewed");
                None
            }
            Err(message) => {
                errors.add("review", message);
                None
            }
        };
        if let (Some(now), Some(Some(target))) = (now, target)
            && target.value() > now.value()
        {
            errors.add("target", "The target score cannot be higher than the score now: the actions should reduce it");
        }
        match (errors.is_empty(), now, before, target, review) {
            (true, Some(now), Some(before), Some(target), Some(review)) => Ok(RiskDraft {
                domain: domain.to_owned(),
                cause,
                event,
                consequence,
                before,
                now,
                target,
                controls: controls.unwrap_or_default(),
                owner,
                executive_owner,
                review,
            }),
            _ => Err(errors),
        }
    }
}

fn split(score: Option<Score>) -> (String, String) {
    score.map(|s| (s.consequence.to_string(), s.likelihood.to_string())).unwrap_or_default()
}

/// Reads a consequence and likelihood pair. `Some(None)` is a pair left blank where blank is allowed.
fn score(
    errors: &mut FieldErrors,
    field: &'static str,
    consequence: &str,
    likelihood: &str,
    required: bool,
) -> Option<Option<Score>> {
    let (c, l) = (consequence.trim(), likelihood.trim());
    if c.is_empty() && l.is_empty() && !required {
        return Some(None);
    }
    let parse = |text: &str| text.parse::<u8>().ok().filter(|v| (1..=5).contains(v));
    match (parse(c), parse(l)) {
        (Some(c), Some(l)) => Some(Score::new(c, l)),
        _ => {
            errors.add(field, "Choose a consequence and a likelihood, each from 1 to 5");
            None
        }
    }
}

/// Completing an action, as typed: when it was done and what shows it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompletionForm {
    pub done_day: String,
    pub done_month: String,
    pub done_year: String,
    pub evidence: String,
}

/// A completed action: its date (not in the future) and its evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub done_on: CivilDate,
    pub evidence: String,
}

impl CompletionForm {
    /// # Errors
    /// Every problem, by field (`done`, `evidence`).
    pub fn parse(&self, today: CivilDate) -> Result<Completion, FieldErrors> {
        let mut errors = FieldErrors::new();
        let done_on = match CivilDate::from_parts(&self.done_day, &self.done_month, &self.done_year) {
            Ok(Some(date)) if date > today => {
                errors.add("done", "The date the action was completed must be today or in the past");
                None
            }
            Ok(Some(date)) => Some(date),
            Ok(None) => {
                errors.add("done", "Enter the date the action was completed");
                None
            }
            Err(message) => {
                errors.add("done", message);
                None
            }
        };
        let evidence = required_text(
            &mut errors,
            "evidence",
            &self.evidence,
            "what shows the action was done (for example, the audit or the minutes)",
            MAX_TEXT_CHARS,
        );
        match done_on {
            Some(done_on) if errors.is_empty() => Ok(Completion { done_on, evidence }),
            _ => Err(errors),
        }
    }
}

/// Closing a risk, as typed: why it no longer needs managing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClosingForm {
    pub reason: String,
}

impl ClosingForm {
    /// # Errors
    /// The reason is missing or too long.
    pub fn parse(&self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::new();
        let reason = required_text(&mut errors, "reason", &self.reason, "why the risk can be closed", MAX_TEXT_CHARS);
        errors.into_result(|| reason)
    }
}

/// One scored item, as the summary and routing need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scored<'a> {
    pub domain: &'a str,
    pub now: Score,
}

/// The initiative's risk in one line: its worst item and its highest consequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The highest current score, and its band's id and label.
    pub worst_score: u8,
    pub worst_band: String,
    pub worst_band_label: String,
    pub worst_colour: String,
    pub worst_domain: String,
    /// The highest current consequence, shown beside the score.
    pub max_consequence: u8,
    pub max_consequence_label: String,
    pub items: usize,
}

/// The worst item (ties go to the higher consequence, then the earlier item) and the highest
/// consequence; `None` when nothing is recorded.
pub fn profile(items: &[Scored<'_>], pack: &PolicyPack) -> Option<Profile> {
    let worst = items.iter().enumerate().max_by(|(i, a), (j, b)| {
        (a.now.value(), a.now.consequence).cmp(&(b.now.value(), b.now.consequence)).then(j.cmp(i))
    })?;
    let worst = worst.1;
    let band = pack.band(worst.now.value())?;
    let max_consequence = items.iter().map(|i| i.now.consequence).max()?;
    let domain = pack.domain(worst.domain).map_or(worst.domain, |d| d.label.as_str());
    Some(Profile {
        worst_score: worst.now.value(),
        worst_band: band.id.clone(),
        worst_band_label: band.label.clone(),
        worst_colour: band.colour.clone(),
        worst_domain: domain.to_owned(),
        max_consequence,
        max_consequence_label: pack
            .risk
            .consequences
            .get(usize::from(max_consequence) - 1)
            .map(|l| l.label.clone())
            .unwrap_or_default(),
        items: items.len(),
    })
}

/// How many items sit in each cell of the 5 × 5 matrix: `cells[likelihood − 1][consequence − 1]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HeatMap {
    pub cells: [[u32; 5]; 5],
}

impl HeatMap {
    pub fn of(scores: impl IntoIterator<Item = Score>) -> Self {
        let mut map = Self::default();
        for s in scores {
            map.cells[usize::from(s.likelihood) - 1][usize::from(s.consequence) - 1] += 1;
        }
        map
    }

    pub fn total(&self) -> u32 {
        self.cells.iter().flatten().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RiskForm {
        RiskForm {
            domain: "patient-safety".into(),
            cause: "Staff unfamiliar with the new checklist".into(),
            event: "A deteriorating patient is missed".into(),
            consequence: "Delayed escalation".into(),
            now_consequence: "4".into(),
            now_likelihood: "3".into(),
            target_consequence: "4".into(),
            target_likelihood: "1".into(),
            owner: "Ward manager".into(),
            review_day: "1".into(),
            review_month: "3".into(),
            review_year: "2027".into(),
            ..RiskForm::default()
        }
    }

    #[test]
    fn a_complete_form_gives_a_scored_item() {
        let draft = form().parse(&PolicyPack::uk_default()).unwrap();
        assert_eq!(draft.now.value(), 12);
        assert_eq!(draft.target, Score::new(4, 1));
        assert_eq!(draft.before, None);
        assert_eq!(RiskForm::from_draft(&draft).parse(&PolicyPack::uk_default()).unwrap(), draft);
    }

    #[test]
    fn impossible_scores_are_refused_by_field() {
        let pack = PolicyPack::uk_default();
        for (c, l) in [("0", "3"), ("6", "1"), ("3", ""), ("three", "2"), ("-1", "2"), ("2.5", "2")] {
            let bad = RiskForm { now_consequence: c.into(), now_likelihood: l.into(), ..form() };
            let errors = bad.parse(&pack).unwrap_err();
            assert_eq!(
                errors.for_field("now"),
                Some("Choose a consequence and a likelihood, each from 1 to 5"),
                "{c} × {l}"
            );
        }
        let half = RiskForm { before_consequence: "3".into(), ..form() };
        assert!(half.parse(&pack).unwrap_err().for_field("before").is_some(), "half a pair is not a score");
        let unknown = RiskForm { domain: "weather".into(), ..form() };
        assert!(unknown.parse(&pack).unwrap_err().for_field("domain").is_some());
        let rising = RiskForm { target_likelihood: "4".into(), ..form() };
        assert!(rising.parse(&pack).unwrap_err().for_field("target").is_some(), "16 is above 12");
    }

    #[test]
    fn the_initiatives_risk_is_its_worst_item_with_the_highest_consequence_beside_it() {
        let pack = PolicyPack::uk_default();
        let items = [
            Scored { domain: "finance", now: Score::new(2, 2).unwrap() },
            Scored { domain: "patient-safety", now: Score::new(4, 3).unwrap() },
            Scored { domain: "reputation", now: Score::new(5, 1).unwrap() },
            Scored { domain: "workforce", now: Score::new(1, 1).unwrap() },
        ];
        let p = profile(&items, &pack).unwrap();
        // Worst: 4 × 3 = 12, High (NPSA 8–12); an average would have said 5.25.
        assert_eq!((p.worst_score, p.worst_band.as_str(), p.worst_domain.as_str()), (12, "high", "Patient safety"));
        assert_eq!((p.max_consequence, p.max_consequence_label.as_str()), (5, "Catastrophic"));
        assert_eq!(profile(&[], &pack), None);
    }

    /// The default pack escalates Extreme (15–25) to the corporate register: 4 × 4 = 16 needs a
    /// named executive, 4 × 3 = 12 does not.
    #[test]
    fn a_risk_on_the_corporate_register_needs_an_executive_owner() {
        let pack = PolicyPack::uk_default();
        assert_eq!(pack.corporate_register_from(), 15);
        let extreme = RiskForm { now_likelihood: "4".into(), target_likelihood: "1".into(), ..form() };
        assert!(extreme.parse(&pack).unwrap_err().for_field("executive_owner").is_some());
        let named = RiskForm { executive_owner: "Chief Nurse".into(), ..extreme };
        assert_eq!(named.parse(&pack).unwrap().executive_owner, "Chief Nurse");
        assert_eq!(form().parse(&pack).unwrap().executive_owner, "", "12 stays off the register");
    }

    #[test]
    fn an_action_is_completed_with_a_past_date_and_evidence() {
        let today = CivilDate::new(2026, 12, 3).unwrap();
        let typed = |d: &str, e: &str| CompletionForm {
            done_day: d.into(),
            done_month: "12".into(),
            done_year: "2026".into(),
            evidence: e.into(),
        };
        let done = typed("1", "Audit of 20 handovers, 19 used the checklist").parse(today).unwrap();
        assert_eq!(done.done_on, CivilDate::new(2026, 12, 1).unwrap());
        let future = typed("4", "Audit").parse(today).unwrap_err();
        assert!(future.for_field("done").is_some_and(|m| m.contains("today or in the past")));
        assert!(typed("1", "  ").parse(today).unwrap_err().for_field("evidence").is_some());
        assert!(ClosingForm { reason: " ".into() }.parse().unwrap_err().for_field("reason").is_some());
    }

    #[test]
    fn the_heat_map_counts_items_by_cell() {
        let map = HeatMap::of([Score::new(4, 3).unwrap(), Score::new(4, 3).unwrap(), Score::new(1, 5).unwrap()]);
        assert_eq!(map.cells[2][3], 2, "likelihood 3, consequence 4");
        assert_eq!(map.cells[4][0], 1, "likelihood 5, consequence 1");
        assert_eq!(map.total(), 3);
    }
}
