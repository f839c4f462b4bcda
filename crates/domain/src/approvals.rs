//! Proportionate approval: which route an initiative's decision takes, why, and the decision itself.
//!
//! The route is computed from the initiative's risk items, the gates its facts trigger and its research
//! determination, by the pack's routing rules. Each rule is a threshold ("any item scoring High or
//! more", "any consequence of 4 or more"), and the route is the most senior one any rule asks for, so
//! raising any score can never send a decision to a less senior route (property-tested below).

use serde::{Deserialize, Serialize};

use crate::initiatives::Stage;
use crate::people::{Role, slug_enum};
use crate::policy::{GateKind, PolicyPack, Route, RoutingRule};
use crate::risk::Score;
use crate::validation::{FieldErrors, required_text};

pub const MAX_REASON_CHARS: usize = 2000;
pub const MAX_CONDITIONS: usize = 10;

/// What routing looks at.
#[derive(Clone, Debug, Default)]
pub struct RoutingFacts<'a> {
    /// Each risk item's domain id and current score.
    pub risks: Vec<(&'a str, Score)>,
    pub gates: Vec<GateKind>,
    /// The research determination says this is research.
    pub research: bool,
}

/// The route chosen, with the sentence that explains it and the pack it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteChoice {
    pub route: String,
    pub label: String,
    pub rank: u8,
    pub target_days: u16,
    pub committee: bool,
    pub external: bool,
    /// Who decides on the route (told when a request arrives).
    pub roles: Vec<crate::people::Role>,
    /// One sentence: "Divisional governance: a patient safety risk scores 12, High".
    pub reason: String,
    pub pack_id: String,
    pub pack_version: String,
}

/// Why one rule matched: the words after the route's name.
fn rule_reason(pack: &PolicyPack, rule: &RoutingRule, facts: &RoutingFacts<'_>) -> Option<String> {
    if rule.research == Some(true) && !facts.research {
        return None;
    }
    if let Some(gate) = rule.gate
        && !facts.gates.contains(&gate)
    {
        return None;
    }
    let needs_item = rule.min_band.is_some()
        || rule.min_score.is_some()
        || rule.min_consequence.is_some()
        || rule.min_likelihood.is_some();
    let floor = match &rule.min_band {
        Some(band) => pack.band_by_id(band)?.min,
        None => rule.min_score.unwrap_or(1),
    };
    let matches = |s: &Score| {
        s.value() >= floor
            && s.consequence >= rule.min_consequence.unwrap_or(1)
            && s.likelihood >= rule.min_likelihood.unwrap_or(1)
    };
    // The item that best explains the match: the highest score, then the highest consequence.
    let item = facts.risks.iter().filter(|(_, s)| matches(s)).max_by_key(|(_, s)| (s.value(), s.consequence));
    if needs_item {
        let (domain, score) = item?;
        let domain = pack.domain(domain).map_or(*domain, |d| d.label.as_str()).to_lowercase();
        let band = pack.band(score.value()).map_or("", |b| b.label.as_str());
        let consequence = pack.risk.consequences.get(usize::from(score.consequence) - 1).map_or("", |l| &l.label);
        let likelihood = pack.risk.likelihoods.get(usize::from(score.likelihood) - 1).map_or("", |l| &l.label);
        return Some(if rule.min_consequence.is_some() && rule.min_likelihood.is_some() {
            format!(
                "a {domain} risk has consequence {} ({consequence}) with likelihood {} ({likelihood})",
                score.consequence, score.likelihood
            )
        } else if rule.min_consequence.is_some() {
            format!(
                "a {domain} risk has consequence {} ({consequence}), scoring {}, {band}",
                score.consequence,
                score.value()
            )
        } else {
            format!("a {domain} risk scores {}, {band}", score.value())
        });
    }
    if let Some(gate) = rule.gate {
        let label = pack.gate(gate).map_or(gate.label(), |g| g.label.as_str());
        return Some(format!("the {} gate applies", label.to_lowercase()));
    }
    Some("the research determination says this is research, which needs HRA approval outside local governance".into())
}

