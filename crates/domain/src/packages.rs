//! Spread by flexible translation: the spread package a team writes so that what must stay and what
//! may change travels with the change, and the adoption another site makes of it.
//!
//! A package names the change's **core components** (each with why it matters and how to tell it is
//! in place) and its **adaptable periphery** (what a site may change, with examples), the context it
//! worked in, the steps to implement it and whom to ask. An adopting site says, for every core
//! component, whether it keeps it as it is or adapts it and why; an adapted core component is flagged
//! for the originating team's advice, because changing what made a change work is the commonest reason
//! it fails to travel.
//!
//! Packages travel to other places, so their text may not name the originating organisation's sites
//! and units; measure definitions, which often do ("falls on Ward 7"), are rewritten for the adopting
//! site when copied ([`relocate`]).

use serde::{Deserialize, Serialize};

use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, optional_text, required_text};

/// The most core components, and the most adaptable parts, a package holds: a change with more than
/// six essentials is a programme, not a change.
pub const MAX_PARTS: usize = 6;
pub const MAX_SUMMARY_CHARS: usize = 2000;
pub const MAX_PART_CHARS: usize = 1000;
pub const MAX_GUIDE_STEPS: usize = 20;

/// Form field names of each core component slot: name, why, how to tell it is in place.
const CORE_FIELDS: [[&str; 3]; MAX_PARTS] = [
    ["core-1-name", "core-1-why", "core-1-check"],
    ["core-2-name", "core-2-why", "core-2-check"],
    ["core-3-name", "core-3-why", "core-3-check"],
    ["core-4-name", "core-4-why", "core-4-check"],
    ["core-5-name", "core-5-why", "core-5-check"],
    ["core-6-name", "core-6-why", "core-6-check"],
];

/// Form field names of each adaptable part slot: name, examples.
const ADAPTABLE_FIELDS: [[&str; 2]; MAX_PARTS] = [
    ["adaptable-1-name", "adaptable-1-examples"],
    ["adaptable-2-name", "adaptable-2-examples"],
    ["adaptable-3-name", "adaptable-3-examples"],
    ["adaptable-4-name", "adaptable-4-examples"],
    ["adaptable-5-name", "adaptable-5-examples"],
    ["adaptable-6-name", "adaptable-6-examples"],
];

/// Form field names of each core component's answer in the adoption form: kept or adapted, and why.
const CHOICE_FIELDS: [[&str; 2]; MAX_PARTS] = [
    ["core-1-choice", "core-1-reason"],
    ["core-2-choice", "core-2-reason"],
    ["core-3-choice", "core-3-reason"],
    ["core-4-choice", "core-4-reason"],
    ["core-5-choice", "core-5-reason"],
    ["core-6-choice", "core-6-reason"],
];

/// Form field names of each core component's answer in a fidelity check: in place or not.
const FIDELITY_FIELDS: [&str; MAX_PARTS] =
    ["core-1-in-place", "core-2-in-place", "core-3-in-place", "core-4-in-place", "core-5-in-place", "core-6-in-place"];

/// What must be kept for the change to work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreComponent {
    pub name: String,
    /// Why it matters: the mechanism by which the change works.
    pub why: String,
    /// How to tell it is in place (what a fidelity check looks for).
    pub check: String,
}

/// What a site may change, with examples of how others changed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdaptablePart {
    pub name: String,
    pub examples: String,
}

/// One version of a spread package, as the originating team wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// What the change is and what it achieved, in plain language.
    pub summary: String,
    pub core: Vec<CoreComponent>,
    pub adaptable: Vec<AdaptablePart>,
    /// The setting it worked in (an acute ward, a care home).
    pub setting: Option<String>,
    /// The population it served.
    pub population: Option<String>,
    /// The staffing it needed.
    pub staffing: Option<String>,
    /// The implementation guide, one step per entry.
    pub guide: Vec<String>,
    /// Whom to ask, by role (never a patient).
    pub contacts: Option<String>,
    /// Readable by every organisation of the hub, or only the originating organisation's sites.
    pub shared_with_hub: bool,
}

/// The package form as typed: every field a string so that a refused form comes back as it was.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PackageForm {
    pub summary: String,
    pub setting: String,
    pub population: String,
    pub staffing: String,
    /// One step per line.
    pub guide: String,
    pub contacts: String,
    /// "hub" or "organisation".
    pub share: String,
    /// Name, why, check per slot.
    pub core: Vec<[String; 3]>,
    /// Name, examples per slot.
    pub adaptable: Vec<[String; 2]>,
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Adds an error to `key` when `text` holds what looks like a patient identifier or names one of the
/// originating organisation's places.
fn check_travels(errors: &mut FieldErrors, key: &'static str, text: &str, places: &[String]) {
    let findings = screen(text);
    if !findings.is_empty() {
        errors.add(key, format!("This contains what looks like {}: remove it", describe(&findings)));
    } else if let Some(place) = named_place(text, places) {
        errors.add(
            key,
            format!("This names {place}: a package travels to other places, so describe the setting or role instead"),
        );
    }
}

