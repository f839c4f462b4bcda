//! Gates: the checks an initiative's own facts call for, what each has found, and which stage moves
//! they forbid until they pass.
//!
//! Each gate is evaluated from what the team and the specialist reviewers recorded; nothing here is
//! stored or read. A stage move that a failed or missing gate forbids is refused with the list of
//! what is missing ([`blockers`]), in words the team can act on.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::initiatives::Stage;
use crate::people::{Role, slug_enum};
use crate::policy::{DpiaGroup, Fact, GateKind, GateRule, PolicyPack};
use crate::validation::{FieldErrors, required_text};

slug_enum!(
    /// Where a gate stands.
    GateStatus, "gate status" {
        NotStarted = ("not-started", "Not started"),
        InProgress = ("in-progress", "In progress"),
        AwaitingSignOff = ("awaiting-sign-off", "Awaiting sign-off"),
        /// Research: decided outside Kindling; only its status is tracked.
        External = ("external", "External approval"),
        Blocked = ("blocked", "Blocked"),
        Passed = ("passed", "Passed"),
    }
);

impl GateStatus {
    /// NHS.UK tag colour.
    pub fn colour(self) -> &'static str {
        match self {
            GateStatus::NotStarted => "grey",
            GateStatus::InProgress | GateStatus::AwaitingSignOff | GateStatus::External => "yellow",
            GateStatus::Blocked => "red",
            GateStatus::Passed => "green",
        }
    }
}

/// The research determination from the HRA's three questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Research {
    Research,
    NotResearch,
}

/// HRA decision tool: randomisation, a change from accepted care, or generalisable intent each make
/// a study research; none of them makes it service evaluation, audit or improvement.
pub fn research_determination(facts: &BTreeSet<Fact>) -> Research {
    if [Fact::Randomises, Fact::ChangesStandardCare, Fact::Generalisable].iter().any(|f| facts.contains(f)) {
        Research::Research
    } else {
        Research::NotResearch
    }
}

/// What a DPIA screening concludes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DpiaOutcome {
    Required,
    /// Exactly one counted criterion: the DPO's judgement, with a rationale.
    Judgement,
    NotRequired,
}

/// UK GDPR art. 35(3) and the ICO's unconditional items require a DPIA alone; the ICO's conditional
/// items require one with any other criterion; the pack's threshold of WP248 criteria requires one.
pub fn dpia_outcome(pack: &PolicyPack, ticked: &BTreeSet<String>) -> DpiaOutcome {
    let groups: Vec<DpiaGroup> =
        pack.dpia.criteria.iter().filter(|c| ticked.contains(&c.id)).map(|c| c.group).collect();
    let count = |g: DpiaGroup| groups.iter().filter(|x| **x == g).count();
    let (always, with_another, wp248) =
        (count(DpiaGroup::Always), count(DpiaGroup::WithAnother), count(DpiaGroup::Wp248));
    if always > 0 || (with_another > 0 && wp248 + with_another >= 2) || wp248 >= usize::from(pack.dpia.wp248_threshold)
    {
        DpiaOutcome::Required
    } else if wp248 + with_another == 1 {
        DpiaOutcome::Judgement
    } else {
        DpiaOutcome::NotRequired
    }
}

/// A hazard's initial and residual severity and likelihood, each 1–5.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HazardScore {
    pub name: String,
    pub initial: (u8, u8),
    pub residual: (u8, u8),
}

/// One subgroup's result for the fairness gate: of `n` cases, `successes` were right (for example
/// true positives among people with the condition, for sensitivity).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubgroupCount {
    pub subgroup: String,
    pub n: u32,
    pub successes: u32,
}

/// A proportion with its Wilson 95% interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Proportion {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The Wilson score interval at 95%: well behaved near 0 and 1 and for small groups, where the
/// normal approximation gives limits outside 0–1.
pub fn wilson(successes: u32, n: u32) -> Option<Proportion> {
    if n == 0 || successes > n {
        return None;
    }
    const Z: f64 = 1.959_963_984_540_054;
    let (k, n) = (f64::from(successes), f64::from(n));
    let p = k / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(Proportion { value: p, low: (centre - half).max(0.0), high: (centre + half).min(1.0) })
}

/// A subgroup's result judged against the whole.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubgroupResult {
    pub subgroup: String,
    pub n: u32,
    pub proportion: Proportion,
    /// The subgroup's value less the overall value.
    pub gap: f64,
    /// Fewer cases than the pack's minimum: insufficient evidence, never "fair".
    pub insufficient: bool,
    /// The gap is larger than the pack's threshold, in a subgroup with enough cases to judge (a thin
    /// subgroup is "too few cases", never a disparity: the summary and the table must agree).
    pub disparity: bool,
}

