//! Policy packs: every matrix, descriptor, band, questionnaire, gate trigger and routing rule that
//! Kindling applies, read from a versioned TOML file rather than written into code.
//!
//! A pack is parsed ([`PolicyPack::parse`]) and then checked as a whole ([`PolicyPack::validate`]):
//! bands must cover every possible score exactly once, the clinical safety matrix must be 5 × 5 with
//! levels 1–5, every rule must name a route that exists, and so on. A pack that fails is refused with
//! a message that names the key (`risk.bands[1].max`), so whoever edited it can find the line.
//!
//! Every item carries its `source` and whether it was `verified` against the primary document;
//! pages show unverified items as such. Outcomes computed from a pack store its [`PackInfo::id`] and
//! [`PackInfo::version`].

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::initiatives::Stage;
use crate::people::{Role, slug_enum};

/// The pack Kindling ships: NHS England's frameworks with Kindling's default routes.
pub const UK_DEFAULT: &str = include_str!("../policy/uk-default.toml");
/// The built-in NHS Wales pack.
pub const WALES_DEFAULT: &str = include_str!("../policy/wales-default.toml");

/// The built-in packs an organisation chooses from by its jurisdiction: (jurisdiction, pack text).
pub const BUILT_IN: [(&str, &str); 2] = [("England", UK_DEFAULT), ("Wales", WALES_DEFAULT)];

/// The largest pack accepted, in bytes: far above any real pack, small enough to parse instantly.
pub const MAX_PACK_BYTES: usize = 256 * 1024;

slug_enum!(
    /// Facts about an initiative that call for gates. The team records them; they decide which
    /// checks the initiative needs, so an idea is checked for what it is, not by a fixed list.
    Fact, "fact" {
        TouchesPatients = ("touches-patients", "It involves patients or service users directly"),
        ChangesStandardCare = ("changes-standard-care", "It changes care from the accepted standard"),
        Randomises = ("randomises", "It randomises people to different groups"),
        Generalisable = ("generalisable", "It intends findings that apply beyond this service"),
        UsesPersonalData = ("uses-personal-data", "It uses personal data"),
        HealthIt = ("health-it", "It introduces or changes health IT"),
        AiMl = ("ai-ml", "It uses artificial intelligence or machine learning"),
        MedicalDevice = ("medical-device", "It makes a medical device claim"),
        DigitalProcurement = ("digital-procurement", "It procures a digital product"),
        ChangesAccess = ("changes-access", "It changes who can use a service, or how people reach it"),
    }
);

slug_enum!(
    /// The checks Kindling knows how to run. A pack decides which apply, when, and who signs them off.
    GateKind, "gate" {
        Research = ("research", "Research determination"),
        Dpia = ("dpia", "Data protection impact assessment screening"),
        ClinicalSafety = ("clinical-safety", "Clinical safety"),
        Fairness = ("fairness", "AI fairness"),
        Consent = ("consent", "Consent and information for patients"),
        Measurement = ("measurement", "Measurement readiness"),
        DigitalAssurance = ("digital-assurance", "Digital technology assessment"),
        Equality = ("equality", "Equality and health inequalities impact assessment"),
        MedicalDevice = ("medical-device", "Medical device status"),
    }
);

slug_enum!(
    /// How a DPIA screening criterion counts towards "a DPIA is required".
    DpiaGroup, "DPIA criterion group" {
        /// Required on its own (UK GDPR art. 35(3), the ICO's unconditional items).
        Always = ("always", "Always requires a DPIA"),
        /// Required when any WP248 criterion also applies (the ICO's conditional items).
        WithAnother = ("with-another", "Requires a DPIA with any other criterion"),
        /// Counted: the pack's threshold of these requires a DPIA.
        Wp248 = ("wp248", "Counted towards the threshold"),
    }
);

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyPack {
    pub pack: PackInfo,
    pub risk: RiskScheme,
    pub clinical_safety: ClinicalSafetyScheme,
    pub research: ResearchScheme,
    pub dpia: DpiaScheme,
    pub fairness: FairnessScheme,
    pub gates: Vec<GateRule>,
    pub routes: Vec<Route>,
    pub routing: Vec<RoutingRule>,
    pub escalation: Escalation,
    /// Absent from packs written before it existed: then only stopping calls for a review.
    #[serde(default)]
    pub learning: LearningScheme,
    /// The statutory duties every decision weighs (the duty of candour; in Wales the duty of
    /// quality), shown beside each decision. Absent from older packs: none.
    #[serde(default)]
    pub duties: Vec<Duty>,
}