impl PackageForm {
    /// The form from its submitted fields (`core-N-name` and so on, N from 1).
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |name: &str| field(fields, name).to_owned();
        Self {
            summary: get("summary"),
            setting: get("setting"),
            population: get("population"),
            staffing: get("staffing"),
            guide: get("guide"),
            contacts: get("contacts"),
            share: get("share"),
            core: CORE_FIELDS.iter().map(|names| names.map(get)).collect(),
            adaptable: ADAPTABLE_FIELDS.iter().map(|names| names.map(get)).collect(),
        }
    }

    /// The form showing a saved package, with every slot present (the empty ones to fill in).
    pub fn from_package(package: &Package) -> Self {
        let mut core: Vec<[String; 3]> =
            package.core.iter().map(|c| [c.name.clone(), c.why.clone(), c.check.clone()]).collect();
        core.resize(MAX_PARTS, Default::default());
        let mut adaptable: Vec<[String; 2]> =
            package.adaptable.iter().map(|a| [a.name.clone(), a.examples.clone()]).collect();
        adaptable.resize(MAX_PARTS, Default::default());
        Self {
            summary: package.summary.clone(),
            setting: package.setting.clone().unwrap_or_default(),
            population: package.population.clone().unwrap_or_default(),
            staffing: package.staffing.clone().unwrap_or_default(),
            guide: package.guide.join("\n"),
            contacts: package.contacts.clone().unwrap_or_default(),
            share: if package.shared_with_hub { "hub" } else { "organisation" }.to_owned(),
            core,
            adaptable,
        }
    }

    /// An empty form with every slot present.
    pub fn blank() -> Self {
        Self {
            share: "hub".into(),
            core: vec![Default::default(); MAX_PARTS],
            adaptable: vec![Default::default(); MAX_PARTS],
            ..Self::default()
        }
    }

    /// Checks the package. `places` are the originating organisation's own names (organisation, sites,
    /// units), which the package may not use.
    ///
    /// # Errors
    /// A missing summary, no core component, a component slot half filled, two components with one
    /// name, text too long, what looks like a patient identifier, or a named place. Errors are keyed by
    /// the form's field names.
    pub fn parse(&self, places: &[String]) -> Result<Package, FieldErrors> {
        let mut errors = FieldErrors::new();
        let summary = required_text(&mut errors, "summary", &self.summary, "a summary", MAX_SUMMARY_CHARS);
        check_travels(&mut errors, "summary", &summary, places);
        let mut core = Vec::new();
        for (slot, names) in self.core.iter().zip(CORE_FIELDS.iter()) {
            if slot.iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            let labels = ["the core component's name", "why it matters", "how to tell it is in place"];
            let [name, why, check] = [0, 1, 2].map(|i| {
                let value = required_text(&mut errors, names[i], &slot[i], labels[i], MAX_PART_CHARS);
                check_travels(&mut errors, names[i], &value, places);
                value
            });
            if core.iter().any(|c: &CoreComponent| c.name.eq_ignore_ascii_case(&name)) {
                errors.add(names[0], "Two core components have this name: give each its own");
            }
            core.push(CoreComponent { name, why, check });
        }
        if core.is_empty() && self.core.iter().flatten().all(|v| v.trim().is_empty()) {
            errors.add(CORE_FIELDS[0][0], "Name at least one core component: what must be kept for the change to work");
        }
        let mut adaptable = Vec::new();
        for (slot, names) in self.adaptable.iter().zip(ADAPTABLE_FIELDS.iter()) {
            if slot.iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            let labels = ["what may be adapted", "examples of how it may be adapted"];
            let [name, examples] = [0, 1].map(|i| {
                let value = required_text(&mut errors, names[i], &slot[i], labels[i], MAX_PART_CHARS);
                check_travels(&mut errors, names[i], &value, places);
                value
            });
            adaptable.push(AdaptablePart { name, examples });
        }
        let mut optional = |key: &'static str, raw: &str, label: &str| {
            let value = optional_text(&mut errors, key, raw, label, MAX_PART_CHARS);
            if let Some(v) = &value {
                check_travels(&mut errors, key, v, places);
            }
            value
        };
        let setting = optional("setting", &self.setting, "the setting");
        let population = optional("population", &self.population, "the population");
        let staffing = optional("staffing", &self.staffing, "the staffing");
        let contacts = optional("contacts", &self.contacts, "the contacts");
        let guide: Vec<String> =
            self.guide.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        if guide.len() > MAX_GUIDE_STEPS {
            errors.add("guide", format!("Write {MAX_GUIDE_STEPS} steps or fewer"));
        }
        if guide.iter().any(|s| s.chars().count() > MAX_PART_CHARS) {
            errors.add("guide", format!("Each step must be {MAX_PART_CHARS} characters or fewer"));
        }
        check_travels(&mut errors, "guide", &self.guide, places);
        let shared_with_hub = match self.share.as_str() {
            "hub" => true,
            "organisation" => false,
            _ => {
                errors.add("share", "Choose who may read and adopt the package");
                false
            }
        };
        errors.into_result(|| Package {
            summary,
            core,
            adaptable,
            setting,
            population,
            staffing,
            guide,
            contacts,
            shared_with_hub,
        })
    }
}