/// Each subgroup against the pooled whole.
pub fn fairness_results(pack: &PolicyPack, counts: &[SubgroupCount]) -> (Option<Proportion>, Vec<SubgroupResult>) {
    let (k, n) = counts.iter().fold((0u32, 0u32), |(k, n), c| (k.saturating_add(c.successes), n.saturating_add(c.n)));
    let overall = wilson(k, n);
    let results = counts
        .iter()
        .filter_map(|c| {
            let proportion = wilson(c.successes, c.n)?;
            let gap = proportion.value - overall.map_or(proportion.value, |o| o.value);
            Some(SubgroupResult {
                subgroup: c.subgroup.clone(),
                n: c.n,
                proportion,
                gap,
                insufficient: c.n < pack.fairness.min_subgroup_n,
                disparity: c.n >= pack.fairness.min_subgroup_n && gap.abs() > pack.fairness.max_disparity,
            })
        })
        .collect();
    (overall, results)
}

/// What the team records for the fairness gate. Subgroups are named and locked before any result
/// is entered (STANDING Together 2.2a), so nobody can choose the groups after seeing the results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FairnessRecord {
    /// What is measured in each subgroup ("sensitivity: urgent cases flagged as urgent").
    pub metric: String,
    pub subgroups: Vec<String>,
    pub locked_ms: Option<i64>,
    pub counts: Vec<SubgroupCount>,
}

/// Why a fairness change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FairnessError {
    #[error("The subgroups are locked: they cannot change once results may be entered")]
    Locked,
    #[error("Lock the subgroups before entering any result")]
    NotLocked,
    #[error("Name at least two subgroups, one per line, and what is measured")]
    TooFew,
    #[error("{0} is not one of the locked subgroups")]
    UnknownSubgroup(String),
    #[error("For {0}, enter the number of cases and how many were right, no more than the cases")]
    BadCount(String),
}

impl FairnessRecord {
    /// Names the subgroups (one per line) and the metric.
    ///
    /// # Errors
    /// [`FairnessError::Locked`] once locked; [`FairnessError::TooFew`] for fewer than two.
    pub fn name(&mut self, metric: &str, subgroups: &str) -> Result<(), FairnessError> {
        if self.locked_ms.is_some() {
            return Err(FairnessError::Locked);
        }
        let mut names: Vec<String> = Vec::new();
        for line in subgroups.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let line: String = line.chars().take(100).collect();
            if !names.contains(&line) {
                names.push(line);
            }
        }
        if names.len() < 2 || metric.trim().is_empty() {
            return Err(FairnessError::TooFew);
        }
        self.metric = metric.trim().chars().take(300).collect();
        self.subgroups = names;
        Ok(())
    }

    /// Locks the subgroups at `now_ms`.
    ///
    /// # Errors
    /// [`FairnessError::TooFew`] when none are named; [`FairnessError::Locked`] when already locked.
    pub fn lock(&mut self, now_ms: i64) -> Result<(), FairnessError> {
        if self.locked_ms.is_some() {
            return Err(FairnessError::Locked);
        }
        if self.subgroups.len() < 2 {
            return Err(FairnessError::TooFew);
        }
        self.locked_ms = Some(now_ms);
        Ok(())
    }

    /// Records one subgroup's result, replacing any earlier one.
    ///
    /// # Errors
    /// Before locking, for an unnamed subgroup, or for a count that is not a proportion.
    pub fn enter(&mut self, subgroup: &str, n: &str, successes: &str) -> Result<(), FairnessError> {
        if self.locked_ms.is_none() {
            return Err(FairnessError::NotLocked);
        }
        let subgroup = subgroup.trim();
        if !self.subgroups.iter().any(|s| s == subgroup) {
            return Err(FairnessError::UnknownSubgroup(subgroup.to_owned()));
        }
        let (n, k) = match (n.trim().parse::<u32>(), successes.trim().parse::<u32>()) {
            (Ok(n), Ok(k)) if n > 0 && k <= n => (n, k),
            _ => return Err(FairnessError::BadCount(subgroup.to_owned())),
        };
        self.counts.retain(|c| c.subgroup != subgroup);
        self.counts.push(SubgroupCount { subgroup: subgroup.to_owned(), n, successes: k });
        Ok(())
    }
}

/// What the team records for the DPIA screening.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DpiaRecord {
    pub criteria: Vec<String>,
    pub rationale: String,
}

/// The consent or information approach, and the DTAC result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextRecord {
    pub text: String,
    /// For DTAC: whether sections C1 to C4 all passed.
    pub passed: Option<bool>,
}

/// The groups an equality and health inequalities impact assessment considers: the nine protected
/// characteristics of the Equality Act 2010 (s4), then the groups NHS England's Core20PLUS5 and the
/// Health and Care Act 2022's duty on health inequalities (s13G, s14T) ask about.
pub const EQUALITY_GROUPS: [(&str, &str); 13] = [
    ("age", "Age"),
    ("disability", "Disability"),
    ("gender-reassignment", "Gender reassignment"),
    ("marriage", "Marriage and civil partnership"),
    ("pregnancy", "Pregnancy and maternity"),
    ("race", "Race"),
    ("religion", "Religion or belief"),
    ("sex", "Sex"),
    ("sexual-orientation", "Sexual orientation"),
    ("deprivation", "People in the most deprived 20% of areas (Core20)"),
    ("inclusion-health", "Inclusion health groups (for example people experiencing homelessness)"),
    ("language", "People who need an interpreter or have low literacy"),
    ("digital-exclusion", "People without digital access or skills"),
];