/// The route for these facts under this pack.
pub fn route(pack: &PolicyPack, facts: &RoutingFacts<'_>) -> RouteChoice {
    let mut best: Option<(&Route, String)> = None;
    for rule in &pack.routing {
        let Some(route) = pack.route(&rule.route) else { continue };
        if best.as_ref().is_some_and(|(b, _)| b.rank >= route.rank) {
            continue;
        }
        if let Some(reason) = rule_reason(pack, rule, facts) {
            best = Some((route, reason));
        }
    }
    let (route, reason) = best.unwrap_or_else(|| {
        let base = pack.base_route();
        let reason = match facts.risks.iter().map(|(_, s)| s.value()).max() {
            Some(top) => {
                let band = pack.band(top).map_or("", |b| b.label.as_str());
                format!("no rule asks for more: the highest risk scores {top}, {band}")
            }
            None => "no risks are recorded".to_owned(),
        };
        (base, reason)
    });
    RouteChoice {
        route: route.id.clone(),
        label: route.label.clone(),
        rank: route.rank,
        target_days: route.target_days,
        committee: route.committee,
        external: route.external,
        roles: route.roles.clone(),
        reason: format!("{}: {reason}", route.label),
        pack_id: pack.pack.id.clone(),
        pack_version: pack.pack.version.clone(),
    }
}

slug_enum!(
    /// What an approver decides.
    Outcome, "decision" {
        Approve = ("approve", "Approve"),
        ApproveWithConditions = ("approve-with-conditions", "Approve with conditions"),
        RequestChanges = ("request-changes", "Request changes"),
        Decline = ("decline", "Decline"),
    }
);

impl Outcome {
    /// Where the initiative goes.
    pub fn stage(self) -> Stage {
        match self {
            Outcome::Approve | Outcome::ApproveWithConditions => Stage::Approved,
            Outcome::RequestChanges => Stage::Shaping,
            Outcome::Decline => Stage::Stopped,
        }
    }
}

/// The decision form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub outcome: String,
    pub reason: String,
    /// One condition per line, each confirmed by the decider (the API's plain form).
    pub conditions: String,
    /// Conditions with who confirms each and when it is due (the page's form); empty rows are ignored.
    #[serde(skip)]
    pub rows: Vec<ConditionRow>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub reason: String,
    pub conditions: Vec<ConditionDraft>,
}

/// Why a decision cannot be taken at all (as opposed to a form to correct).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("Only {who} can decide on the {route} route")]
    NotAnApprover { route: String, who: String },
    #[error("This request was already decided: {outcome}. A closed request cannot be decided again")]
    AlreadyDecided { outcome: Outcome },
}

/// Whether someone with `roles` may decide on `route`.
///
/// # Errors
/// [`DecisionError::NotAnApprover`], naming the roles that may.
pub fn may_decide(route: &Route, roles: &[Role]) -> Result<(), DecisionError> {
    if roles.iter().any(|r| route.roles.contains(r)) {
        return Ok(());
    }
    let mut who: Vec<String> = route
        .roles
        .iter()
        .map(|r| {
            let name = r.label().to_lowercase();
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            format!("{article} {name}")
        })
        .collect();
    let last = who.pop().unwrap_or_default();
    let who = if who.is_empty() { last } else { format!("{} or {last}", who.join(", ")) };
    Err(DecisionError::NotAnApprover { route: route.label.clone(), who })
}