/// Whether a unit's name says where it is, as a ward's does ("Ward 7", "Rowan Ward"), rather than
/// naming a service that every hospital has ("Pharmacy", "Emergency Department"): only the first
/// kind may not travel in a package.
pub fn unit_is_a_place(name: &str) -> bool {
    let short = name.split_once(" (").map_or(name, |(s, _)| s);
    short.chars().any(|c| c.is_ascii_digit()) || short.split_whitespace().any(|w| w.eq_ignore_ascii_case("ward"))
}

/// The first of `places` that `text` names, matched whole-word and ignoring case. A place written
/// with a parenthesised description ("Ward 7 (Acute Medicine)") also matches by its short name.
pub fn named_place<'a>(text: &str, places: &'a [String]) -> Option<&'a str> {
    places.iter().find(|place| !place_spans(text, place).is_empty()).map(String::as_str)
}

/// The short and full forms a place is written in.
fn place_forms(place: &str) -> impl Iterator<Item = &str> {
    let short = place.split_once(" (").map(|(s, _)| s.trim());
    std::iter::once(place.trim()).chain(short).filter(|p| p.chars().count() >= 3)
}

/// Byte ranges in `text` where `place` (in any of its forms) stands as whole words, ignoring case.
fn place_spans(text: &str, place: &str) -> Vec<(usize, usize)> {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; match only where it did not.
    let comparable = lower.len() == text.len();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    if comparable {
        for form in place_forms(place) {
            let needle = form.to_lowercase();
            let mut from = 0;
            while let Some(at) = lower[from..].find(&needle) {
                let (start, end) = (from + at, from + at + needle.len());
                let before = lower[..start].chars().next_back();
                let after = lower[end..].chars().next();
                let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
                if boundary(before) && boundary(after) && !spans.iter().any(|&(s, e)| start < e && s < end) {
                    spans.push((start, end));
                }
                from = end;
            }
        }
    }
    spans.sort_unstable();
    spans
}

/// `text` with every mention of the originating organisation's `places` replaced by `here`, the
/// adopting site: a copied measure definition then describes the adopting site's own data.
pub fn relocate(text: &str, places: &[String], here: &str) -> String {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for place in places {
        for span in place_spans(text, place) {
            if !spans.iter().any(|&(s, e)| span.0 < e && s < span.1) {
                spans.push(span);
            }
        }
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        out.push_str(&text[at..start]);
        out.push_str(here);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// What changed from one version of a package to the next, in words, for adopters.
pub fn changes(before: &Package, after: &Package) -> Vec<String> {
    let mut out = Vec::new();
    if before.summary != after.summary {
        out.push("The summary was rewritten.".to_owned());
    }
    for c in &after.core {
        match before.core.iter().find(|b| b.name == c.name) {
            None => out.push(format!("Core component added: {}.", c.name)),
            Some(b) if b != c => out.push(format!("Core component changed: {}.", c.name)),
            Some(_) => {}
        }
    }
    for b in before.core.iter().filter(|b| !after.core.iter().any(|c| c.name == b.name)) {
        out.push(format!("Core component removed: {}.", b.name));
    }
    for a in &after.adaptable {
        match before.adaptable.iter().find(|b| b.name == a.name) {
            None => out.push(format!("Adaptable part added: {}.", a.name)),
            Some(b) if b != a => out.push(format!("Adaptable part changed: {}.", a.name)),
            Some(_) => {}
        }
    }
    for b in before.adaptable.iter().filter(|b| !after.adaptable.iter().any(|a| a.name == b.name)) {
        out.push(format!("Adaptable part removed: {}.", b.name));
    }
    if (&before.setting, &before.population, &before.staffing) != (&after.setting, &after.population, &after.staffing) {
        out.push("The context it worked in was updated.".to_owned());
    }
    if before.guide != after.guide {
        out.push("The implementation guide was updated.".to_owned());
    }
    if before.contacts != after.contacts {
        out.push("The contacts were updated.".to_owned());
    }
    if before.shared_with_hub != after.shared_with_hub {
        out.push(
            if after.shared_with_hub {
                "Now shared with the whole hub."
            } else {
                "Now shared within the organisation only."
            }
            .to_owned(),
        );
    }
    out
}

/// An adopting site's answer for one core component.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub component: String,
    pub kept: bool,
    /// Why it was adapted (required when it was).
    pub reason: Option<String>,
}

/// An adoption as decided: the local title, context and each core component's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdoptionPlan {
    pub title: String,
    /// The local context: setting, population, what differs here.
    pub local_context: String,
    pub choices: Vec<Choice>,
    /// Further adaptations of the periphery, one per line, with reasons.
    pub adaptations: Option<String>,
}