/// The equality and health inequalities impact assessment, as the team records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EqualityRecord {
    /// Slugs from [`EQUALITY_GROUPS`] the change could affect differently.
    pub groups: Vec<String>,
    /// How it could affect them, for better or worse.
    pub impact: String,
    /// What the team will do about it, and how the measures will show it (stratified).
    pub mitigation: String,
}

impl EqualityRecord {
    /// Checks what the team typed.
    ///
    /// # Errors
    /// Every problem, by field (`group`, `impact`, `mitigation`).
    pub fn parse(groups: &[String], impact: &str, mitigation: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        if groups.iter().any(|g| !EQUALITY_GROUPS.iter().any(|(slug, _)| slug == g)) {
            errors.add("group", "Choose from the listed groups");
        }
        let impact = required_text(
            &mut errors,
            "impact",
            impact,
            "how the change could affect each group differently, or why it will not",
            4000,
        );
        let mitigation = required_text(
            &mut errors,
            "mitigation",
            mitigation,
            "what you will do about it and how the measures will show it",
            4000,
        );
        errors.into_result(|| Self { groups: groups.to_vec(), impact, mitigation })
    }
}

/// The classes of a general medical device under the UK Medical Devices Regulations 2002.
pub const DEVICE_CLASSES: [&str; 4] = ["I", "IIa", "IIb", "III"];

/// Medical device status, as the team records it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceRecord {
    /// Whether it is a medical device (including software) under the UK MDR 2002.
    pub is_device: bool,
    /// Why, in the terms of its intended purpose.
    pub rationale: String,
    /// One of [`DEVICE_CLASSES`] when it is a device.
    pub class: Option<String>,
    /// UKCA or CE marked.
    pub marked: bool,
    /// Registered with the MHRA.
    pub registered: bool,
}

impl DeviceRecord {
    /// Checks what the team typed; `is_device`, `marked` and `registered` are "yes" or "no".
    ///
    /// # Errors
    /// Every problem, by field (`is_device`, `device_rationale`, `device_class`, `marked`, `registered`).
    pub fn parse(
        is_device: &str,
        rationale: &str,
        class: &str,
        marked: &str,
        registered: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let yes_no = |errors: &mut FieldErrors, field: &'static str, value: &str, question: &str| match value {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errors.add(field, format!("Select whether {question}"));
                None
            }
        };
        let is_device = yes_no(&mut errors, "is_device", is_device, "it is a medical device");
        let rationale =
            required_text(&mut errors, "device_rationale", rationale, "why, from its intended purpose", 4000);
        let (class, marked, registered) = if is_device == Some(true) {
            let class = DEVICE_CLASSES.iter().find(|c| **c == class.trim()).map(|c| (*c).to_owned());
            if class.is_none() {
                errors.add("device_class", "Select the device's class");
            }
            let marked = yes_no(&mut errors, "marked", marked, "it is UKCA or CE marked");
            let registered = yes_no(&mut errors, "registered", registered, "it is registered with the MHRA");
            (class, marked.unwrap_or(false), registered.unwrap_or(false))
        } else {
            (None, false, false)
        };
        match is_device {
            Some(is_device) if errors.is_empty() => Ok(Self { is_device, rationale, class, marked, registered }),
            _ => Err(errors),
        }
    }
}

/// Everything recorded about an initiative's gates, as evaluation needs it.
#[derive(Clone, Debug, Default)]
pub struct GateRecords {
    /// `None` until the team has answered the facts questions.
    pub facts: Option<BTreeSet<Fact>>,
    /// Ticked DPIA criteria, once screened.
    pub dpia: Option<BTreeSet<String>>,
    /// The hazards that count: open and mitigated.
    pub hazards: Vec<HazardScore>,
    /// Hazards closed or transferred: in the log, no longer counted.
    pub hazards_out_of_scope: usize,
    /// Named subgroups and whether they are locked.
    pub fairness_subgroups: Vec<String>,
    pub fairness_locked: bool,
    pub fairness_counts: Vec<SubgroupCount>,
    /// The consent or information approach, once written.
    pub consent: Option<String>,
    /// DTAC sections C1–C4 recorded as passed.
    pub digital_passed: Option<bool>,
    /// The equality and health inequalities impact assessment, once recorded.
    pub equality: Option<EqualityRecord>,
    /// Medical device status, once recorded.
    pub device: Option<DeviceRecord>,
    pub measurement: MeasurementReadiness,
    /// Gates signed off by their reviewer (and not changed since).
    pub signed_off: BTreeSet<GateKind>,
    /// The policy pack (`id version`) each gate's record was written under, which may be older than
    /// the pack in force.
    pub assessed_under: std::collections::BTreeMap<GateKind, String>,
}

/// What measurement readiness looks at: an aim, and a defined outcome, process and balancing measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeasurementReadiness {
    pub has_aim: bool,
    pub outcome: bool,
    pub process: bool,
    pub balancing: bool,
}

/// One gate, evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateView {
    pub kind: GateKind,
    pub label: String,
    pub before: Stage,
    pub signed_off_by: Role,
    pub status: GateStatus,
    /// What the gate found, in one sentence.
    pub summary: String,
    /// What is still needed, each an action.
    pub missing: Vec<String>,
    pub verified: bool,
    pub source: String,
    /// The policy pack (`id version`) the gate's record was written under; `None` before anything is
    /// recorded for it.
    pub assessed_under: Option<String>,
}