/// A statutory duty a decision weighs, in a sentence, with its source.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Duty {
    pub id: String,
    pub label: String,
    pub summary: String,
    pub source: String,
    pub verified: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PackInfo {
    pub id: String,
    pub version: String,
    pub name: String,
    pub jurisdiction: String,
    pub effective_from: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RiskScheme {
    pub source: String,
    pub verified: bool,
    pub consequences: Vec<Level>,
    pub likelihoods: Vec<Level>,
    pub bands: Vec<Band>,
    pub domains: Vec<RiskDomain>,
    /// Where a risk is escalated to the organisation's corporate register. Absent from packs written
    /// before it existed: then the highest band, as the default pack says.
    #[serde(default)]
    pub corporate_register: Option<CorporateRegister>,
}

/// The escalation rule for the corporate register: a risk scored in this band or above is listed
/// there and needs a named executive owner.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CorporateRegister {
    /// A band's id (`extreme`).
    pub band: String,
    pub source: String,
    pub verified: bool,
}

/// One step of a 1–5 scale.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub score: u8,
    pub label: String,
    #[serde(default)]
    pub descriptor: String,
    pub source: String,
    pub verified: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub id: String,
    pub label: String,
    pub min: u8,
    pub max: u8,
    pub colour: String,
    pub source: String,
    pub verified: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RiskDomain {
    pub id: String,
    pub label: String,
    /// What each consequence score means in this domain, from 1 to 5.
    pub descriptors: Vec<String>,
    pub source: String,
    pub verified: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClinicalSafetyScheme {
    pub source: String,
    pub verified: bool,
    pub severities: Vec<String>,
    pub likelihoods: Vec<String>,
    /// `matrix[likelihood][severity]`, both from 0 (lowest): a lookup of levels 1–5, not a product.
    pub matrix: Vec<Vec<u8>>,
    pub blocking_level: u8,
    /// What each level means, from 1 to 5.
    pub acceptability: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResearchScheme {
    pub source: String,
    pub verified: bool,
    /// The three questions, asked about randomisation, changes to standard care and generalisability.
    pub questions: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DpiaScheme {
    pub source: String,
    pub verified: bool,
    pub wp248_threshold: u8,
    pub criteria: Vec<DpiaCriterion>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DpiaCriterion {
    pub id: String,
    pub label: String,
    pub group: DpiaGroup,
    pub source: String,
    pub verified: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FairnessScheme {
    pub source: String,
    pub verified: bool,
    /// The largest acceptable gap between a subgroup's metric and the overall value.
    pub max_disparity: f64,
    pub min_subgroup_n: u32,
    pub threshold_source: String,
    pub threshold_verified: bool,
}

/// When a gate applies and who signs it off.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GateRule {
    pub kind: GateKind,
    pub label: String,
    /// Facts that call for the gate; empty means every initiative.
    pub triggered_by: Vec<Fact>,
    /// The stage the gate must be passed before.
    pub before: Stage,
    pub signed_off_by: Role,
    pub source: String,
    pub verified: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub id: String,
    pub label: String,
    /// Seniority: 1 is the least senior.
    pub rank: u8,
    /// Roles whose holders may decide on this route.
    pub roles: Vec<Role>,
    /// Days within which a decision is due.
    pub target_days: u16,
    /// Decided by a committee (which gets a paper), not one person.
    #[serde(default)]
    pub committee: bool,
    /// Decided outside Kindling (research): only the status is tracked.
    #[serde(default)]
    pub external: bool,
    pub source: String,
    pub verified: bool,
}

/// "Send to `route` when …". Every condition is a threshold, so a rule that matches keeps matching
/// when any score rises; a rule with several conditions needs all of them.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    pub route: String,
    #[serde(default)]
    pub min_band: Option<String>,
    #[serde(default)]
    pub min_score: Option<u8>,
    #[serde(default)]
    pub min_consequence: Option<u8>,
    #[serde(default)]
    pub min_likelihood: Option<u8>,
    #[serde(default)]
    pub gate: Option<GateKind>,
    #[serde(default)]
    pub research: Option<bool>,
    pub source: String,
    pub verified: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// A decision past its target is flagged and the next route up is told.
    pub escalate_after_target: bool,
    pub source: String,
    pub verified: bool,
}

/// When a learning review is required besides stopping (which always calls for one).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LearningScheme {
    /// Leaving any of these stages (by any move but stopping) waits for the initiative's review.
    pub review_on_completing: Vec<Stage>,
    pub source: String,
    pub verified: bool,
}

/// Why a pack was refused: the key that is wrong and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PackError {
    /// Where in the pack, as a dotted path (`risk.bands[1].max`), or empty for the whole file.
    pub key: String,
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.key, self.message) }
    }
}