impl AdoptionPlan {
    /// The core components adapted: each is flagged for the originating team's advice.
    pub fn flagged(&self) -> impl Iterator<Item = &Choice> {
        self.choices.iter().filter(|c| !c.kept)
    }

    /// The proposed change of the adopting initiative: the package's summary and how each core
    /// component is carried, with nothing that names the originating place (the package cannot).
    pub fn proposed_change(&self, package: &Package) -> String {
        let mut text = package.summary.clone();
        text.push_str("\n\nCore components:");
        for c in &self.choices {
            match &c.reason {
                None => text.push_str(&format!("\n- {}: kept as it is", c.component)),
                Some(reason) => text.push_str(&format!("\n- {}: adapted, because {reason}", c.component)),
            }
        }
        if let Some(more) = &self.adaptations {
            text.push_str("\n\nOther adaptations:\n");
            text.push_str(more);
        }
        text
    }

    /// The kept components as one line, for the adoption's record.
    pub fn kept_text(&self) -> String {
        let kept: Vec<&str> = self.choices.iter().filter(|c| c.kept).map(|c| c.component.as_str()).collect();
        if kept.is_empty() { "None kept as it is".to_owned() } else { kept.join("; ") }
    }

    /// The adaptations as lines, for the adoption's record and the sites side by side.
    pub fn adaptations_text(&self) -> String {
        let mut lines: Vec<String> =
            self.flagged().map(|c| format!("{}: {}", c.component, c.reason.as_deref().unwrap_or_default())).collect();
        if let Some(more) = &self.adaptations {
            lines.extend(more.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned));
        }
        if lines.is_empty() { "None".to_owned() } else { lines.join("\n") }
    }
}

/// The adoption form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdoptionForm {
    pub title: String,
    pub site: String,
    pub local_context: String,
    pub adaptations: String,
    /// "kept" or "adapted", and the reason, per core component in the package's order.
    pub choices: Vec<[String; 2]>,
}

impl AdoptionForm {
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |name: &str| field(fields, name).to_owned();
        Self {
            title: get("title"),
            site: get("site"),
            local_context: get("local_context"),
            adaptations: get("adaptations"),
            choices: CHOICE_FIELDS.iter().map(|names| names.map(get)).collect(),
        }
    }

    /// Checks the form against the package (the site is checked by the caller, which knows the sites).
    ///
    /// # Errors
    /// A missing title or context, a core component neither kept nor adapted, an adaptation without
    /// its reason, text too long or with what looks like a patient identifier.
    pub fn parse(&self, package: &Package) -> Result<AdoptionPlan, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = required_text(&mut errors, "title", &self.title, "a title for your initiative", 150);
        let local_context = required_text(
            &mut errors,
            "local_context",
            &self.local_context,
            "your local context: the setting, who it is for and what differs at your site",
            MAX_SUMMARY_CHARS,
        );
        screened(&mut errors, "local_context", &local_context);
        let adaptations = optional_text(&mut errors, "adaptations", &self.adaptations, "the other adaptations", 4000);
        screened(&mut errors, "adaptations", &self.adaptations);
        let mut choices = Vec::new();
        for (i, component) in package.core.iter().enumerate().take(MAX_PARTS) {
            let [choice_key, reason_key] = CHOICE_FIELDS[i];
            let empty = [String::new(), String::new()];
            let [choice, reason] = self.choices.get(i).unwrap_or(&empty);
            match choice.as_str() {
                "kept" => choices.push(Choice { component: component.name.clone(), kept: true, reason: None }),
                "adapted" => {
                    let reason = required_text(
                        &mut errors,
                        reason_key,
                        reason,
                        &format!("why you will adapt {}", component.name),
                        MAX_PART_CHARS,
                    );
                    screened(&mut errors, reason_key, &reason);
                    choices.push(Choice { component: component.name.clone(), kept: false, reason: Some(reason) });
                }
                _ => errors.add(choice_key, format!("Say whether you keep {} as it is or adapt it", component.name)),
            }
        }
        errors.into_result(|| AdoptionPlan { title, local_context, choices, adaptations })
    }
}