/// Every gate the facts call for, evaluated. Before the facts are recorded only the gates that
/// apply to every initiative are listed.
pub fn evaluate(pack: &PolicyPack, records: &GateRecords) -> Vec<GateView> {
    let facts = records.facts.clone().unwrap_or_default();
    pack.gates_for(&facts).into_iter().map(|rule| evaluate_one(pack, rule, records, &facts)).collect()
}

fn evaluate_one(pack: &PolicyPack, rule: &GateRule, records: &GateRecords, facts: &BTreeSet<Fact>) -> GateView {
    let signed = records.signed_off.contains(&rule.kind);
    let reviewer = rule.signed_off_by.label().to_lowercase();
    let awaiting = |summary: String| {
        if signed {
            (GateStatus::Passed, summary, vec![])
        } else {
            (GateStatus::AwaitingSignOff, summary, vec![format!("Sign-off by the {reviewer}")])
        }
    };
    let (status, summary, missing) = match rule.kind {
        GateKind::Research => match (&records.facts, research_determination(facts)) {
            (None, _) => (
                GateStatus::NotStarted,
                "The facts about the initiative are not recorded yet".to_owned(),
                vec!["Answer the questions about what the initiative involves".to_owned()],
            ),
            (Some(_), Research::NotResearch) => (
                GateStatus::Passed,
                "Not research: no randomisation, no change from accepted care, no generalisable intent".to_owned(),
                vec![],
            ),
            (Some(_), Research::Research) if signed => (
                GateStatus::Passed,
                "Research, with HRA and ethics approval recorded by the R&D office".to_owned(),
                vec![],
            ),
            (Some(_), Research::Research) => (
                GateStatus::External,
                "Research: it needs HRA and research ethics approval, outside local governance".to_owned(),
                vec!["The R&D office records the external approval".to_owned()],
            ),
        },
        GateKind::Dpia => match &records.dpia {
            None => {
                (GateStatus::NotStarted, "Not screened yet".to_owned(), vec!["Complete the DPIA screening".to_owned()])
            }
            Some(ticked) => awaiting(match dpia_outcome(pack, ticked) {
                DpiaOutcome::Required => "A full DPIA is required".to_owned(),
                DpiaOutcome::Judgement => {
                    "One criterion applies: the data protection officer decides whether a DPIA is needed".to_owned()
                }
                DpiaOutcome::NotRequired => "No DPIA is required".to_owned(),
            }),
        },
        GateKind::ClinicalSafety => {
            let levels: Vec<(&HazardScore, u8)> = records
                .hazards
                .iter()
                .filter_map(|h| Some((h, pack.hazard_level(h.residual.0, h.residual.1)?)))
                .collect();
            let blocking: Vec<String> = levels
                .iter()
                .filter(|(_, level)| *level >= pack.clinical_safety.blocking_level)
                .map(|(h, level)| {
                    format!(
                        "Reduce the residual risk of \"{}\" below level {} (it is {level})",
                        h.name, pack.clinical_safety.blocking_level
                    )
                })
                .collect();
            let highest = levels.iter().map(|(_, l)| *l).max();
            match highest {
                None if records.hazards_out_of_scope > 0 => {
                    awaiting(format!("No open hazards; {} closed or transferred", records.hazards_out_of_scope))
                }
                None => (
                    GateStatus::NotStarted,
                    "No hazards are logged".to_owned(),
                    vec!["Log the hazards in the hazard log".to_owned()],
                ),
                Some(level) if !blocking.is_empty() => (
                    GateStatus::Blocked,
                    format!(
                        "A hazard's residual risk is level {level}: {}",
                        pack.clinical_safety.acceptability[usize::from(level) - 1]
                    ),
                    blocking,
                ),
                Some(level) => awaiting(format!(
                    "{} hazard{} logged; the highest residual risk is level {level}",
                    levels.len(),
                    if levels.len() == 1 { "" } else { "s" }
                )),
            }
        }
        GateKind::Fairness => {
            let named = &records.fairness_subgroups;
            if named.is_empty() {
                (
                    GateStatus::NotStarted,
                    "No subgroups are named".to_owned(),
                    vec!["Name the subgroups before any results are entered".to_owned()],
                )
            } else if !records.fairness_locked {
                (
                    GateStatus::InProgress,
                    format!("{} subgroups named, not locked", named.len()),
                    vec!["Lock the subgroups".to_owned()],
                )
            } else {
                let have: BTreeSet<&str> = records.fairness_counts.iter().map(|c| c.subgroup.as_str()).collect();
                let absent: Vec<String> = named
                    .iter()
                    .filter(|s| !have.contains(s.as_str()))
                    .map(|s| format!("Enter the result for {s}"))
                    .collect();
                if !absent.is_empty() {
                    (GateStatus::InProgress, "Subgroups locked; results are missing".to_owned(), absent)
                } else {
                    let (_, results) = fairness_results(pack, &records.fairness_counts);
                    let flagged = results.iter().filter(|r| r.disparity).count();
                    let thin = results.iter().filter(|r| r.insufficient).count();
                    awaiting(format!(
                        "{} subgroups: {flagged} with a gap above {:.0} percentage points, {thin} with too few cases to judge",
                        results.len(),
                        pack.fairness.max_disparity * 100.0
                    ))
                }
            }
        }
        GateKind::Consent => match &records.consent {
            None => (
                GateStatus::NotStarted,
                "No approach recorded".to_owned(),
                vec!["Describe how patients are informed or asked to consent".to_owned()],
            ),
            Some(_) => awaiting("Approach recorded".to_owned()),
        },
        GateKind::Equality => match &records.equality {
            None => (
                GateStatus::NotStarted,
                "Not assessed".to_owned(),
                vec!["Complete the equality and health inequalities impact assessment".to_owned()],
            ),
            Some(e) if e.groups.is_empty() => {
                awaiting("Assessed: no group is expected to be affected differently".to_owned())
            }
            Some(e) => awaiting(format!(
                "Assessed: {} group{} could be affected differently, with what the team will do",
                e.groups.len(),
                if e.groups.len() == 1 { "" } else { "s" }
            )),
        },
        GateKind::MedicalDevice => match &records.device {
            None => (
                GateStatus::NotStarted,
                "Device status not recorded".to_owned(),
                vec!["Record whether it is a medical device under the UK MDR 2002, and its marking".to_owned()],
            ),
            Some(d) if !d.is_device => awaiting("Not a medical device, with the reason recorded".to_owned()),
            Some(d) if d.marked && d.registered => awaiting(format!(
                "A class {} medical device, UKCA or CE marked and registered with the MHRA",
                d.class.as_deref().unwrap_or("?")
            )),
            Some(d) => (
                GateStatus::Blocked,
                format!(
                    "A class {} medical device without {}",
                    d.class.as_deref().unwrap_or("?"),
                    match (d.marked, d.registered) {
                        (false, false) => "UKCA or CE marking or MHRA registration",
                        (false, true) => "UKCA or CE marking",
                        _ => "MHRA registration",
                    }
                ),
                vec![
                    "UKCA or CE marking and MHRA registration, or the MHRA's agreement to a clinical investigation"
                        .to_owned(),
                ],
            ),
        },
        GateKind::DigitalAssurance => match records.digital_passed {
            None => (GateStatus::NotStarted, "Not assessed".to_owned(), vec!["Record the DTAC assessment".to_owned()]),
            Some(false) => (
                GateStatus::Blocked,
                "DTAC sections C1 to C4 are not all passed".to_owned(),
                vec!["Pass DTAC sections C1 to C4".to_owned()],
            ),
            Some(true) => awaiting("DTAC sections C1 to C4 passed".to_owned()),
        },
        GateKind::Measurement => {
            let m = records.measurement;
            let mut missing = Vec::new();
            if !m.has_aim {
                missing.push("Write the aim: what, how much, for whom and by when".to_owned());
            }
            for (have, kind) in [(m.outcome, "an outcome"), (m.process, "a process"), (m.balancing, "a balancing")] {
                if !have {
                    missing.push(format!("Define {kind} measure with its operational definition"));
                }
            }
            if missing.is_empty() {
                (
                    GateStatus::Passed,
                    "An aim, and outcome, process and balancing measures, each defined".to_owned(),
                    vec![],
                )
            } else {
                (GateStatus::NotStarted, "The family of measures is incomplete".to_owned(), missing)
            }
        }
    };
    GateView {
        kind: rule.kind,
        label: rule.label.clone(),
        before: rule.before,
        signed_off_by: rule.signed_off_by,
        status,
        summary,
        missing,
        verified: rule.verified,
        source: rule.source.clone(),
        assessed_under: records.assessed_under.get(&rule.kind).cloned(),
    }
}

