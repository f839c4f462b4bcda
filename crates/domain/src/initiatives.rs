//! Initiatives: an idea and everything that grows from it. This module owns the stage state machine
//! (who may move an initiative from which stage to which, and why) and the parsing of the idea form.
//!
//! Architecture invariant: a stage changes only through [`Stage::transition`], which checks the move,
//! the actor's standing and the reason, and returns the events the change caused. There is no setter.

use serde::{Deserialize, Serialize};

use crate::ids::SiteId;
use crate::people::{Role, slug_enum};
use crate::validation::{FieldErrors, optional_text, required_text};

slug_enum!(
    /// Where an initiative is in its life.
    Stage, "stage" {
        /// Submitted by anyone; not yet shaped.
        Idea = ("idea", "Idea"),
        /// Being shaped into an aim, a team and measures.
        Shaping = ("shaping", "Shaping"),
        /// Risks and gates being assessed; awaiting a decision.
        Assessment = ("assessment", "Assessment"),
        /// Approved to pilot.
        Approved = ("approved", "Approved"),
        /// Being tested in PDSA cycles.
        Piloting = ("piloting", "Piloting"),
        /// Pilot finished; the evidence is being judged.
        Evaluating = ("evaluating", "Evaluating"),
        /// Adopted as usual practice where it was piloted.
        Adopted = ("adopted", "Adopted"),
        /// Being spread to other sites or organisations.
        Spreading = ("spreading", "Spreading"),
        /// Stopped, with its lessons kept. A valid, first-class outcome.
        Stopped = ("stopped", "Stopped"),
    }
);

/// How the person asking for a transition stands towards the initiative.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    /// Roles held in the initiative's organisation.
    pub roles: Vec<Role>,
    /// Whether they submitted the initiative (submitters steer their own idea through its early stages).
    pub is_submitter: bool,
    /// Whether they are on the initiative's team.
    pub is_team_member: bool,
}

impl Standing {
    fn has_any(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|r| roles.contains(r))
    }

    fn is_owner(&self) -> bool {
        self.is_submitter || self.is_team_member
    }
}

/// Who may make a move: people with one of `roles`, and (if `owners`) the submitter and team.
struct Rule {
    from: Stage,
    to: Stage,
    owners: bool,
    roles: &'static [Role],
    /// What the move is called in the initiative's history and in the button that makes it.
    verb: &'static str,
}

use Role::{Admin, Approver, Executive, ImprovementLead};
use Stage::{Adopted, Approved, Assessment, Evaluating, Idea, Piloting, Shaping, Spreading, Stopped};

/// The whole state machine. Decisions (approve, decline, adopt) belong to approvers and executives; the
/// team steers the work in between; improvement leads may do anything the team may.
const RULES: &[Rule] = &[
    Rule { from: Idea, to: Shaping, owners: true, roles: &[ImprovementLead, Admin], verb: "Start shaping" },
    Rule { from: Idea, to: Stopped, owners: true, roles: &[ImprovementLead, Admin], verb: "Withdraw" },
    Rule { from: Shaping, to: Assessment, owners: true, roles: &[ImprovementLead], verb: "Submit for assessment" },
    Rule { from: Shaping, to: Stopped, owners: true, roles: &[ImprovementLead, Admin], verb: "Stop" },
    Rule { from: Assessment, to: Approved, owners: false, roles: &[Approver, Executive], verb: "Approve" },
    Rule {
        from: Assessment,
        to: Shaping,
        owners: false,
        roles: &[Approver, Executive, ImprovementLead],
        verb: "Request changes",
    },
    Rule { from: Assessment, to: Stopped, owners: false, roles: &[Approver, Executive], verb: "Decline" },
    Rule { from: Approved, to: Piloting, owners: true, roles: &[ImprovementLead], verb: "Start the pilot" },
    Rule { from: Approved, to: Stopped, owners: true, roles: &[ImprovementLead, Approver, Executive], verb: "Stop" },
    Rule {
        from: Piloting,
        to: Evaluating,
        owners: true,
        roles: &[ImprovementLead],
        verb: "Finish the pilot and evaluate",
    },
    Rule { from: Piloting, to: Stopped, owners: true, roles: &[ImprovementLead, Approver, Executive], verb: "Stop" },
    Rule { from: Evaluating, to: Piloting, owners: true, roles: &[ImprovementLead], verb: "Adapt and pilot again" },
    Rule { from: Evaluating, to: Adopted, owners: false, roles: &[Approver, Executive], verb: "Adopt" },
    Rule { from: Evaluating, to: Spreading, owners: false, roles: &[Approver, Executive], verb: "Adopt and spread" },
    Rule { from: Evaluating, to: Stopped, owners: false, roles: &[Approver, Executive, ImprovementLead], verb: "Stop" },
    Rule {
        from: Adopted,
        to: Spreading,
        owners: false,
        roles: &[ImprovementLead, Approver, Executive],
        verb: "Spread to other sites",
    },
];