impl DecisionForm {
    /// Checks the form: an outcome, a reason the submitter will read, and conditions exactly when
    /// approving with conditions, each with who confirms it (`decider` is the person deciding) and an
    /// optional due date on or after `today`.
    ///
    /// # Errors
    /// Every problem, by field (`condition-N` for the Nth row, counted from 1).
    pub fn parse(&self, decider: i64, today: crate::initiatives::CivilDate) -> Result<Decision, FieldErrors> {
        let mut errors = FieldErrors::new();
        let outcome = self.outcome.parse::<Outcome>().ok();
        if outcome.is_none() {
            errors.add("outcome", "Select a decision");
        }
        let reason =
            required_text(&mut errors, "reason", &self.reason, "the reason for the decision", MAX_REASON_CHARS);
        let mut conditions: Vec<ConditionDraft> = self
            .conditions
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|text| ConditionDraft { text: text.to_owned(), confirmer: Confirmer::Person(decider), due: None })
            .collect();
        for (i, row) in self.rows.iter().enumerate().take(CONDITION_ROWS) {
            let field = CONDITION_FIELDS[i];
            let text = row.text.trim();
            let has_date = [&row.due_day, &row.due_month, &row.due_year].iter().any(|p| !p.trim().is_empty());
            if text.is_empty() {
                if has_date {
                    errors.add(field, format!("Enter condition {} or clear its due date", i + 1));
                }
                continue;
            }
            let confirmer = match row.confirmer.as_str() {
                "" | "decider" => Some(Confirmer::Person(decider)),
                slug => match slug.parse::<Role>() {
                    Ok(role) if CONFIRMING_ROLES.contains(&role) => Some(Confirmer::Role(role)),
                    _ => {
                        errors.add(field, format!("Choose who confirms condition {}", i + 1));
                        None
                    }
                },
            };
            let due = match crate::initiatives::CivilDate::from_parts(&row.due_day, &row.due_month, &row.due_year) {
                Ok(Some(d)) if d < today => {
                    errors.add(field, format!("Condition {}'s due date must be today or later", i + 1));
                    None
                }
                Ok(d) => d,
                Err(message) => {
                    errors.add(field, format!("Condition {}: {message}", i + 1));
                    None
                }
            };
            if let Some(confirmer) = confirmer {
                conditions.push(ConditionDraft { text: text.to_owned(), confirmer, due });
            }
        }
        // The page's form has rows (the summary links to the first); the API's plain form has lines.
        let field = if self.rows.is_empty() { "conditions" } else { CONDITION_FIELDS[0] };
        match outcome {
            Some(Outcome::ApproveWithConditions) if conditions.is_empty() && errors.for_field(field).is_none() => {
                errors.add(field, "Enter at least one condition");
            }
            Some(Outcome::ApproveWithConditions) if conditions.len() > MAX_CONDITIONS => {
                errors.add(field, format!("Enter {MAX_CONDITIONS} conditions or fewer"));
            }
            Some(Outcome::ApproveWithConditions) if conditions.iter().any(|c| c.text.chars().count() > 500) => {
                errors.add(field, "Each condition must be 500 characters or fewer");
            }
            Some(Outcome::ApproveWithConditions) => {}
            Some(_) if !conditions.is_empty() => {
                errors.add(field, "Conditions go with \"Approve with conditions\": choose it, or remove them");
            }
            _ => {}
        }
        match (errors.is_empty(), outcome) {
            (true, Some(outcome)) => Ok(Decision { outcome, reason, conditions }),
            _ => Err(errors),
        }
    }
}

/// What a decision was taken on: frozen when the request is decided, so that a later change can be
/// compared with it. Gates and facts are slugs; risks keep their id, so an edited risk is recognised.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Basis {
    pub facts: Vec<String>,
    pub gates: Vec<GateKind>,
    pub risks: Vec<BasisRisk>,
    pub problem: String,
    pub proposed_change: String,
    /// The aim in one line (what, how much, for whom, by when).
    pub aim: String,
    /// The route these facts would take, by rank.
    pub route_rank: u8,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasisRisk {
    pub id: i64,
    pub domain: String,
    pub consequence: u8,
    pub likelihood: u8,
}

impl BasisRisk {
    fn score(&self) -> u8 {
        self.consequence * self.likelihood
    }
}

/// One change since the decision, in a sentence; `material` changes reopen the decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasisChange {
    pub text: String,
    pub material: bool,
}