fn screened(errors: &mut FieldErrors, key: &'static str, text: &str) {
    let findings = screen(text);
    if !findings.is_empty() {
        errors.add(key, format!("This contains what looks like {}: remove it", describe(&findings)));
    }
}

/// A further adaptation logged by an adopting site after it adopted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adaptation {
    /// The core component adapted; `None` for the adaptable periphery.
    pub component: Option<String>,
    pub what: String,
    pub why: String,
}

impl Adaptation {
    /// An adaptation of a core component asks the originating team's advice.
    pub fn flagged(&self) -> bool {
        self.component.is_some()
    }
}

/// Reads a logged adaptation: `component` is the number (from 1) of one of `components`, or empty for
/// the periphery; `what` and `why` are required and screened.
///
/// # Errors
/// A component not offered, a missing or too long text, or what looks like a patient identifier.
pub fn parse_adaptation(fields: &[(String, String)], components: &[&str]) -> Result<Adaptation, FieldErrors> {
    let mut errors = FieldErrors::new();
    let component = match field(fields, "component") {
        "" => None,
        raw => match raw.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| components.get(i)) {
            Some(name) => Some((*name).to_owned()),
            None => {
                errors.add("component", "Choose one of the core components, or something else");
                None
            }
        },
    };
    let what = required_text(&mut errors, "what", field(fields, "what"), "what you changed", MAX_PART_CHARS);
    screened(&mut errors, "what", &what);
    let why = required_text(&mut errors, "why", field(fields, "why"), "why you changed it", MAX_PART_CHARS);
    screened(&mut errors, "why", &why);
    errors.into_result(|| Adaptation { component, what, why })
}

/// One fidelity check as answered: whether each core component is in place, with a note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FidelityCheck {
    pub in_place: Vec<(String, bool)>,
    pub note: Option<String>,
}

impl FidelityCheck {
    /// The share of core components in place, 0 to 100.
    pub fn percent(&self) -> u32 {
        let total = self.in_place.len();
        if total == 0 {
            return 0;
        }
        let kept = self.in_place.iter().filter(|(_, yes)| *yes).count();
        // Rounded half up: 2 of 3 is 67 %.
        u32::try_from((kept * 200 + total) / (total * 2)).unwrap_or(100)
    }
}

/// Reads a fidelity check: `core-N-in-place` is "yes" or "no" for every core component the site
/// answered for when it adopted (`components`, in the package's order).
///
/// # Errors
/// A component not answered, or a note too long or with what looks like a patient identifier.
pub fn parse_fidelity(fields: &[(String, String)], components: &[&str]) -> Result<FidelityCheck, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut in_place = Vec::new();
    for (component, key) in components.iter().zip(FIDELITY_FIELDS) {
        match field(fields, key) {
            "yes" => in_place.push(((*component).to_owned(), true)),
            "no" => in_place.push(((*component).to_owned(), false)),
            _ => errors.add(key, format!("Say whether {component} is in place")),
        }
    }
    let note = optional_text(&mut errors, "note", field(fields, "note"), "the note", MAX_PART_CHARS);
    screened(&mut errors, "note", field(fields, "note"));
    errors.into_result(|| FidelityCheck { in_place, note })
}

/// How many points to collect before the change starts at a new site: the Making Data Count minimum
/// for calculating limits, so that the site's own baseline can judge its own change.
pub fn baseline_points() -> usize {
    kindling_spc::Options::preset(kindling_spc::Preset::Mdc, kindling_spc::Chart::Xmr).minimum_points
}

/// The largest resource a package may hold: 20 MiB, enough for a slide deck with pictures.
pub const MAX_RESOURCE_BYTES: usize = 20 * 1024 * 1024;

/// The kinds of file a package may hold. Each is recognised by its first bytes as well as its name,
/// and always served with its fixed content type as an attachment, never rendered inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    Pdf,
    Word,
    Excel,
    PowerPoint,
    Png,
    Jpeg,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 6] = [Self::Pdf, Self::Word, Self::Excel, Self::PowerPoint, Self::Png, Self::Jpeg];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Word => "word",
            Self::Excel => "excel",
            Self::PowerPoint => "powerpoint",
            Self::Png => "png",
            Self::Jpeg => "jpeg",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Word => "Word document",
            Self::Excel => "Excel workbook",
            Self::PowerPoint => "PowerPoint presentation",
            Self::Png => "PNG image",
            Self::Jpeg => "JPEG image",
        }
    }

    /// The content type it is always served with, whatever the uploader's browser said.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Word => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Excel => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::PowerPoint => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Pdf => &["pdf"],
            Self::Word => &["docx"],
            Self::Excel => &["xlsx"],
            Self::PowerPoint => &["pptx"],
            Self::Png => &["png"],
            Self::Jpeg => &["jpg", "jpeg"],
        }
    }

    /// Whether `head`, the file's first bytes, is what this kind starts with. Office files are zip
    /// archives (ECMA-376 Open Packaging), so their contents are told apart by name only.
    fn starts(self, head: &[u8]) -> bool {
        match self {
            Self::Pdf => head.starts_with(b"%PDF-"),
            Self::Word | Self::Excel | Self::PowerPoint => head.starts_with(b"PK\x03\x04"),
            Self::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
            Self::Jpeg => head.starts_with(b"\xff\xd8\xff"),
        }
    }
}