/// The longest reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

/// Why a transition was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("An initiative cannot move from {from} to {to}")]
    NotAllowed { from: Stage, to: Stage },
    #[error("You cannot move this initiative from {from} to {to}: {who}")]
    Forbidden { from: Stage, to: Stage, who: String },
    #[error("Enter the reason for this decision")]
    MissingReason,
    #[error("The reason must be {MAX_REASON_CHARS} characters or fewer")]
    ReasonTooLong,
}

/// A move that was allowed, ready to be stored and shown in the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StageChange {
    pub from: Stage,
    pub to: Stage,
    /// Shown to the submitter, always: nobody should wonder why their idea moved or stopped.
    pub reason: String,
    /// What the move is called ("Approve", "Decline").
    pub verb: &'static str,
    /// For a decision on the evidence ([`Stage::decides_on_evidence`]), what the measures showed
    /// when it was taken, kept with the change.
    pub evidence: Option<String>,
}

/// What a stage change causes beyond the change itself, for the caller to act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum StageEvent {
    /// Always: the submitter is told the new stage and the reason.
    SubmitterInformed,
    /// Stopping calls for a blameless learning review.
    LearningReviewDue,
    /// A decision was taken by an approver or executive (its lead time is measured).
    DecisionMade,
}

/// A move the actor may make from a stage, for offering as a choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AvailableMove {
    pub to: Stage,
    pub verb: &'static str,
}

impl Stage {
    /// Moving here adopts or spreads the change: a decision on its evidence, which is recorded with
    /// the move, and which a balancing measure of concern must not slip past unremarked.
    pub fn decides_on_evidence(self) -> bool {
        matches!(self, Stage::Adopted | Stage::Spreading)
    }

    /// Whether the initiative's life has ended (nothing more can happen to its stage).
    pub fn is_terminal(self) -> bool {
        !RULES.iter().any(|r| r.from == self)
    }

    /// The moves `standing` may make from this stage, in the order of the rules.
    pub fn moves_for(self, standing: &Standing) -> Vec<AvailableMove> {
        RULES
            .iter()
            .filter(|r| r.from == self && permits(r, standing))
            .map(|r| AvailableMove { to: r.to, verb: r.verb })
            .collect()
    }

    /// Every stage reachable in one move from this one, whoever asks.
    pub fn next_stages(self) -> impl Iterator<Item = Stage> {
        RULES.iter().filter(move |r| r.from == self).map(|r| r.to)
    }