/// Everything that differs between the basis a decision was taken on and the initiative now, material
/// changes first. Material: a gate added or removed, a risk in a higher band than the highest the
/// decision saw, a route that would now be more senior, or an edited proposal or aim. Other facts and
/// the problem statement are listed but do not reopen the decision.
pub fn changes_since(pack: &PolicyPack, decided: &Basis, now: &Basis) -> Vec<BasisChange> {
    let mut changes = Vec::new();
    let mut say = |material: bool, text: String| changes.push(BasisChange { text, material });
    let gate_label = |g: GateKind| pack.gate(g).map_or_else(|| g.label().to_owned(), |r| r.label.clone());
    for g in now.gates.iter().filter(|g| !decided.gates.contains(g)) {
        say(true, format!("The {} gate now applies", gate_label(*g)));
    }
    for g in decided.gates.iter().filter(|g| !now.gates.contains(g)) {
        say(true, format!("The {} gate no longer applies", gate_label(*g)));
    }
    let band_floor = |score: u8| pack.band(score).map_or(0, |b| b.min);
    let decided_top = decided.risks.iter().map(BasisRisk::score).max().unwrap_or(1);
    for risk in &now.risks {
        if band_floor(risk.score()) > band_floor(decided_top) {
            let domain = pack.domain(&risk.domain).map_or(risk.domain.as_str(), |d| d.label.as_str()).to_lowercase();
            let band = pack.band(risk.score()).map_or("", |b| b.label.as_str());
            let decided_band = pack.band(decided_top).map_or("", |b| b.label.as_str());
            say(
                true,
                format!(
                    "A {domain} risk now scores {}, {band}, above the highest the decision saw ({decided_top}, {decided_band})",
                    risk.score()
                ),
            );
        }
    }
    if now.route_rank > decided.route_rank {
        say(true, "The risks and gates now call for a more senior route".to_owned());
    }
    if now.proposed_change != decided.proposed_change {
        say(true, "The proposed change was edited".to_owned());
    }
    if now.aim != decided.aim {
        say(true, "The aim was edited".to_owned());
    }
    if now.problem != decided.problem {
        say(false, "The problem statement was edited".to_owned());
    }
    let added = now.facts.iter().filter(|f| !decided.facts.contains(f)).count();
    let removed = decided.facts.iter().filter(|f| !now.facts.contains(f)).count();
    if added + removed > 0 {
        say(false, format!("{} fact(s) ticked and {} unticked", added, removed));
    }
    for risk in &now.risks {
        match decided.risks.iter().find(|r| r.id == risk.id) {
            None => say(false, format!("A risk was added, scoring {}", risk.score())),
            Some(before) if before.score() != risk.score() => {
                say(false, format!("A risk's score changed from {} to {}", before.score(), risk.score()));
            }
            Some(_) => {}
        }
    }
    changes.sort_by_key(|c| !c.material);
    changes
}

/// Who confirms that a condition is met: holders of a role, or one person. Nobody confirms their own
/// team's condition unless named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confirmer {
    Role(Role),
    /// A person, by user id.
    Person(i64),
}

/// A condition as decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConditionDraft {
    pub text: String,
    pub confirmer: Confirmer,
    pub due: Option<crate::initiatives::CivilDate>,
}

/// One row of the conditions part of the decision form as typed. `confirmer` is a role's slug or
/// `decider` (the person deciding).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConditionRow {
    pub text: String,
    pub confirmer: String,
    pub due_day: String,
    pub due_month: String,
    pub due_year: String,
}

/// How many condition rows the decision page offers, and their field names.
pub const CONDITION_ROWS: usize = 5;
pub const CONDITION_FIELDS: [&str; CONDITION_ROWS] =
    ["condition-1", "condition-2", "condition-3", "condition-4", "condition-5"];