/// What kind of resource a file is, from its name and its first bytes, which must agree.
///
/// # Errors
/// The message to show: an empty file, one over [`MAX_RESOURCE_BYTES`], a kind not accepted, or
/// contents that are not what the name says.
pub fn resource_kind(file_name: &str, size: usize, head: &[u8]) -> Result<ResourceKind, String> {
    if size == 0 {
        return Err("The file is empty: choose the file again".to_owned());
    }
    if size > MAX_RESOURCE_BYTES {
        return Err("The file is larger than 20 MB: make it smaller, or link to it instead".to_owned());
    }
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let Some(kind) = ResourceKind::ALL.into_iter().find(|k| k.extensions().contains(&extension.as_str())) else {
        return Err(
            "Upload a PDF, a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx), or a PNG or JPEG image".to_owned()
        );
    };
    if !kind.starts(head) {
        return Err(format!("The file is called .{extension} but its contents are not a {}", kind.label()));
    }
    Ok(kind)
}

/// A resource's title and description as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResourceForm {
    pub title: String,
    pub description: String,
}

impl ResourceForm {
    /// # Errors
    /// A missing title, text too long, or what looks like a patient identifier.
    pub fn parse(&self) -> Result<(String, Option<String>), FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = required_text(&mut errors, "title", &self.title, "a title for the file", 150);
        screened(&mut errors, "title", &title);
        let description =
            optional_text(&mut errors, "description", &self.description, "the description", MAX_PART_CHARS);
        screened(&mut errors, "description", &self.description);
        errors.into_result(|| (title, description))
    }
}