/// The forward order of stages, for "before piloting" to cover every later stage too.
fn order(stage: Stage) -> Option<u8> {
    match stage {
        Stage::Idea => Some(0),
        Stage::Shaping => Some(1),
        Stage::Assessment => Some(2),
        Stage::Approved => Some(3),
        Stage::Piloting => Some(4),
        Stage::Evaluating => Some(5),
        Stage::Adopted => Some(6),
        Stage::Spreading => Some(7),
        Stage::Stopped => None,
    }
}

/// What is needed before an initiative may move to `to`: the facts and a risk assessment to submit
/// for assessment; every gate due before `to` passed; and, to start the pilot, every condition of
/// the approval met. Stopping is never blocked.
pub fn blockers(
    to: Stage,
    gates: &[GateView],
    facts_recorded: bool,
    risk_items: usize,
    open_conditions: &[String],
) -> Vec<String> {
    let Some(target) = order(to) else { return vec![] };
    let mut missing = Vec::new();
    if target >= order(Stage::Assessment).unwrap_or(2) && target <= order(Stage::Approved).unwrap_or(3) {
        if !facts_recorded {
            missing.push("Record the facts about what the initiative involves".to_owned());
        }
        if risk_items == 0 {
            missing.push("Record at least one risk, with its consequence and likelihood".to_owned());
        }
    }
    for gate in gates {
        let due = order(gate.before).is_some_and(|before| target >= before);
        if due && gate.status != GateStatus::Passed {
            for need in &gate.missing {
                missing.push(format!("{}: {need}", gate.label));
            }
            if gate.missing.is_empty() {
                missing.push(format!("{}: {}", gate.label, gate.summary));
            }
        }
    }
    if target >= order(Stage::Piloting).unwrap_or(4) {
        missing.extend(open_conditions.iter().map(|c| format!("Condition of approval not yet met: {c}")));
    }
    missing
}