    /// The one way to change a stage: checks that the move exists, that `standing` may make it, and that
    /// a reason is given. Returns the change and the events it causes.
    pub fn transition(
        self,
        to: Stage,
        standing: &Standing,
        reason: &str,
    ) -> Result<(StageChange, Vec<StageEvent>), TransitionError> {
        let rule = RULES
            .iter()
            .find(|r| r.from == self && r.to == to)
            .ok_or(TransitionError::NotAllowed { from: self, to })?;
        if !permits(rule, standing) {
            return Err(TransitionError::Forbidden { from: self, to, who: who_may(rule) });
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(TransitionError::MissingReason);
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(TransitionError::ReasonTooLong);
        }
        let mut events = vec![StageEvent::SubmitterInformed];
        if !rule.owners {
            events.push(StageEvent::DecisionMade);
        }
        if to == Stopped {
            events.push(StageEvent::LearningReviewDue);
        }
        Ok((StageChange { from: self, to, reason: reason.to_owned(), verb: rule.verb, evidence: None }, events))
    }
}

fn permits(rule: &Rule, standing: &Standing) -> bool {
    (rule.owners && standing.is_owner()) || standing.has_any(rule.roles)
}

fn who_may(rule: &Rule) -> String {
    let mut who: Vec<String> = rule.roles.iter().map(|r| r.label().to_lowercase()).collect();
    if rule.owners {
        who.insert(0, "the submitter or team".to_owned());
    }
    let last = who.pop().unwrap_or_default();
    if who.is_empty() { format!("only {last} may") } else { format!("only {} or {last} may", who.join(", ")) }
}

/// The idea form, as typed. Every field is kept as a string so that an invalid form can be shown again
/// exactly as the person left it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InitiativeForm {
    pub title: String,
    pub problem: String,
    pub proposed_change: String,
    pub aim_what: String,
    pub aim_how_much: String,
    pub aim_for_whom: String,
    pub aim_by_day: String,
    pub aim_by_month: String,
    pub aim_by_year: String,
    /// A site id, or empty for "the whole organisation".
    pub site: String,
    /// Comma-separated tags.
    pub tags: String,
}

/// A validated initiative: what every initiative must have, and what its aim says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InitiativeDraft {
    pub title: String,
    pub problem: String,
    pub proposed_change: String,
    pub aim: Aim,
    pub site: Option<SiteId>,
    pub tags: Vec<Tag>,
}

/// The aim: what will improve, by how much, by when and for whom (any part may still be unknown for an
/// early idea; shaping fills it in).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Aim {
    pub what: Option<String>,
    pub how_much: Option<String>,
    pub by_when: Option<CivilDate>,
    pub for_whom: Option<String>,
}

pub const MAX_TITLE_CHARS: usize = 150;
pub const MAX_LONG_TEXT_CHARS: usize = 5000;
pub const MAX_TAGS: usize = 10;

impl InitiativeForm {
    /// Validates the form. `known_site` says whether a site id belongs to the person's organisation, so
    /// that nobody can file an initiative against another organisation's site.
    pub fn parse(&self, known_site: impl Fn(SiteId) -> bool) -> Result<InitiativeDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = required_text(&mut errors, "title", &self.title, "a title", MAX_TITLE_CHARS);
        let problem = required_text(&mut errors, "problem", &self.problem, "the problem", MAX_LONG_TEXT_CHARS);
        let proposed_change = required_text(
            &mut errors,
            "proposed_change",
            &self.proposed_change,
            "the change you propose",
            MAX_LONG_TEXT_CHARS,
        );
        let what = optional_text(&mut errors, "aim_what", &self.aim_what, "what will improve", 300);
        let how_much = optional_text(&mut errors, "aim_how_much", &self.aim_how_much, "how much", 200);
        let for_whom = optional_text(&mut errors, "aim_for_whom", &self.aim_for_whom, "for whom", 300);
        let by_when = match CivilDate::from_parts(&self.aim_by_day, &self.aim_by_month, &self.aim_by_year) {
            Ok(date) => date,
            Err(message) => {
                errors.add("aim_by_day", message);
                None
            }
        };
        let site = match self.site.trim() {
            "" => None,
            raw => match raw.parse::<i64>().map(SiteId::new) {
                Ok(id) if known_site(id) => Some(id),
                _ => {
                    errors.add("site", "Select a site from the list");
                    None
                }
            },
        };
        let tags = match Tag::parse_list(&self.tags) {
            Ok(tags) => tags,
            Err(message) => {
                errors.add("tags", message);
                Vec::new()
            }
        };
        errors.into_result(|| InitiativeDraft {
            title,
            problem,
            proposed_change,
            aim: Aim { what, how_much, by_when, for_whom },
            site,
            tags,
        })
    }

    /// The form filled from a stored initiative, for editing.
    pub fn from_draft(draft: &InitiativeDraft) -> Self {
        let (day, month, year) =
            draft.aim.by_when.map(|d| (d.day.to_string(), d.month.to_string(), d.year.to_string())).unwrap_or_default();
        Self {
            title: draft.title.clone(),
            problem: draft.problem.clone(),
            proposed_change: draft.proposed_change.clone(),
            aim_what: draft.aim.what.clone().unwrap_or_default(),
            aim_how_much: draft.aim.how_much.clone().unwrap_or_default(),
            aim_for_whom: draft.aim.for_whom.clone().unwrap_or_default(),
            aim_by_day: day,
            aim_by_month: month,
            aim_by_year: year,
            site: draft.site.map(|s| s.to_string()).unwrap_or_default(),
            tags: draft.tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(", "),
        }
    }
}