/// The roles a decider may name to confirm a condition.
pub const CONFIRMING_ROLES: [Role; 5] =
    [Role::ClinicalSafetyOfficer, Role::DataProtectionOfficer, Role::Approver, Role::Executive, Role::ImprovementLead];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TODAY: crate::initiatives::CivilDate = crate::initiatives::CivilDate { year: 2026, month: 12, day: 3 };

    /// Parsed once: the property test routes thousands of cases.
    static UK: std::sync::LazyLock<PolicyPack> = std::sync::LazyLock::new(PolicyPack::uk_default);

    fn score(c: u8, l: u8) -> Score {
        Score::new(c, l).unwrap()
    }

    fn routed(risks: &[(&str, u8, u8)], gates: &[GateKind], research: bool) -> RouteChoice {
        let pack = &*UK;
        let facts = RoutingFacts {
            risks: risks.iter().map(|(d, c, l)| (*d, score(*c, *l))).collect(),
            gates: gates.to_vec(),
            research,
        };
        route(pack, &facts)
    }

    /// The UK pack's routing rules over a grid of bands, consequences and gates. Expected routes are
    /// read off the pack's rules by hand: Moderate (4–6) → service manager; High (8–12) or any
    /// consequence ≥ 4 or the clinical safety or fairness gate → divisional governance; Extreme
    /// (15–25) or consequence 5 with likelihood ≥ 2 → executive; research → the R&D office.
    #[test]
    fn uk_routing_table() {
        use GateKind::*;
        /// Risk items (domain, consequence, likelihood), triggered gates, research, expected route.
        type Row = (&'static [(&'static str, u8, u8)], &'static [GateKind], bool, &'static str);
        let table: &[Row] = &[
            (&[], &[], false, "team-lead"),
            (&[("finance", 1, 1)], &[], false, "team-lead"),
            (&[("finance", 3, 1)], &[Research, Measurement], false, "team-lead"),
            (&[("finance", 1, 3)], &[Dpia, Consent], false, "team-lead"),
            (&[("finance", 2, 2)], &[], false, "service-manager"),
            (&[("finance", 3, 2)], &[], false, "service-manager"),
            (&[("finance", 2, 3), ("workforce", 1, 1)], &[], false, "service-manager"),
            (&[("patient-safety", 4, 1)], &[], false, "divisional-governance"),
            (&[("patient-safety", 2, 4)], &[], false, "divisional-governance"),
            (&[("patient-safety", 4, 3)], &[], false, "divisional-governance"),
            (&[("finance", 1, 1)], &[ClinicalSafety], false, "divisional-governance"),
            (&[("finance", 1, 1)], &[Fairness], false, "divisional-governance"),
            (&[("patient-safety", 5, 1)], &[], false, "divisional-governance"),
            (&[("patient-safety", 5, 2)], &[], false, "executive"),
            (&[("reputation", 3, 5)], &[], false, "executive"),
            (&[("patient-safety", 4, 4)], &[], false, "executive"),
            (&[("finance", 1, 1)], &[], true, "research-office"),
            (&[("patient-safety", 5, 5)], &[ClinicalSafety], true, "research-office"),
        ];
        for (risks, gates, research, expected) in table {
            let choice = routed(risks, gates, *research);
            assert_eq!(choice.route, *expected, "{risks:?} {gates:?} research={research}: {}", choice.reason);
        }
    }

    #[test]
    fn the_reason_is_one_sentence_naming_what_decided_it() {
        assert_eq!(
            routed(&[("patient-safety", 4, 3), ("finance", 2, 2)], &[], false).reason,
            "Divisional governance: a patient safety risk scores 12, High"
        );
        assert_eq!(
            routed(&[("patient-safety", 3, 3)], &[], false).reason,
            "Divisional governance: a patient safety risk scores 9, High"
        );
        assert_eq!(
            routed(&[("finance", 1, 2)], &[], false).reason,
            "Team lead: no rule asks for more: the highest risk scores 2, Low"
        );
        assert_eq!(
            routed(&[("finance", 1, 1)], &[GateKind::Fairness], false).reason,
            "Divisional governance: the ai fairness across subgroups gate applies"
        );
        let choice = routed(&[("patient-safety", 5, 2)], &[], false);
        assert_eq!(
            choice.reason,
            "Executive committee: a patient safety risk has consequence 5 (Catastrophic) with likelihood 2 (Unlikely)"
        );
        assert_eq!(
            routed(&[("patient-safety", 4, 1)], &[], false).reason,
            "Divisional governance: a patient safety risk has consequence 4 (Major), scoring 4, Moderate"
        );
        assert_eq!((choice.pack_id.as_str(), choice.target_days), ("uk-nhs-default", 28));
    }

    fn rank_of(risks: &[(u8, u8)], gates: &[GateKind], research: bool) -> u8 {
        let pack = &*UK;
        let facts = RoutingFacts {
            risks: risks.iter().map(|(c, l)| ("patient-safety", score(*c, *l))).collect(),
            gates: gates.to_vec(),
            research,
        };
        route(pack, &facts).rank
    }

    fn gate_set() -> impl Strategy<Value = Vec<GateKind>> {
        proptest::sample::subsequence(GateKind::ALL.to_vec(), 0..=GateKind::ALL.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Raising any item's consequence or likelihood, adding an item, adding a gate or a research
        /// determination never gives a less senior route.
        #[test]
        fn the_route_never_gets_less_senior_when_anything_rises(
            risks in proptest::collection::vec((1u8..=5, 1u8..=5), 0..5),
            gates in gate_set(),
            research in any::<bool>(),
            which in 0usize..5,
            raise_consequence in any::<bool>(),
            extra in (1u8..=5, 1u8..=5),
            extra_gate in proptest::sample::select(GateKind::ALL.to_vec()),
        ) {
            let before = rank_of(&risks, &gates, research);
            if !risks.is_empty() {
                let mut higher = risks.clone();
                let item = &mut higher[which % risks.len()];
                if raise_consequence { item.0 = (item.0 + 1).min(5) } else { item.1 = (item.1 + 1).min(5) }
                prop_assert!(rank_of(&higher, &gates, research) >= before);
            }
            let mut more = risks.clone();
            more.push(extra);
            prop_assert!(rank_of(&more, &gates, research) >= before);
            let mut more_gates = gates.clone();
            more_gates.push(extra_gate);
            prop_assert!(rank_of(&risks, &more_gates, research) >= before);
            prop_assert!(rank_of(&risks, &gates, true) >= before);
        }
    }

    #[test]
    fn decisions_need_a_reason_and_conditions_only_with_conditional_approval() {
        let ok = DecisionForm {
            outcome: "approve".into(),
            reason: "Low risk, well planned".into(),
            ..DecisionForm::default()
        };
        assert_eq!(ok.parse(7, TODAY).unwrap().outcome, Outcome::Approve);
        let conditional = DecisionForm {
            outcome: "approve-with-conditions".into(),
            reason: "Good, once safety is signed off".into(),
            conditions: "Hazard log signed off by the CSO\n\n  Staff briefed on every shift  \n".into(),
            ..DecisionForm::default()
        };
        let texts: Vec<String> = conditional.parse(7, TODAY).unwrap().conditions.into_iter().map(|c| c.text).collect();
        assert_eq!(texts, ["Hazard log signed off by the CSO", "Staff briefed on every shift"]);
        let bare = DecisionForm { conditions: String::new(), ..conditional.clone() };
        assert!(bare.parse(7, TODAY).unwrap_err().for_field("conditions").is_some());
        let stray = DecisionForm { outcome: "decline".into(), ..conditional };
        assert!(stray.parse(7, TODAY).unwrap_err().for_field("conditions").is_some());
        let empty = DecisionForm::default().parse(7, TODAY).unwrap_err();
        assert!(empty.for_field("outcome").is_some() && empty.for_field("reason").is_some());
        assert_eq!(Outcome::RequestChanges.stage(), Stage::Shaping);
        assert_eq!(Outcome::Decline.stage(), Stage::Stopped);
    }

    #[test]
    fn only_gates_higher_bands_a_more_senior_route_the_proposal_and_the_aim_are_material() {
        let pack = &*UK;
        let risk =
            |id, consequence, likelihood| BasisRisk { id, domain: "patient-safety".into(), consequence, likelihood };
        let decided = Basis {
            facts: vec!["ai-ml".into()],
            gates: vec![GateKind::Fairness],
            risks: vec![risk(1, 3, 3)],
            problem: "Waits".into(),
            proposed_change: "Triage tool".into(),
            aim: "Halve waits".into(),
            route_rank: 3,
        };
        let material = |now: &Basis| -> Vec<String> {
            changes_since(pack, &decided, now).into_iter().filter(|c| c.material).map(|c| c.text).collect()
        };
        // The UK pack's bands: 8–12 High, 15–25 Extreme. 3×3 = 9 and 4×3 = 12 are both High.
        let same_band = Basis { risks: vec![risk(1, 4, 3)], problem: "Long waits".into(), ..decided.clone() };
        assert!(material(&same_band).is_empty());
        let listed = changes_since(pack, &decided, &same_band);
        assert_eq!(listed.len(), 2, "the edits are listed for information: {listed:?}");
        let extreme = Basis { risks: vec![risk(1, 3, 3), risk(2, 5, 3)], ..decided.clone() };
        assert_eq!(
            material(&extreme),
            ["A patient safety risk now scores 15, Extreme, above the highest the decision saw (9, High)"]
        );
        let no_gate =
            Basis { gates: vec![], route_rank: 4, proposed_change: "Triage by nurses".into(), ..decided.clone() };
        assert_eq!(
            material(&no_gate),
            [
                "The AI fairness across subgroups gate no longer applies",
                "The risks and gates now call for a more senior route",
                "The proposed change was edited"
            ]
        );
        assert!(changes_since(pack, &decided, &decided).is_empty());
    }

    #[test]
    fn only_the_routes_roles_may_decide() {
        let pack = PolicyPack::uk_default();
        let executive = pack.route("executive").unwrap();
        assert_eq!(
            may_decide(executive, &[Role::Approver]).unwrap_err().to_string(),
            "Only an executive can decide on the Executive committee route"
        );
        assert!(may_decide(executive, &[Role::Clinician, Role::Executive]).is_ok());
        let team = pack.route("team-lead").unwrap();
        assert_eq!(
            may_decide(team, &[Role::Clinician]).unwrap_err().to_string(),
            "Only an approver or an executive can decide on the Team lead route"
        );
    }
}