/// The facts form: one checkbox per fact, every one answered by ticking or not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FactsForm {
    pub facts: Vec<String>,
}

impl FactsForm {
    /// # Errors
    /// A fact that is not one of Kindling's (a tampered form).
    pub fn parse(&self) -> Result<BTreeSet<Fact>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut facts = BTreeSet::new();
        for raw in &self.facts {
            match raw.parse::<Fact>() {
                Ok(f) => {
                    facts.insert(f);
                }
                Err(_) => errors.add("facts", "Choose from the listed facts"),
            }
        }
        errors.into_result(|| facts)
    }
}

slug_enum!(
    /// Where a hazard stands in its life (DCB0129/DCB0160 hazard logs; ISO 14971's risk control).
    HazardStatus, "hazard status" {
        /// Logged; its controls are not yet all in place.
        Open = ("open", "Open"),
        /// Its controls are in place; its residual risk still counts.
        Mitigated = ("mitigated", "Mitigated"),
        /// No longer applies (the feature that caused it is gone): it no longer counts.
        Closed = ("closed", "Closed"),
        /// Owned and managed elsewhere (a supplier's or another organisation's hazard log).
        Transferred = ("transferred", "Transferred"),
    }
);

impl HazardStatus {
    /// Whether the hazard's residual risk still counts towards the gate.
    pub fn counts(self) -> bool {
        matches!(self, HazardStatus::Open | HazardStatus::Mitigated)
    }

    /// Closing or transferring takes a hazard out of the gate, so only the clinical safety officer may;
    /// otherwise a team could clear a blocking hazard by closing it.
    pub fn may_set(self, roles: &[Role]) -> bool {
        self.counts() || roles.contains(&Role::ClinicalSafetyOfficer)
    }
}

/// A hazard log entry as typed. `status` and `owner` are optional when logging (open, nobody named).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HazardForm {
    pub status: String,
    pub owner: String,
    pub name: String,
    pub cause: String,
    pub effect: String,
    pub controls: String,
    pub initial_severity: String,
    pub initial_likelihood: String,
    pub residual_severity: String,
    pub residual_likelihood: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HazardDraft {
    pub status: HazardStatus,
    pub owner: String,
    pub name: String,
    pub cause: String,
    pub effect: String,
    pub controls: String,
    pub initial: (u8, u8),
    pub residual: (u8, u8),
}