/// A topic label: lower case, 1 to 40 characters of letters, digits, spaces and hyphens.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if value.is_empty() {
            return Err("Enter a tag".to_owned());
        }
        if value.chars().count() > 40 {
            return Err(format!("Tag \"{value}\" must be 40 characters or fewer"));
        }
        if !value.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-') {
            return Err(format!("Tag \"{value}\" can only contain letters, numbers, spaces and hyphens"));
        }
        Ok(Self(value))
    }

    /// Parses a comma-separated list, dropping empty entries and duplicates.
    pub fn parse_list(raw: &str) -> Result<Vec<Self>, String> {
        let mut tags: Vec<Tag> = Vec::new();
        for part in raw.split(',').filter(|p| !p.trim().is_empty()) {
            let tag = Self::parse(part)?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        if tags.len() > MAX_TAGS {
            return Err(format!("Enter {MAX_TAGS} tags or fewer"));
        }
        Ok(tags)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A calendar date without a time zone (an aim's deadline, a measure's period).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CivilDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl CivilDate {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        let days_in_month = kindling_spc::calendar::days_in_month(year, u32::from(month))?;
        ((1..=days_in_month).contains(&u32::from(day)) && (1..=9999).contains(&year)).then_some(Self {
            year,
            month,
            day,
        })
    }

    /// Parses the three boxes of an NHS date input. All empty is `None`; anything else must be a real date.
    pub fn from_parts(day: &str, month: &str, year: &str) -> Result<Option<Self>, String> {
        let (day, month, year) = (day.trim(), month.trim(), year.trim());
        if day.is_empty() && month.is_empty() && year.is_empty() {
            return Ok(None);
        }
        let missing: Vec<&str> = [("a day", day), ("a month", month), ("a year", year)]
            .into_iter()
            .filter(|(_, v)| v.is_empty())
            .map(|(name, _)| name)
            .collect();
        if !missing.is_empty() {
            return Err(format!("The date must include {}", missing.join(" and ")));
        }
        if year.len() != 4 {
            return Err("Year must include 4 numbers".to_owned());
        }
        match (day.parse::<u8>(), month.parse::<u8>(), year.parse::<i32>()) {
            (Ok(d), Ok(m), Ok(y)) => {
                Self::new(y, m, d).map(Some).ok_or_else(|| "The date must be a real date".to_owned())
            }
            _ => Err("The date must be a real date".to_owned()),
        }
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(raw: &str) -> Option<Self> {
        let mut parts = raw.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Self::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// "3 March 2025", as the NHS style guide writes dates.
    pub fn long(self) -> String {
        format!("{} {} {}", self.day, kindling_spc::calendar::MONTHS[usize::from(self.month - 1)], self.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn standing(roles: &[Role], is_submitter: bool) -> Standing {
        Standing { roles: roles.to_vec(), is_submitter, is_team_member: false }
    }

    /// One row per (from, to, who) with the expected outcome: the state machine written out as a table.
    #[test]
    fn transition_table() {
        use Role::*;
        let clinician_submitter = standing(&[Clinician], true);
        let clinician_other = standing(&[Clinician], false);
        let approver = standing(&[Approver], false);
        let lead = standing(&[ImprovementLead], false);
        let exec = standing(&[Executive], false);
        let check = |from: Stage, to: Stage, who: &Standing, ok: bool| {
            let result = from.transition(to, who, "because");
            assert_eq!(result.is_ok(), ok, "{from} -> {to} by {who:?}: {result:?}");
        };
        check(Idea, Shaping, &clinician_submitter, true);
        check(Idea, Shaping, &clinician_other, false);
        check(Idea, Shaping, &lead, true);
        check(Idea, Approved, &exec, false);
        check(Shaping, Assessment, &clinician_submitter, true);
        check(Assessment, Approved, &clinician_submitter, false);
        check(Assessment, Approved, &approver, true);
        check(Assessment, Approved, &lead, false);
        check(Assessment, Stopped, &approver, true);
        check(Assessment, Shaping, &lead, true);
        check(Approved, Piloting, &clinician_submitter, true);
        check(Piloting, Evaluating, &clinician_submitter, true);
        check(Evaluating, Adopted, &clinician_submitter, false);
        check(Evaluating, Adopted, &exec, true);
        check(Evaluating, Spreading, &approver, true);
        check(Adopted, Spreading, &lead, true);
        check(Stopped, Idea, &exec, false);
        check(Spreading, Stopped, &exec, false);
    }

    #[test]
    fn refusals_say_why() {
        let clinician = standing(&[Role::Clinician], true);
        assert_eq!(
            Assessment.transition(Approved, &clinician, "please").unwrap_err().to_string(),
            "You cannot move this initiative from Assessment to Approved: only approver or executive may"
        );
        assert_eq!(Idea.transition(Shaping, &clinician, "  ").unwrap_err(), TransitionError::MissingReason);
        assert_eq!(
            Idea.transition(Adopted, &clinician, "x").unwrap_err().to_string(),
            "An initiative cannot move from Idea to Adopted"
        );
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert_eq!(Idea.transition(Shaping, &clinician, &long).unwrap_err(), TransitionError::ReasonTooLong);
    }

    #[test]
    fn events_follow_the_kind_of_move() {
        let approver = standing(&[Approver], false);
        let (change, events) = Assessment.transition(Stopped, &approver, " Not safe yet ").unwrap();
        assert_eq!(change.reason, "Not safe yet");
        assert_eq!(change.verb, "Decline");
        assert_eq!(events, [StageEvent::SubmitterInformed, StageEvent::DecisionMade, StageEvent::LearningReviewDue]);
        let owner = standing(&[], true);
        let (_, events) = Idea.transition(Shaping, &owner, "ready").unwrap();
        assert_eq!(events, [StageEvent::SubmitterInformed]);
    }

    #[test]
    fn terminal_stages() {
        let terminal: Vec<Stage> = Stage::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [Spreading, Stopped]);
    }

    #[test]
    fn every_stage_is_reachable_from_idea() {
        let mut seen = vec![Idea];
        let mut frontier = vec![Idea];
        while let Some(stage) = frontier.pop() {
            for next in stage.next_stages() {
                if !seen.contains(&next) {
                    seen.push(next);
                    frontier.push(next);
                }
            }
        }
        seen.sort();
        assert_eq!(seen, Stage::ALL);
    }

    fn form() -> InitiativeForm {
        InitiativeForm {
            title: " Earlier discharge letters ".into(),
            problem: "Letters are late".into(),
            proposed_change: "Draft at the board round".into(),
            tags: "Discharge, flow, discharge,,".into(),
            ..InitiativeForm::default()
        }
    }

    #[test]
    fn a_valid_form_parses_and_round_trips() {
        let mut input = form();
        input.aim_by_day = "3".into();
        input.aim_by_month = "3".into();
        input.aim_by_year = "2027".into();
        input.site = "7".into();
        let draft = input.parse(|s| s == SiteId::new(7)).unwrap();
        assert_eq!(draft.title, "Earlier discharge letters");
        assert_eq!(draft.tags.iter().map(Tag::as_str).collect::<Vec<_>>(), ["discharge", "flow"]);
        assert_eq!(draft.aim.by_when.map(CivilDate::long).as_deref(), Some("3 March 2027"));
        assert_eq!(InitiativeForm::from_draft(&draft).parse(|_| true).unwrap(), draft);
    }

    #[test]
    fn an_invalid_form_names_every_field_in_order() {
        let input = InitiativeForm {
            title: String::new(),
            aim_by_day: "31".into(),
            aim_by_month: "2".into(),
            aim_by_year: "2027".into(),
            site: "99".into(),
            tags: "ok, no!".into(),
            ..InitiativeForm::default()
        };
        let errors = input.parse(|_| false).unwrap_err();
        let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.field, e.message.as_str())).collect();
        assert_eq!(
            found,
            [
                ("title", "Enter a title"),
                ("problem", "Enter the problem"),
                ("proposed_change", "Enter the change you propose"),
                ("aim_by_day", "The date must be a real date"),
                ("site", "Select a site from the list"),
                ("tags", "Tag \"no!\" can only contain letters, numbers, spaces and hyphens"),
            ]
        );
    }

    #[test]
    fn dates() {
        assert_eq!(CivilDate::from_parts("", "", ""), Ok(None));
        assert_eq!(CivilDate::from_parts("1", "", "2026"), Err("The date must include a month".into()));
        assert_eq!(CivilDate::from_parts("", "", "2026"), Err("The date must include a day and a month".into()));
        assert_eq!(CivilDate::from_parts("29", "2", "2028").unwrap().unwrap().iso(), "2028-02-29");
        assert!(CivilDate::from_parts("29", "2", "2027").is_err());
        assert!(CivilDate::from_parts("1", "13", "2027").is_err());
        assert!(CivilDate::from_parts("1", "1", "27").is_err());
        assert_eq!(CivilDate::parse_iso("2025-03-03").map(CivilDate::long).as_deref(), Some("3 March 2025"));
        assert_eq!(CivilDate::parse_iso("2025-3-3"), None);
    }

    fn any_stage() -> impl Strategy<Value = Stage> {
        proptest::sample::select(Stage::ALL)
    }

    fn any_standing() -> impl Strategy<Value = Standing> {
        (proptest::sample::subsequence(Role::ALL, 0..=3), any::<bool>(), any::<bool>())
            .prop_map(|(roles, is_submitter, is_team_member)| Standing { roles, is_submitter, is_team_member })
    }

    proptest! {
        /// `moves_for` offers exactly the moves that `transition` accepts, so the page never shows a
        /// button that would be refused, and never hides one that would work.
        #[test]
        fn offered_moves_are_exactly_the_permitted_ones(from in any_stage(), to in any_stage(), who in any_standing()) {
            let offered = from.moves_for(&who).iter().any(|m| m.to == to);
            prop_assert_eq!(offered, from.transition(to, &who, "reason").is_ok());
        }

        /// Adding a role never takes a move away.
        #[test]
        fn more_roles_never_fewer_moves(from in any_stage(), who in any_standing(), extra in proptest::sample::select(Role::ALL)) {
            let before = from.moves_for(&who).len();
            let mut more = who.clone();
            more.roles.push(extra);
            prop_assert!(from.moves_for(&more).len() >= before);
        }
    }
}
