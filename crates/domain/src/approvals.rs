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
    /// One condition per line, for "approve with conditions".
    pub conditions: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub reason: String,
    pub conditions: Vec<String>,
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
    /// approving with conditions.
    ///
    /// # Errors
    /// Every problem, by field.
    pub fn parse(&self) -> Result<Decision, FieldErrors> {
        let mut errors = FieldErrors::new();
        let outcome = self.outcome.parse::<Outcome>().ok();
        if outcome.is_none() {
            errors.add("outcome", "Select a decision");
        }
        let reason =
            required_text(&mut errors, "reason", &self.reason, "the reason for the decision", MAX_REASON_CHARS);
        let conditions: Vec<String> =
            self.conditions.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        match outcome {
            Some(Outcome::ApproveWithConditions) if conditions.is_empty() => {
                errors.add("conditions", "Enter at least one condition, one per line");
            }
            Some(Outcome::ApproveWithConditions) if conditions.len() > MAX_CONDITIONS => {
                errors.add("conditions", format!("Enter {MAX_CONDITIONS} conditions or fewer"));
            }
            Some(Outcome::ApproveWithConditions) if conditions.iter().any(|c| c.chars().count() > 500) => {
                errors.add("conditions", "Each condition must be 500 characters or fewer");
            }
            Some(Outcome::ApproveWithConditions) => {}
            Some(_) if !conditions.is_empty() => {
                errors.add("conditions", "Conditions go with \"Approve with conditions\": choose it, or remove them");
            }
            _ => {}
        }
        match (errors.is_empty(), outcome) {
            (true, Some(outcome)) => Ok(Decision { outcome, reason, conditions }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
            conditions: String::new(),
        };
        assert_eq!(ok.parse().unwrap().outcome, Outcome::Approve);
        let conditional = DecisionForm {
            outcome: "approve-with-conditions".into(),
            reason: "Good, once safety is signed off".into(),
            conditions: "Hazard log signed off by the CSO\n\n  Staff briefed on every shift  \n".into(),
        };
        assert_eq!(
            conditional.parse().unwrap().conditions,
            ["Hazard log signed off by the CSO", "Staff briefed on every shift"]
        );
        let bare = DecisionForm { conditions: String::new(), ..conditional.clone() };
        assert!(bare.parse().unwrap_err().for_field("conditions").is_some());
        let stray = DecisionForm { outcome: "decline".into(), ..conditional };
        assert!(stray.parse().unwrap_err().for_field("conditions").is_some());
        let empty = DecisionForm::default().parse().unwrap_err();
        assert!(empty.for_field("outcome").is_some() && empty.for_field("reason").is_some());
        assert_eq!(Outcome::RequestChanges.stage(), Stage::Shaping);
        assert_eq!(Outcome::Decline.stage(), Stage::Stopped);
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