impl HazardForm {
    /// # Errors
    /// Every problem, by field.
    pub fn parse(&self) -> Result<HazardDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = required_text(&mut errors, "name", &self.name, "the hazard", 300);
        let cause = required_text(&mut errors, "cause", &self.cause, "the cause", 2000);
        let effect = required_text(&mut errors, "effect", &self.effect, "the effect on care", 2000);
        let controls = self.controls.trim().chars().take(4000).collect::<String>();
        let owner = self.owner.trim().chars().take(200).collect::<String>();
        let status = match self.status.trim() {
            "" => Some(HazardStatus::Open),
            raw => raw.parse::<HazardStatus>().ok(),
        };
        if status.is_none() {
            errors.add("status", "Choose open, mitigated, closed or transferred");
        }
        let level = |errors: &mut FieldErrors, field: &'static str, s: &str, l: &str| {
            let parse = |t: &str| t.trim().parse::<u8>().ok().filter(|v| (1..=5).contains(v));
            match (parse(s), parse(l)) {
                (Some(s), Some(l)) => Some((s, l)),
                _ => {
                    errors.add(field, "Choose a severity and a likelihood");
                    None
                }
            }
        };
        let initial = level(&mut errors, "initial", &self.initial_severity, &self.initial_likelihood);
        let residual = level(&mut errors, "residual", &self.residual_severity, &self.residual_likelihood);
        match (errors.is_empty(), initial, residual, status) {
            (true, Some(initial), Some(residual), Some(status)) => {
                Ok(HazardDraft { status, owner, name, cause, effect, controls, initial, residual })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_record_asks_for_class_and_marking_only_of_a_device() {
        let not = DeviceRecord::parse("no", "A staff rota: no medical purpose", "", "", "").unwrap();
        assert!(!not.is_device && not.class.is_none());
        let errors = DeviceRecord::parse("yes", "Triage of skin lesions", "IV", "", "yes").unwrap_err();
        assert!(errors.for_field("device_class").is_some() && errors.for_field("marked").is_some());
        assert!(errors.for_field("registered").is_none());
        assert!(DeviceRecord::parse("", "", "", "", "").unwrap_err().for_field("is_device").is_some());
        let errors = EqualityRecord::parse(&["age".into(), "height".into()], "x", "").unwrap_err();
        assert!(errors.for_field("group").is_some() && errors.for_field("mitigation").is_some());
        assert_eq!(EqualityRecord::parse(&[], "None differently", "Stratify").unwrap().groups, Vec::<String>::new());
    }

    fn facts(list: &[Fact]) -> BTreeSet<Fact> {
        list.iter().copied().collect()
    }

    #[test]
    fn the_hra_questions_decide_research() {
        assert_eq!(research_determination(&facts(&[Fact::TouchesPatients, Fact::AiMl])), Research::NotResearch);
        for f in [Fact::Randomises, Fact::ChangesStandardCare, Fact::Generalisable] {
            assert_eq!(research_determination(&facts(&[f])), Research::Research, "{f:?}");
        }
    }

    #[test]
    fn dpia_screening_follows_article_35_the_ico_list_and_wp248() {
        let pack = PolicyPack::uk_default();
        let ticked = |ids: &[&str]| -> BTreeSet<String> { ids.iter().map(|s| (*s).to_owned()).collect() };
        assert_eq!(dpia_outcome(&pack, &ticked(&[])), DpiaOutcome::NotRequired);
        assert_eq!(dpia_outcome(&pack, &ticked(&["large-scale-special-category"])), DpiaOutcome::Required);
        assert_eq!(dpia_outcome(&pack, &ticked(&["sensitive-data"])), DpiaOutcome::Judgement);
        assert_eq!(dpia_outcome(&pack, &ticked(&["sensitive-data", "vulnerable-people"])), DpiaOutcome::Required);
        // Innovative technology needs one other criterion (ICO list item 1).
        assert_eq!(dpia_outcome(&pack, &ticked(&["innovative-technology"])), DpiaOutcome::Judgement);
        assert_eq!(dpia_outcome(&pack, &ticked(&["innovative-technology", "sensitive-data"])), DpiaOutcome::Required);
    }

    #[test]
    fn wilson_intervals_match_published_values() {
        // Newcombe, Statistics in Medicine 1998;17:857–872, table I, method 3 (Wilson score).
        let check = |k, n, low: f64, high: f64| {
            let p = wilson(k, n).unwrap();
            assert!((p.low - low).abs() < 5e-5 && (p.high - high).abs() < 5e-5, "{k}/{n}: {p:?}");
        };
        check(81, 263, 0.2553, 0.3662);
        check(15, 148, 0.0624, 0.1605);
        check(0, 20, 0.0, 0.1611);
        check(1, 29, 0.0061, 0.1718);
        assert_eq!(wilson(3, 0), None);
        assert_eq!(wilson(5, 4), None);
    }

    #[test]
    fn subgroups_are_judged_against_the_pooled_whole() {
        let pack = PolicyPack::uk_default();
        let counts = [
            SubgroupCount { subgroup: "Women".into(), n: 400, successes: 360 },
            SubgroupCount { subgroup: "Men".into(), n: 400, successes: 320 },
            SubgroupCount { subgroup: "Over 80".into(), n: 50, successes: 40 },
        ];
        let (overall, results) = fairness_results(&pack, &counts);
        // Pooled: 720 of 850 = 0.8471. Women 0.90 (+5.3 points), men 0.80 (−4.7), over-80s 0.80 but 50 < 100.
        assert!((overall.unwrap().value - 720.0 / 850.0).abs() < 1e-12);
        assert!(results[0].disparity && !results[0].insufficient);
        assert!(!results[1].disparity);
        assert!(results[2].insufficient);
    }

    /// Issue 18 §3, as found: the summary said "2 with a gap above 5 percentage points" while the table
    /// marked those rows "Too few cases". 30 of 40 (0.75) and 10 of 40 (0.25) against a pooled 0.5 are
    /// gaps of 25 points, but 40 < 100 cases each: too few to judge, not disparities.
    #[test]
    fn a_thin_subgroup_is_too_few_to_judge_not_a_disparity() {
        let pack = PolicyPack::uk_default();
        let counts = [
            SubgroupCount { subgroup: "A".into(), n: 40, successes: 30 },
            SubgroupCount { subgroup: "B".into(), n: 40, successes: 10 },
        ];
        let (_, results) = fairness_results(&pack, &counts);
        assert!(results.iter().all(|r| r.insufficient && !r.disparity && (r.gap.abs() - 0.25).abs() < 1e-12));
        let mut r = records();
        r.fairness_subgroups = vec!["A".into(), "B".into()];
        r.fairness_locked = true;
        r.fairness_counts = counts.to_vec();
        let fairness = evaluate(&pack, &r).into_iter().find(|g| g.kind == GateKind::Fairness).unwrap();
        assert_eq!(
            fairness.summary,
            "2 subgroups: 0 with a gap above 5 percentage points, 2 with too few cases to judge"
        );
    }

    fn records() -> GateRecords {
        GateRecords {
            facts: Some(facts(&[Fact::AiMl, Fact::TouchesPatients, Fact::UsesPersonalData])),
            ..GateRecords::default()
        }
    }

    #[test]
    fn an_ai_triage_idea_needs_dpia_clinical_safety_and_fairness_before_its_pilot() {
        let pack = PolicyPack::uk_default();
        let gates = evaluate(&pack, &records());
        let kinds: Vec<GateKind> = gates.iter().map(|g| g.kind).collect();
        assert_eq!(
            kinds,
            [
                GateKind::Research,
                GateKind::Dpia,
                GateKind::ClinicalSafety,
                GateKind::Fairness,
                GateKind::Consent,
                GateKind::Measurement
            ]
        );
        // Approval needs only the research determination, which is settled by the facts.
        assert_eq!(blockers(Stage::Approved, &gates, true, 1, &[]), Vec::<String>::new());
        let to_pilot = blockers(Stage::Piloting, &gates, true, 1, &["CSO sign-off".into()]);
        assert!(
            to_pilot.contains(&"Data protection impact assessment screening: Complete the DPIA screening".to_owned()),
            "{to_pilot:?}"
        );
        assert!(to_pilot.contains(&"Condition of approval not yet met: CSO sign-off".to_owned()));
        assert!(to_pilot.iter().any(|m| m.starts_with("AI fairness across subgroups: Name the subgroups")));
        assert_eq!(
            blockers(Stage::Stopped, &gates, false, 0, &["x".into()]),
            Vec::<String>::new(),
            "stopping is never blocked"
        );
        let to_submit = blockers(Stage::Assessment, &evaluate(&pack, &GateRecords::default()), false, 0, &[]);
        assert_eq!(to_submit.len(), 2, "facts and a risk: {to_submit:?}");
    }

    #[test]
    fn a_log_whose_hazards_are_all_closed_is_not_an_empty_log() {
        let pack = PolicyPack::uk_default();
        let mut r = records();
        r.hazards_out_of_scope = 2;
        let safety = evaluate(&pack, &r).into_iter().find(|g| g.kind == GateKind::ClinicalSafety).unwrap();
        assert_eq!(
            (safety.status, safety.summary.as_str()),
            (GateStatus::AwaitingSignOff, "No open hazards; 2 closed or transferred")
        );
    }

    #[test]
    fn only_the_clinical_safety_officer_takes_a_hazard_out_of_the_gate() {
        let team = [Role::Clinician, Role::ImprovementLead];
        assert!(HazardStatus::Mitigated.may_set(&team) && HazardStatus::Open.may_set(&team));
        assert!(!HazardStatus::Closed.may_set(&team) && !HazardStatus::Transferred.may_set(&team));
        assert!(HazardStatus::Closed.may_set(&[Role::ClinicalSafetyOfficer]));
        let bad = HazardForm { status: "resolved".into(), ..HazardForm::default() };
        assert!(bad.parse().unwrap_err().for_field("status").is_some());
    }

    #[test]
    fn a_residual_hazard_at_level_4_blocks_and_sign_off_cannot_pass_it() {
        let pack = PolicyPack::uk_default();
        let mut r = records();
        r.signed_off.insert(GateKind::ClinicalSafety);
        // Catastrophic severity, low likelihood: level 4 in the DCB0129 example matrix.
        r.hazards = vec![HazardScore { name: "Missed sepsis".into(), initial: (5, 4), residual: (5, 2) }];
        let gate = evaluate(&pack, &r).into_iter().find(|g| g.kind == GateKind::ClinicalSafety).unwrap();
        assert_eq!(gate.status, GateStatus::Blocked);
        assert_eq!(gate.missing, ["Reduce the residual risk of \"Missed sepsis\" below level 4 (it is 4)"]);
        r.hazards[0].residual = (5, 1);
        let gate = evaluate(&pack, &r).into_iter().find(|g| g.kind == GateKind::ClinicalSafety).unwrap();
        assert_eq!(gate.status, GateStatus::Passed, "level 3 once signed off");
    }

    #[test]
    fn subgroups_are_locked_before_results_and_cannot_change_after() {
        let mut record = FairnessRecord::default();
        assert_eq!(record.enter("Women", "10", "8"), Err(FairnessError::NotLocked));
        assert_eq!(record.name("sensitivity", "Women"), Err(FairnessError::TooFew));
        record.name("sensitivity", "Women\nMen\n\nWomen\n").unwrap();
        assert_eq!(record.subgroups, ["Women", "Men"]);
        record.lock(1_000).unwrap();
        assert_eq!(record.name("sensitivity", "Over 80\nUnder 80"), Err(FairnessError::Locked));
        assert_eq!(record.enter("Over 80", "10", "8"), Err(FairnessError::UnknownSubgroup("Over 80".into())));
        assert_eq!(record.enter("Men", "10", "11"), Err(FairnessError::BadCount("Men".into())));
        record.enter("Men", "10", "8").unwrap();
        record.enter("Men", "20", "15").unwrap();
        assert_eq!(record.counts, [SubgroupCount { subgroup: "Men".into(), n: 20, successes: 15 }]);
    }

    #[test]
    fn tampered_and_incomplete_forms_are_refused() {
        assert!(FactsForm { facts: vec!["ai-ml".into(), "teleportation".into()] }.parse().is_err());
        assert_eq!(FactsForm { facts: vec!["ai-ml".into()] }.parse().unwrap(), facts(&[Fact::AiMl]));
        let hazard = HazardForm { name: "Wrong patient".into(), initial_severity: "6".into(), ..HazardForm::default() };
        let errors = hazard.parse().unwrap_err();
        for field in ["cause", "effect", "initial", "residual"] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
    }
}