fn error(key: impl Into<String>, message: impl Into<String>) -> PackError {
    PackError { key: key.into(), message: message.into() }
}

impl PolicyPack {
    /// The pack Kindling ships, which is checked by the tests to parse and validate.
    pub fn uk_default() -> Self {
        Self::parse(UK_DEFAULT).expect("the shipped pack is valid (tested)")
    }

    /// Reads and checks a pack.
    ///
    /// # Errors
    /// The first problem found: TOML syntax, a missing or unknown key, a value of the wrong type, or
    /// a rule the pack breaks (see [`PolicyPack::validate`]).
    pub fn parse(text: &str) -> Result<Self, Vec<PackError>> {
        if text.len() > MAX_PACK_BYTES {
            return Err(vec![error("", format!("The pack is larger than {} KB", MAX_PACK_BYTES / 1024))]);
        }
        let pack: PolicyPack = toml::from_str(text).map_err(|e| vec![toml_error(text, &e)])?;
        let problems = pack.validate();
        if problems.is_empty() { Ok(pack) } else { Err(problems) }
    }

    /// Every rule the pack breaks, each naming its key.
    pub fn validate(&self) -> Vec<PackError> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, key: String, message: &str| {
            if !ok {
                problems.push(error(key, message));
            }
        };
        check(is_slug(&self.pack.id), "pack.id".into(), "must be lower-case letters, digits and hyphens");
        check(!self.pack.version.trim().is_empty(), "pack.version".into(), "must not be empty");
        for (name, scale) in
            [("risk.consequences", &self.risk.consequences), ("risk.likelihoods", &self.risk.likelihoods)]
        {
            check(scale.len() == 5, name.into(), "must have exactly 5 levels, scored 1 to 5");
            for (i, level) in scale.iter().enumerate() {
                check(usize::from(level.score) == i + 1, format!("{name}[{i}].score"), &format!("must be {}", i + 1));
                check(!level.label.trim().is_empty(), format!("{name}[{i}].label"), "must not be empty");
            }
        }
        // Bands: each possible product 1..=25 must fall in exactly one band.
        check(!self.risk.bands.is_empty(), "risk.bands".into(), "must list at least one band");
        for (i, duty) in self.duties.iter().enumerate() {
            check(is_slug(&duty.id), format!("duties[{i}].id"), "must be lower-case letters, digits and hyphens");
            check(!duty.summary.trim().is_empty(), format!("duties[{i}].summary"), "must say what the duty asks");
        }
        if let Some(register) = &self.risk.corporate_register {
            check(
                self.band_by_id(&register.band).is_some(),
                "risk.corporate_register.band".into(),
                "must be the id of one of risk.bands",
            );
        }
        for (i, band) in self.risk.bands.iter().enumerate() {
            check(
                band.min >= 1 && band.min <= band.max && band.max <= 25,
                format!("risk.bands[{i}]"),
                "needs 1 ≤ min ≤ max ≤ 25",
            );
            check(is_slug(&band.id), format!("risk.bands[{i}].id"), "must be lower-case letters, digits and hyphens");
        }
        for score in possible_scores() {
            let holding: Vec<usize> =
                (0..self.risk.bands.len()).filter(|&i| self.risk.bands[i].contains(score)).collect();
            match holding.as_slice() {
                [] => check(false, "risk.bands".into(), &format!("no band covers the score {score}")),
                [_] => {}
                [first, second, ..] => check(
                    false,
                    format!("risk.bands[{second}]"),
                    &format!("overlaps risk.bands[{first}] at the score {score}"),
                ),
            }
        }
        let mut band_order: Vec<&Band> = self.risk.bands.iter().collect();
        band_order.sort_by_key(|b| b.min);
        for (i, band) in self.risk.bands.iter().enumerate() {
            if self.risk.bands[..i].iter().any(|b| b.id == band.id) {
                check(false, format!("risk.bands[{i}].id"), "repeats an earlier band's id");
            }
        }
        check(!self.risk.domains.is_empty(), "risk.domains".into(), "must list at least one domain");
        for (i, domain) in self.risk.domains.iter().enumerate() {
            check(
                is_slug(&domain.id),
                format!("risk.domains[{i}].id"),
                "must be lower-case letters, digits and hyphens",
            );
            check(domain.descriptors.len() == 5, format!("risk.domains[{i}].descriptors"), "must have 5 descriptors");
            if self.risk.domains[..i].iter().any(|d| d.id == domain.id) {
                check(false, format!("risk.domains[{i}].id"), "repeats an earlier domain's id");
            }
        }
        let cs = &self.clinical_safety;
        check(cs.severities.len() == 5, "clinical_safety.severities".into(), "must have 5 severities");
        check(cs.likelihoods.len() == 5, "clinical_safety.likelihoods".into(), "must have 5 likelihoods");
        check(cs.acceptability.len() == 5, "clinical_safety.acceptability".into(), "must describe levels 1 to 5");
        check(cs.matrix.len() == 5, "clinical_safety.matrix".into(), "must have 5 rows, one per likelihood");
        for (r, row) in cs.matrix.iter().enumerate() {
            check(row.len() == 5, format!("clinical_safety.matrix[{r}]"), "must have 5 levels, one per severity");
            for (c, level) in row.iter().enumerate() {
                check(
                    (1..=5).contains(level),
                    format!("clinical_safety.matrix[{r}][{c}]"),
                    "must be a level from 1 to 5",
                );
            }
        }
        check(
            (1..=5).contains(&cs.blocking_level),
            "clinical_safety.blocking_level".into(),
            "must be a level from 1 to 5",
        );
        check(self.research.questions.len() == 3, "research.questions".into(), "must hold the 3 questions");
        check(self.dpia.wp248_threshold >= 1, "dpia.wp248_threshold".into(), "must be at least 1");
        for (i, criterion) in self.dpia.criteria.iter().enumerate() {
            check(
                is_slug(&criterion.id),
                format!("dpia.criteria[{i}].id"),
                "must be lower-case letters, digits and hyphens",
            );
            if self.dpia.criteria[..i].iter().any(|c| c.id == criterion.id) {
                check(false, format!("dpia.criteria[{i}].id"), "repeats an earlier criterion's id");
            }
        }
        check(
            self.fairness.max_disparity.is_finite() && (0.0..=1.0).contains(&self.fairness.max_disparity),
            "fairness.max_disparity".into(),
            "must be a proportion from 0 to 1",
        );
        for (i, gate) in self.gates.iter().enumerate() {
            if self.gates[..i].iter().any(|g| g.kind == gate.kind) {
                check(false, format!("gates[{i}].kind"), "repeats an earlier gate");
            }
        }
        check(!self.routes.is_empty(), "routes".into(), "must list at least one route");
        for (i, route) in self.routes.iter().enumerate() {
            check(is_slug(&route.id), format!("routes[{i}].id"), "must be lower-case letters, digits and hyphens");
            check(!route.roles.is_empty(), format!("routes[{i}].roles"), "must name at least one role");
            check(route.target_days >= 1, format!("routes[{i}].target_days"), "must be at least 1 day");
            if self.routes[..i].iter().any(|r| r.id == route.id) {
                check(false, format!("routes[{i}].id"), "repeats an earlier route's id");
            }
            if self.routes[..i].iter().any(|r| r.rank == route.rank) {
                check(false, format!("routes[{i}].rank"), "repeats an earlier route's rank");
            }
        }
        for (i, rule) in self.routing.iter().enumerate() {
            let key = |field: &str| format!("routing[{i}].{field}");
            check(self.route(&rule.route).is_some(), key("route"), &format!("names no route {:?}", rule.route));
            if let Some(band) = &rule.min_band {
                check(self.band_by_id(band).is_some(), key("min_band"), &format!("names no band {band:?}"));
            }
            for (field, value, most) in [
                ("min_score", rule.min_score, 25),
                ("min_consequence", rule.min_consequence, 5),
                ("min_likelihood", rule.min_likelihood, 5),
            ] {
                if let Some(v) = value {
                    check((1..=most).contains(&v), key(field), &format!("must be from 1 to {most}"));
                }
            }
            if let Some(gate) = rule.gate {
                check(
                    self.gate(gate).is_some(),
                    key("gate"),
                    &format!("names the gate {gate:?}, which this pack does not use"),
                );
            }
            let conditions = [
                rule.min_band.is_some(),
                rule.min_score.is_some(),
                rule.min_consequence.is_some(),
                rule.min_likelihood.is_some(),
                rule.gate.is_some(),
                rule.research == Some(true),
            ];
            check(
                conditions.iter().any(|c| *c),
                format!("routing[{i}]"),
                "has no condition, so it would match everything",
            );
        }
        problems
    }

    pub fn route(&self, id: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.id == id)
    }

    /// The least senior route: where an initiative goes when no rule asks for more.
    pub fn base_route(&self) -> &Route {
        self.routes.iter().filter(|r| !r.external).min_by_key(|r| r.rank).unwrap_or(&self.routes[0])
    }

    pub fn band_by_id(&self, id: &str) -> Option<&Band> {
        self.risk.bands.iter().find(|b| b.id == id)
    }

    /// The lowest score that goes on the corporate register: the lower edge of the pack's register
    /// band, or of its highest band when the pack names none.
    pub fn corporate_register_from(&self) -> u8 {
        let named = self.risk.corporate_register.as_ref().and_then(|r| self.band_by_id(&r.band));
        named.or_else(|| self.risk.bands.iter().max_by_key(|b| b.max)).map_or(u8::MAX, |b| b.min)
    }

    /// The band a score falls in (every possible score has one in a valid pack).
    pub fn band(&self, score: u8) -> Option<&Band> {
        self.risk.bands.iter().find(|b| b.contains(score))
    }

    pub fn domain(&self, id: &str) -> Option<&RiskDomain> {
        self.risk.domains.iter().find(|d| d.id == id)
    }

    pub fn gate(&self, kind: GateKind) -> Option<&GateRule> {
        self.gates.iter().find(|g| g.kind == kind)
    }

    /// The gates an initiative with these facts must pass, in the pack's order.
    pub fn gates_for(&self, facts: &BTreeSet<Fact>) -> Vec<&GateRule> {
        self.gates
            .iter()
            .filter(|g| g.triggered_by.is_empty() || g.triggered_by.iter().any(|f| facts.contains(f)))
            .collect()
    }

    /// The clinical safety level for a severity and likelihood (each 1–5).
    pub fn hazard_level(&self, severity: u8, likelihood: u8) -> Option<u8> {
        let row = self.clinical_safety.matrix.get(usize::from(likelihood).checked_sub(1)?)?;
        row.get(usize::from(severity).checked_sub(1)?).copied()
    }

    /// How many items in the pack are not yet checked against their primary source.
    pub fn unverified_count(&self) -> usize {
        let levels = self.risk.consequences.iter().chain(&self.risk.likelihoods).filter(|l| !l.verified).count();
        levels
            + self.risk.bands.iter().filter(|b| !b.verified).count()
            + self.risk.domains.iter().filter(|d| !d.verified).count()
            + self.dpia.criteria.iter().filter(|c| !c.verified).count()
            + self.gates.iter().filter(|g| !g.verified).count()
            + self.routes.iter().filter(|r| !r.verified).count()
            + self.routing.iter().filter(|r| !r.verified).count()
            + usize::from(!self.fairness.threshold_verified)
            + usize::from(!self.escalation.verified)
            + usize::from(!self.learning.review_on_completing.is_empty() && !self.learning.verified)
            + self.duties.iter().filter(|d| !d.verified).count()
    }
}