/// Where a site's baseline stands: how many points it has before its change started (the first phase
/// break; all of them while there is none) against [`baseline_points`]. `None` once it is enough.
pub fn baseline_note(
    periods: &[crate::initiatives::CivilDate],
    change_starts: Option<crate::initiatives::CivilDate>,
) -> Option<String> {
    let before = periods.iter().filter(|p| change_starts.is_none_or(|start| **p < start)).count();
    let wanted = baseline_points();
    (before < wanted).then(|| match (before, change_starts) {
        (0, None) => format!("No baseline yet: collect {wanted} points before the change starts here."),
        (n, None) => format!("Baseline so far: {n} of {wanted} points; keep collecting before the change starts here."),
        (n, Some(_)) => format!(
            "The change started after {n} baseline point{}, fewer than {wanted}: judge it as a run chart until more data come in.",
            if n == 1 { "" } else { "s" }
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn places() -> Vec<String> {
        vec!["Northfield General Hospital".into(), "Ward 7 (Acute Medicine)".into()]
    }

    fn falls_form() -> Vec<(String, String)> {
        fields(&[
            ("summary", "One member of staff is always tagged into each bay of patients at high risk of falls."),
            ("share", "hub"),
            ("core-1-name", "A named person in the bay at all times"),
            ("core-1-why", "Most falls happen when nobody is watching"),
            ("core-1-check", "Spot checks find a tagged person in every bay"),
            ("core-2-name", "Handover before leaving the bay"),
            ("core-2-why", "Gaps open at breaks"),
            ("core-2-check", "The tag is passed on, never dropped"),
            ("adaptable-1-name", "How the tag is shown"),
            ("adaptable-1-examples", "A lanyard, a whiteboard, a wristband"),
            ("guide", "Agree the bays\n\nTrain the team\n"),
        ])
    }

    #[test]
    fn a_package_keeps_its_parts_in_order_and_skips_empty_slots() {
        let package = PackageForm::from_fields(&falls_form()).parse(&places()).unwrap();
        assert_eq!(package.core.len(), 2);
        assert_eq!(package.core[1].name, "Handover before leaving the bay");
        assert_eq!(
            package.adaptable,
            vec![AdaptablePart {
                name: "How the tag is shown".into(),
                examples: "A lanyard, a whiteboard, a wristband".into()
            }]
        );
        assert_eq!(package.guide, vec!["Agree the bays", "Train the team"]);
        assert!(package.shared_with_hub);
        // Round trip through the form shows the same package.
        assert_eq!(PackageForm::from_package(&package).parse(&places()).unwrap(), package);
    }

    #[test]
    fn a_package_without_a_core_component_or_with_half_a_component_is_refused() {
        let mut form = PackageForm::from_fields(&fields(&[("summary", "A change"), ("share", "hub")]));
        let errors = form.parse(&places()).unwrap_err();
        assert!(errors.for_field("core-1-name").unwrap().contains("at least one core component"));
        form.core[2] = ["Tagging".into(), String::new(), String::new()];
        let errors = form.parse(&places()).unwrap_err();
        assert_eq!(errors.for_field("core-3-why"), Some("Enter why it matters"));
        assert_eq!(errors.for_field("core-3-check"), Some("Enter how to tell it is in place"));
        assert_eq!(errors.for_field("core-1-name"), None);
    }

    #[test]
    fn a_package_may_not_name_the_originating_place_or_a_patient() {
        let mut pairs = falls_form();
        pairs[0].1 = "Bay tagging cut falls on ward 7.".into();
        let mut form = PackageForm::from_fields(&pairs);
        form.core[0][2] = "Mrs Jones was never alone".into();
        let errors = form.parse(&places()).unwrap_err();
        assert!(errors.for_field("summary").unwrap().contains("names Ward 7 (Acute Medicine)"));
        assert!(errors.for_field("core-1-check").unwrap().contains("looks like"));
    }

    #[test]
    fn a_place_is_matched_as_whole_words_only() {
        let places = places();
        assert_eq!(named_place("Tried on WARD 7 first", &places), Some("Ward 7 (Acute Medicine)"));
        assert_eq!(named_place("Tried on Ward 70 first", &places), None);
        assert_eq!(named_place("Tried on Ward 7", &places), Some("Ward 7 (Acute Medicine)"));
        assert_eq!(named_place("Tried at northfield general hospital.", &places), Some("Northfield General Hospital"));
        assert_eq!(named_place("Tried in Northfield", &places), None);
    }

    #[test]
    fn relocating_replaces_every_mention_with_the_adopting_site() {
        assert_eq!(
            relocate("Inpatient falls on Ward 7 and ward 7 annexe reported", &places(), "Riverside House Care Home"),
            "Inpatient falls on Riverside House Care Home and Riverside House Care Home annexe reported"
        );
        assert_eq!(relocate("Falls per 1,000 bed days", &places(), "here"), "Falls per 1,000 bed days");
        assert_eq!(relocate("Ward 7 (Acute Medicine) only", &places(), "here"), "here only");
    }

    #[test]
    fn changes_name_what_an_adopter_must_look_at() {
        let before = PackageForm::from_fields(&falls_form()).parse(&places()).unwrap();
        let mut after = before.clone();
        after.core[1].check = "The tag is passed on at every break".into();
        after.core.remove(0);
        after.adaptable.push(AdaptablePart { name: "Who is tagged".into(), examples: "A volunteer".into() });
        assert_eq!(
            changes(&before, &after),
            vec![
                "Core component changed: Handover before leaving the bay.",
                "Core component removed: A named person in the bay at all times.",
                "Adaptable part added: Who is tagged.",
            ]
        );
        assert!(changes(&before, &before).is_empty());
    }

    #[test]
    fn an_adoption_answers_every_core_component_and_explains_each_adaptation() {
        let package = PackageForm::from_fields(&falls_form()).parse(&places()).unwrap();
        let errors = AdoptionForm::from_fields(&fields(&[
            ("title", "Bay tagging in the care home"),
            ("local_context", "A 40-bed care home"),
            ("core-1-choice", "adapted"),
        ]))
        .parse(&package)
        .unwrap_err();
        assert_eq!(
            errors.for_field("core-1-reason"),
            Some("Enter why you will adapt A named person in the bay at all times")
        );
        assert_eq!(
            errors.for_field("core-2-choice"),
            Some("Say whether you keep Handover before leaving the bay as it is or adapt it")
        );
        let plan = AdoptionForm::from_fields(&fields(&[
            ("title", "Bay tagging in the care home"),
            ("local_context", "A 40-bed care home"),
            ("core-1-choice", "adapted"),
            ("core-1-reason", "Lounges, not bays: a carer is tagged to each lounge"),
            ("core-2-choice", "kept"),
        ]))
        .parse(&package)
        .unwrap();
        assert_eq!(plan.flagged().count(), 1);
        assert_eq!(plan.kept_text(), "Handover before leaving the bay");
        assert!(plan.adaptations_text().starts_with("A named person in the bay at all times: Lounges"));
        let change = plan.proposed_change(&package);
        assert!(change.contains("- Handover before leaving the bay: kept as it is"));
        assert!(change.contains("adapted, because Lounges"));
    }

    #[test]
    fn fidelity_is_the_share_of_core_components_in_place() {
        let components = ["A named person in the bay at all times", "Handover before leaving the bay"];
        let check =
            parse_fidelity(&fields(&[("core-1-in-place", "yes"), ("core-2-in-place", "no")]), &components).unwrap();
        assert_eq!(check.percent(), 50);
        let errors = parse_fidelity(&fields(&[("core-1-in-place", "yes")]), &components).unwrap_err();
        assert_eq!(
            errors.for_field("core-2-in-place"),
            Some("Say whether Handover before leaving the bay is in place")
        );
        let thirds =
            FidelityCheck { in_place: vec![("a".into(), true), ("b".into(), true), ("c".into(), false)], note: None };
        assert_eq!(thirds.percent(), 67);
    }

    #[test]
    fn the_baseline_asks_for_the_making_data_count_minimum() {
        // MDC: limits are calculated from 15 or more points (NHS England, Making Data Count, 2019).
        assert_eq!(baseline_points(), 15);
    }

    #[test]
    fn a_resource_is_recognised_by_its_name_and_its_first_bytes_together() {
        assert_eq!(resource_kind("Poster.PDF", 10, b"%PDF-1.7\n"), Ok(ResourceKind::Pdf));
        assert_eq!(resource_kind("sop.docx", 10, b"PK\x03\x04rest"), Ok(ResourceKind::Word));
        assert_eq!(resource_kind("photo.jpeg", 10, b"\xff\xd8\xff\xe0"), Ok(ResourceKind::Jpeg));
        assert!(resource_kind("poster.pdf", 0, b"").unwrap_err().contains("empty"));
        assert!(resource_kind("poster.pdf", MAX_RESOURCE_BYTES + 1, b"%PDF-").unwrap_err().contains("20 MB"));
        assert_eq!(resource_kind("poster.pdf", MAX_RESOURCE_BYTES, b"%PDF-"), Ok(ResourceKind::Pdf));
        assert!(resource_kind("page.html", 10, b"<html>").unwrap_err().starts_with("Upload a PDF"));
        assert!(resource_kind("no-extension", 10, b"%PDF-").unwrap_err().starts_with("Upload a PDF"));
        assert_eq!(
            resource_kind("poster.pdf", 10, b"<script>").unwrap_err(),
            "The file is called .pdf but its contents are not a PDF"
        );
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_slug(kind.slug()), Some(kind));
        }
    }

    #[test]
    fn the_baseline_note_counts_the_points_before_the_change_started() {
        use crate::initiatives::CivilDate;
        let months: Vec<CivilDate> = (1..=12).map(|m| CivilDate::new(2026, m, 1).unwrap()).collect();
        assert_eq!(
            baseline_note(&[], None).unwrap(),
            "No baseline yet: collect 15 points before the change starts here."
        );
        assert_eq!(
            baseline_note(&months[..3], None).unwrap(),
            "Baseline so far: 3 of 15 points; keep collecting before the change starts here."
        );
        let started = CivilDate::new(2026, 7, 1);
        assert_eq!(
            baseline_note(&months, started).unwrap(),
            "The change started after 6 baseline points, fewer than 15: judge it as a run chart until more data come in."
        );
        let years: Vec<CivilDate> =
            (0..15).map(|i| CivilDate::new(2020 + i / 12, u8::try_from(i % 12 + 1).unwrap(), 1).unwrap()).collect();
        assert_eq!(baseline_note(&years, None), None);
        assert_eq!(baseline_note(&years, CivilDate::new(2030, 1, 1)), None);
    }

    #[test]
    fn a_logged_adaptation_names_its_component_and_its_reason() {
        let components = ["A named person in the bay at all times", "Handover before leaving the bay"];
        let core = parse_adaptation(
            &fields(&[("component", "2"), ("what", "Handover by radio"), ("why", "The lounges are far apart")]),
            &components,
        )
        .unwrap();
        assert_eq!(core.component.as_deref(), Some("Handover before leaving the bay"));
        assert!(core.flagged());
        let periphery =
            parse_adaptation(&fields(&[("what", "Blue lanyards"), ("why", "Red ones ran out")]), &components).unwrap();
        assert!(!periphery.flagged());
        let errors = parse_adaptation(&fields(&[("component", "3")]), &components).unwrap_err();
        assert_eq!(errors.for_field("component"), Some("Choose one of the core components, or something else"));
        assert_eq!(errors.for_field("what"), Some("Enter what you changed"));
        assert_eq!(errors.for_field("why"), Some("Enter why you changed it"));
    }

    #[test]
    fn wards_are_places_and_departments_are_services() {
        for ward in ["Ward 7 (Acute Medicine)", "Rowan Ward (Rehabilitation)", "Bay 3"] {
            assert!(unit_is_a_place(ward), "{ward}");
        }
        for service in ["Pharmacy", "Emergency Department", "Outpatients", "Residential floor", "Award office (Ward 9)"]
        {
            assert!(!unit_is_a_place(service), "{service}");
        }
    }
}