impl Band {
    pub fn contains(&self, score: u8) -> bool {
        (self.min..=self.max).contains(&score)
    }
}

/// The products of two scores from 1 to 5: 7, 11, 13, 14 and others cannot occur.
pub fn possible_scores() -> BTreeSet<u8> {
    (1..=5u8).flat_map(|c| (1..=5u8).map(move |l| c * l)).collect()
}

fn is_slug(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A TOML error as a key and a message. The toml crate reports the failing span; the key is the
/// path of tables and the key at that span, which is what a person editing the file looks for.
fn toml_error(text: &str, e: &toml::de::Error) -> PackError {
    let message = e.message().trim().to_owned();
    let Some(span) = e.span() else { return error("", message) };
    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
    error(key_at(text, span.start), format!("{message} (line {line})"))
}

/// The dotted key at a byte offset: the innermost `[table]` or `[[array]]` header above it, with the
/// array's index, and the `key =` on the offending line if there is one.
fn key_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    // Headers up to and including the offending line (the span of a table error is its header).
    let before = &text[..line_end];
    let mut table = String::new();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for line in before.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
            let name = name.trim().to_owned();
            let n = counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{n}]");
            *n += 1;
        } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            table = name.trim().to_owned();
        }
    }
    let line = &text[line_start..line_end];
    let key = line.split_once('=').map(|(k, _)| k.trim()).filter(|k| !k.is_empty() && !k.starts_with('['));
    match (table.is_empty(), key) {
        (true, Some(key)) => key.to_owned(),
        (false, Some(key)) => format!("{table}.{key}"),
        (_, None) => table,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_pack_is_valid() {
        let pack = PolicyPack::parse(UK_DEFAULT).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(pack.pack.id, "uk-nhs-default");
        assert_eq!(pack.risk.domains.len(), 9, "the nine domains the issue names");
        assert!(pack.unverified_count() > 0, "reconstructed items are flagged");
    }

    /// The Wales pack is valid, says it is for Wales, and carries the Welsh duties with their Acts;
    /// it keeps the NPSA matrix (issued for England and Wales).
    #[test]
    fn the_wales_pack_is_valid_and_carries_the_welsh_duties() {
        let pack = PolicyPack::parse(WALES_DEFAULT).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((pack.pack.id.as_str(), pack.pack.jurisdiction.as_str()), ("nhs-wales-default", "Wales"));
        let duties: Vec<&str> = pack.duties.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(duties, ["duty-of-quality", "duty-of-candour", "socio-economic-duty"]);
        assert!(pack.duties[1].source.contains("Quality and Engagement) (Wales) Act 2020"));
        let research = pack.gate(GateKind::Research).unwrap();
        assert!(research.source.contains("Health and Care Research Wales"));
        assert_eq!(pack.corporate_register_from(), PolicyPack::uk_default().corporate_register_from());
        assert_eq!(BUILT_IN.map(|(jurisdiction, _)| jurisdiction), ["England", "Wales"]);
    }

    #[test]
    fn npsa_bands_cover_each_possible_score() {
        let pack = PolicyPack::uk_default();
        // NPSA 2008: 1–3 low, 4–6 moderate, 8–12 high, 15–25 extreme.
        for (score, band) in [
            (1, "low"),
            (3, "low"),
            (4, "moderate"),
            (6, "moderate"),
            (8, "high"),
            (12, "high"),
            (15, "extreme"),
            (25, "extreme"),
        ] {
            assert_eq!(pack.band(score).map(|b| b.id.as_str()), Some(band), "score {score}");
        }
        assert_eq!(possible_scores().len(), 14, "1–25 less the 11 products that cannot occur");
    }

    #[test]
    fn the_dcb_matrix_is_nhs_digitals() {
        let pack = PolicyPack::uk_default();
        // From the NHS Digital UK Core hazard log: death of one patient (major) that is medium
        // likelihood is level 3; catastrophic and very high is 5; minor and very low is 1.
        assert_eq!(pack.hazard_level(4, 3), Some(3));
        assert_eq!(pack.hazard_level(5, 5), Some(5));
        assert_eq!(pack.hazard_level(1, 1), Some(1));
        assert_eq!(pack.hazard_level(5, 2), Some(4), "catastrophic but low is still level 4");
        assert_eq!(pack.hazard_level(0, 1), None);
        assert_eq!(pack.hazard_level(6, 1), None);
    }

    fn refused(text: &str) -> Vec<PackError> {
        PolicyPack::parse(text).expect_err("the pack should be refused")
    }

    #[test]
    fn a_pack_with_a_missing_band_names_the_gap() {
        let without_high = UK_DEFAULT.replace(
            "[[risk.bands]]\nid = \"high\"\nlabel = \"High\"\nmin = 8\nmax = 12\ncolour = \"orange\"\nsource = \"NPSA 2008, risk grading\"\nverified = true\n",
            "",
        );
        assert_ne!(without_high, UK_DEFAULT);
        let problems = refused(&without_high);
        assert_eq!(problems[0], error("risk.bands", "no band covers the score 8"));
        assert_eq!(problems.len(), 5, "8, 9, 10 and 12 are uncovered, and a rule names the band: {problems:?}");
        assert_eq!(problems[4], error("routing[1].min_band", "names no band \"high\""));
    }

    #[test]
    fn overlapping_bands_and_bad_references_name_their_keys() {
        let overlapping = UK_DEFAULT.replacen("min = 4\nmax = 6", "min = 3\nmax = 6", 1);
        assert_eq!(refused(&overlapping)[0], error("risk.bands[1]", "overlaps risk.bands[0] at the score 3"));
        let bad_route =
            UK_DEFAULT.replacen("route = \"service-manager\"\nmin_band", "route = \"ward-sister\"\nmin_band", 1);
        assert_eq!(refused(&bad_route)[0], error("routing[0].route", "names no route \"ward-sister\""));
        let bad_matrix = UK_DEFAULT.replacen("[3, 4, 4, 5, 5]", "[3, 4, 4, 5, 6]", 1);
        assert_eq!(refused(&bad_matrix)[0], error("clinical_safety.matrix[4][4]", "must be a level from 1 to 5"));
    }

    #[test]
    fn toml_errors_name_the_key_and_line() {
        let missing = UK_DEFAULT.replacen("version = \"2026.12.1\"\n", "", 1);
        let problem = &refused(&missing)[0];
        assert_eq!(problem.key, "pack");
        assert!(problem.message.contains("missing field `version`"), "{problem}");
        let unknown_role = UK_DEFAULT.replacen("signed_off_by = \"research-office\"", "signed_off_by = \"wizard\"", 1);
        let problem = &refused(&unknown_role)[0];
        assert_eq!(problem.key, "gates[0].signed_off_by");
        assert!(problem.message.contains("unknown role \"wizard\""), "{problem}");
        let typo = UK_DEFAULT.replacen("target_days = 2\n", "target_dayz = 2\n", 1);
        let problem = &refused(&typo)[0];
        assert!(problem.key.starts_with("routes[0]"), "{problem}");
        assert!(problem.message.contains("target_dayz"), "{problem}");
        assert_eq!(refused("not = [toml")[0].key, "not");
    }

    #[test]
    fn gates_follow_the_facts() {
        let pack = PolicyPack::uk_default();
        let kinds = |facts: &[Fact]| -> Vec<GateKind> {
            pack.gates_for(&facts.iter().copied().collect()).iter().map(|g| g.kind).collect()
        };
        assert_eq!(kinds(&[]), [GateKind::Research, GateKind::Measurement]);
        assert_eq!(
            kinds(&[Fact::AiMl, Fact::TouchesPatients]),
            [
                GateKind::Research,
                GateKind::Dpia,
                GateKind::ClinicalSafety,
                GateKind::Fairness,
                GateKind::Consent,
                GateKind::Measurement
            ]
        );
    }
}
