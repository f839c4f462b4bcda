//! Mentorship programmes: what a programme is for and how it matches, who takes part, and the
//! relationships that follow a published round (goals, sessions, private notes, feedback, closure).
//!
//! Matching itself is [`kindling_matching::round`]; this module turns people's answers into the
//! profiles, weights and rules it needs, and checks everything a person types.

pub mod applications;
pub mod imports;
pub mod meetings;
pub mod outcomes;
pub mod relationships;

use std::collections::{BTreeMap, BTreeSet};

use kindling_matching::profiles::{ProfessionRule, Profile, Rules, Track, Weights};
use serde::{Deserialize, Serialize};

use crate::initiatives::CivilDate;
use crate::people::slug_enum;
use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, optional_text, required_text};

slug_enum!(
    /// What a programme is for.
    Objective, "programme objective" {
        PatientSafety = ("patient-safety", "Patient safety"),
        Leadership = ("leadership", "Leadership"),
        Innovation = ("innovation", "Innovation and improvement"),
        Reverse = ("reverse", "Digital skills and reverse mentoring"),
        Preceptorship = ("preceptorship", "Preceptorship"),
    }
);

slug_enum!(
    /// How often pairs are expected to meet.
    Frequency, "meeting frequency" {
        Weekly = ("weekly", "Every week"),
        Fortnightly = ("fortnightly", "Every two weeks"),
        Monthly = ("monthly", "Every month"),
    }
);

slug_enum!(
    /// Which side of a pair a participant is on.
    Side, "participant side" {
        Mentee = ("mentee", "Mentee"),
        Mentor = ("mentor", "Mentor"),
    }
);

slug_enum!(
    /// Where a match has got to. Declined matches send the mentee back to the pool.
    MatchStatus, "match status" {
        Offered = ("offered", "Waiting for an answer"),
        Active = ("active", "Active"),
        Declined = ("declined", "Declined"),
        Closed = ("closed", "Closed"),
    }
);

slug_enum!(
    /// How a session was held.
    SessionMode, "session mode" {
        InPerson = ("in-person", "In person"),
        Video = ("video", "Video call"),
        Phone = ("phone", "Telephone"),
    }
);

slug_enum!(
    /// A matching round's state: proposed rounds are reviewed, one of them published.
    RoundStatus, "round status" {
        Proposed = ("proposed", "Proposed"),
        Published = ("published", "Published"),
        Superseded = ("superseded", "Superseded"),
    }
);

/// Goal attainment scaling: where a goal ended up against what was expected (Kiresuk and Sherman).
pub const ATTAINMENT: [(i8, &str); 5] = [
    (-2, "Much less than expected"),
    (-1, "Somewhat less than expected"),
    (0, "As expected"),
    (1, "Somewhat more than expected"),
    (2, "Much more than expected"),
];

pub fn attainment_label(level: i8) -> &'static str {
    ATTAINMENT.iter().find(|(l, _)| *l == level).map_or("Not yet rated", |(_, label)| label)
}

/// The answers of the feedback questionnaire, from 1 to 5.
pub const AGREEMENT: [(u8, &str); 5] =
    [(1, "Strongly disagree"), (2, "Disagree"), (3, "Neither agree nor disagree"), (4, "Agree"), (5, "Strongly agree")];

/// The questionnaire a new programme starts with: short, about the relationship and its effect.
pub const DEFAULT_QUESTIONS: [&str; 4] = [
    "Our meetings were a good use of my time",
    "I felt able to speak openly",
    "We are making progress on the goals we agreed",
    "I would recommend this programme to a colleague",
];

/// When feedback is asked for.
pub const FEEDBACK_POINTS: [(&str, &str); 3] =
    [("first-month", "After the first month"), ("midpoint", "Halfway through"), ("closure", "At closure")];

pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_TAGS: usize = 12;
pub const MAX_GRADE: u8 = 20;
pub const MAX_CAPACITY: u32 = 20;

/// Everything about a programme besides its name and objective, stored together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Who can take part, in the programme's words.
    pub eligibility: String,
    /// The professions a mentee may have, normalised (empty: any). Enforced at enrolment, with the
    /// grades below, so that the words above are not the only guard.
    #[serde(default)]
    pub mentee_professions: Vec<String>,
    /// The lowest and highest grade or band a mentee may have (inclusive), if the programme limits it.
    #[serde(default)]
    pub mentee_grades: Option<(u8, u8)>,
    pub duration_months: u32,
    pub frequency: Frequency,
    /// Protected time per meeting, in minutes.
    pub protected_minutes: u32,
    pub profession_rule: String,
    pub same_site_only: bool,
    pub require_shared_availability: bool,
    /// Training a mentor must have on record to be matched (empty: none required).
    pub required_training: String,
    pub weights: WeightSettings,
    pub questions: Vec<String>,
    /// Whether staff may apply to join (issue 19 §3); settings stored before it read as closed.
    #[serde(default)]
    pub applications_open: bool,
    /// What an applicant is asked, besides their profile (may be none).
    #[serde(default)]
    pub application_questions: Vec<String>,
    /// Whether each mentee chooses their mentor from a shortlist of up to three (issue 19 §3) instead
    /// of accepting or declining the one the round chose; settings stored before it read as no.
    #[serde(default)]
    pub mentees_choose: bool,
}

/// The criterion weights, as stored and as edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightSettings {
    pub shared_goal: i64,
    pub same_learning_style: i64,
    pub same_site: i64,
    pub different_profession: i64,
    pub shared_slot: i64,
    pub ideal_grade_gap: u8,
    pub grade_gap_penalty: i64,
}

impl Default for WeightSettings {
    fn default() -> Self {
        let w = Weights::default();
        WeightSettings {
            shared_goal: w.shared_goal,
            same_learning_style: w.same_learning_style,
            same_site: w.same_site,
            different_profession: w.different_profession,
            shared_slot: w.shared_slot,
            ideal_grade_gap: w.ideal_grade_gap,
            grade_gap_penalty: w.grade_gap_penalty,
        }
    }
}

impl Settings {
    pub fn weights(&self) -> Weights {
        let w = &self.weights;
        Weights {
            shared_goal: w.shared_goal,
            same_learning_style: w.same_learning_style,
            same_site: w.same_site,
            different_profession: w.different_profession,
            shared_slot: w.shared_slot,
            ideal_grade_gap: w.ideal_grade_gap,
            grade_gap_penalty: w.grade_gap_penalty,
            // Enough that the largest grade-gap penalty never takes an eligible pair below zero.
            base: 20 + w.grade_gap_penalty * i64::from(MAX_GRADE),
        }
    }

    /// Why `draft` may not join as a mentee, by field (nothing for a mentor: anyone may mentor).
    pub fn mentee_eligibility(&self, draft: &ParticipantDraft) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if draft.side != Side::Mentee {
            return errors;
        }
        let profession = normalise_list(&draft.profession, &[]).into_iter().next().unwrap_or_default();
        if !self.mentee_professions.is_empty() && !self.mentee_professions.contains(&profession) {
            errors.add(
                "profession",
                format!(
                    "This programme takes mentees who are {}: {} is not one of them",
                    self.mentee_professions.join(", "),
                    draft.profession
                ),
            );
        }
        if let Some((lowest, highest)) = self.mentee_grades
            && !(lowest..=highest).contains(&draft.grade)
        {
            errors.add(
                "grade",
                format!(
                    "This programme takes mentees in grades or bands {lowest} to {highest}: {} is not",
                    draft.grade
                ),
            );
        }
        errors
    }

    /// The hard rules, with the round's overrides.
    pub fn rules(&self, must_pair: Vec<(String, String)>, must_not_pair: Vec<(String, String)>) -> Rules {
        Rules {
            profession: match self.profession_rule.as_str() {
                "same" => ProfessionRule::Same,
                "different" => ProfessionRule::Different,
                _ => ProfessionRule::Any,
            },
            same_site_only: self.same_site_only,
            require_shared_availability: self.require_shared_availability,
            must_pair,
            must_not_pair,
        }
    }
}

pub const PROFESSION_RULES: [(&str, &str); 3] = [
    ("any", "Any profession"),
    ("same", "Same profession only"),
    ("different", "A different profession only (cross-functional)"),
];

/// The programme form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgrammeForm {
    pub name: String,
    pub objective: String,
    pub eligibility: String,
    /// Professions a mentee may have, separated by commas (empty: any).
    pub mentee_professions: String,
    pub mentee_lowest_grade: String,
    pub mentee_highest_grade: String,
    pub duration_months: String,
    pub frequency: String,
    pub protected_minutes: String,
    pub profession_rule: String,
    pub same_site_only: String,
    pub require_shared_availability: String,
    pub required_training: String,
    pub shared_goal: String,
    pub same_learning_style: String,
    pub same_site: String,
    pub different_profession: String,
    pub shared_slot: String,
    pub ideal_grade_gap: String,
    pub grade_gap_penalty: String,
    /// One question per line.
    pub questions: String,
    /// "yes" when staff may apply to join.
    pub applications_open: String,
    /// What applicants are asked, one question per line (may be empty).
    pub application_questions: String,
    /// "yes" when each mentee chooses from a shortlist.
    pub mentees_choose: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProgrammeDraft {
    pub name: String,
    pub objective: Objective,
    pub settings: Settings,
}

fn whole(
    errors: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    label: &str,
    range: std::ops::RangeInclusive<i64>,
) -> i64 {
    match raw.trim().parse::<i64>() {
        Ok(v) if range.contains(&v) => v,
        _ => {
            errors.add(field, format!("Enter {label} as a whole number from {} to {}", range.start(), range.end()));
            *range.start()
        }
    }
}

impl ProgrammeForm {
    /// A new programme's form: the default weights and questionnaire filled in.
    pub fn new_programme() -> Self {
        Self::from_draft(&ProgrammeDraft {
            name: String::new(),
            objective: Objective::Leadership,
            settings: Settings {
                eligibility: String::new(),
                mentee_professions: Vec::new(),
                mentee_grades: None,
                duration_months: 6,
                frequency: Frequency::Monthly,
                protected_minutes: 60,
                profession_rule: "any".into(),
                same_site_only: false,
                require_shared_availability: false,
                required_training: String::new(),
                weights: WeightSettings::default(),
                questions: DEFAULT_QUESTIONS.iter().map(|q| (*q).to_owned()).collect(),
                applications_open: false,
                application_questions: Vec::new(),
                mentees_choose: false,
            },
        })
    }

    pub fn from_draft(d: &ProgrammeDraft) -> Self {
        let s = &d.settings;
        let w = &s.weights;
        let yes = |b: bool| if b { "yes".to_owned() } else { String::new() };
        ProgrammeForm {
            name: d.name.clone(),
            objective: d.objective.slug().into(),
            eligibility: s.eligibility.clone(),
            mentee_professions: s.mentee_professions.join(", "),
            mentee_lowest_grade: s.mentee_grades.map(|g| g.0.to_string()).unwrap_or_default(),
            mentee_highest_grade: s.mentee_grades.map(|g| g.1.to_string()).unwrap_or_default(),
            duration_months: s.duration_months.to_string(),
            frequency: s.frequency.slug().into(),
            protected_minutes: s.protected_minutes.to_string(),
            profession_rule: s.profession_rule.clone(),
            same_site_only: yes(s.same_site_only),
            require_shared_availability: yes(s.require_shared_availability),
            required_training: s.required_training.clone(),
            shared_goal: w.shared_goal.to_string(),
            same_learning_style: w.same_learning_style.to_string(),
            same_site: w.same_site.to_string(),
            different_profession: w.different_profession.to_string(),
            shared_slot: w.shared_slot.to_string(),
            ideal_grade_gap: w.ideal_grade_gap.to_string(),
            grade_gap_penalty: w.grade_gap_penalty.to_string(),
            questions: s.questions.join("\n"),
            applications_open: yes(s.applications_open),
            application_questions: s.application_questions.join("\n"),
            mentees_choose: yes(s.mentees_choose),
        }
    }

    /// # Errors
    /// Keyed by field: missing or over-long text, an unknown choice, numbers out of range, a
    /// questionnaire with no question or more than ten.
    pub fn parse(&self) -> Result<ProgrammeDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = required_text(&mut errors, "name", &self.name, "a name for the programme", 120);
        let objective = self.objective.parse::<Objective>().ok();
        if objective.is_none() {
            errors.add("objective", "Choose what the programme is for");
        }
        let eligibility =
            required_text(&mut errors, "eligibility", &self.eligibility, "who can take part", MAX_TEXT_CHARS);
        let mentee_professions: Vec<String> = normalise_list(&self.mentee_professions, &[',']).into_iter().collect();
        let grades = 1..=i64::from(MAX_GRADE);
        let mentee_grades = match (self.mentee_lowest_grade.trim(), self.mentee_highest_grade.trim()) {
            ("", "") => None,
            (low, high) => {
                let lowest =
                    whole(&mut errors, "mentee_lowest_grade", low, "the lowest grade or band", grades.clone()) as u8;
                let highest =
                    whole(&mut errors, "mentee_highest_grade", high, "the highest grade or band", grades) as u8;
                if lowest > highest {
                    errors.add("mentee_highest_grade", "The highest grade must be the same as the lowest, or above it");
                }
                Some((lowest, highest))
            }
        };
        let duration = whole(&mut errors, "duration_months", &self.duration_months, "the length in months", 1..=36);
        let frequency = self.frequency.parse::<Frequency>().ok();
        if frequency.is_none() {
            errors.add("frequency", "Choose how often pairs meet");
        }
        let protected =
            whole(&mut errors, "protected_minutes", &self.protected_minutes, "the protected time in minutes", 0..=480);
        if !PROFESSION_RULES.iter().any(|(slug, _)| *slug == self.profession_rule) {
            errors.add("profession_rule", "Choose which professions may be paired");
        }
        let required_training =
            optional_text(&mut errors, "required_training", &self.required_training, "the required training", 200)
                .unwrap_or_default();
        let points = 0..=100;
        let weights = WeightSettings {
            shared_goal: whole(
                &mut errors,
                "shared_goal",
                &self.shared_goal,
                "the points per shared goal",
                points.clone(),
            ),
            same_learning_style: whole(
                &mut errors,
                "same_learning_style",
                &self.same_learning_style,
                "the points for the same learning style",
                points.clone(),
            ),
            same_site: whole(&mut errors, "same_site", &self.same_site, "the points for the same site", points.clone()),
            different_profession: whole(
                &mut errors,
                "different_profession",
                &self.different_profession,
                "the points for a different profession",
                points.clone(),
            ),
            shared_slot: whole(
                &mut errors,
                "shared_slot",
                &self.shared_slot,
                "the points per shared free time",
                points.clone(),
            ),
            ideal_grade_gap: whole(&mut errors, "ideal_grade_gap", &self.ideal_grade_gap, "the ideal grade gap", 0..=10)
                as u8,
            grade_gap_penalty: whole(
                &mut errors,
                "grade_gap_penalty",
                &self.grade_gap_penalty,
                "the points lost per grade away from the ideal",
                0..=20,
            ),
        };
        let questions: Vec<String> =
            self.questions.lines().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned).collect();
        if questions.is_empty() || questions.len() > 10 {
            errors.add("questions", "Enter from 1 to 10 feedback questions, one per line");
        } else if questions.iter().any(|q| q.chars().count() > 200) {
            errors.add("questions", "Each question must be 200 characters or fewer");
        }
        let application_questions: Vec<String> =
            self.application_questions.lines().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned).collect();
        if application_questions.len() > applications::MAX_APPLICATION_QUESTIONS {
            errors.add("application_questions", "Ask at most 10 questions of applicants, one per line");
        } else if application_questions.iter().any(|q| q.chars().count() > 200) {
            errors.add("application_questions", "Each question must be 200 characters or fewer");
        }
        match (objective, frequency) {
            (Some(objective), Some(frequency)) => errors.into_result(|| ProgrammeDraft {
                name,
                objective,
                settings: Settings {
                    eligibility,
                    mentee_professions,
                    mentee_grades,
                    duration_months: duration as u32,
                    frequency,
                    protected_minutes: protected as u32,
                    profession_rule: self.profession_rule.clone(),
                    same_site_only: self.same_site_only == "yes",
                    require_shared_availability: self.require_shared_availability == "yes",
                    required_training,
                    weights,
                    questions,
                    applications_open: self.applications_open == "yes",
                    application_questions,
                    mentees_choose: self.mentees_choose == "yes",
                },
            }),
            _ => Err(errors),
        }
    }
}

/// A participant as entered on the enrolment form or read from a CSV row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParticipantForm {
    pub side: String,
    /// Staff number or email: what CSV files and line managers refer to.
    pub reference: String,
    pub name: String,
    pub email: String,
    pub profession: String,
    pub grade: String,
    pub site: String,
    pub unit: String,
    /// Expertise for mentors, goals for mentees: separated by commas (semicolons in CSV files).
    pub tags: String,
    pub learning_style: String,
    /// Free times such as `mon-am`, separated like tags.
    pub availability: String,
    pub capacity: String,
    /// The reference of the person's line manager, if known: never paired with them.
    pub line_manager: String,
    /// "reverse" for reverse mentoring; standard otherwise.
    pub track: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParticipantDraft {
    pub side: Side,
    pub reference: String,
    pub name: String,
    pub email: Option<String>,
    pub profession: String,
    pub grade: u8,
    pub site: String,
    pub unit: String,
    pub tags: BTreeSet<String>,
    pub learning_style: String,
    pub availability: BTreeSet<String>,
    pub capacity: u32,
    pub line_manager: String,
    pub reverse: bool,
}

pub const LEARNING_STYLES: [(&str, &str); 4] = [
    ("", "No preference"),
    ("conversation", "Conversation and reflection"),
    ("shadowing", "Shadowing and seeing it done"),
    ("structured", "Structured reading and tasks"),
];

/// The days and parts of a day a free time is made of, like `mon-am`.
const DAYS: [(&str, &str); 7] = [
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
];
const DAY_PARTS: [(&str, &str); 3] = [("am", "morning"), ("pm", "afternoon"), ("eve", "evening")];

/// A normalised free time in its short form (`thursday-afternoon` is `thu-pm`), or `None` if it is not
/// a day and a part of the day: free times are compared with each other, so "someday" would never
/// match anyone and is refused rather than kept.
/// The account profession for a participant invited to Kindling, from the profession their enrolment
/// gives (free text from a file or a form, usually a slug): the account's own list where it matches,
/// the long spellings files use for two of them, and "Other" for the rest (the person can change it).
pub fn account_profession(enrolled: &str) -> crate::people::Profession {
    use crate::people::Profession;
    let text = enrolled.trim().to_lowercase();
    match text.as_str() {
        "allied-health-professional" | "allied health professional" => Profession::AlliedHealthProfessional,
        "healthcare-scientist" | "healthcare scientist" => Profession::HealthcareScientist,
        other => other.parse().unwrap_or(Profession::Other),
    }
}

pub fn free_time(slot: &str) -> Option<String> {
    let (day, part) = slot.split_once('-')?;
    let day = DAYS.iter().find(|(short, long)| day == *short || day == *long)?.0;
    let part = DAY_PARTS.iter().find(|(short, long)| part == *short || part == *long)?.0;
    Some(format!("{day}-{part}"))
}

/// Lower-case words and hyphens: how tags and free times are compared.
fn normalise_list(raw: &str, separators: &[char]) -> BTreeSet<String> {
    raw.split(separators)
        .map(|t| t.trim().to_lowercase().split_whitespace().collect::<Vec<_>>().join("-"))
        .filter(|t| !t.is_empty())
        .collect()
}

impl ParticipantForm {
    /// # Errors
    /// Keyed by field. `separators` are how lists are split: commas on the form, semicolons in CSV.
    pub fn parse_with(&self, separators: &[char]) -> Result<ParticipantDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let side = self.side.trim().parse::<Side>().ok();
        if side.is_none() {
            errors.add("side", "Choose mentor or mentee");
        }
        let reference = required_text(&mut errors, "reference", &self.reference, "a staff number or email", 80);
        let name = required_text(&mut errors, "name", &self.name, "the person's name", 120);
        let email = optional_text(&mut errors, "email", &self.email, "the email address", 200);
        if let Some(e) = &email
            && crate::people::Email::parse(e).is_err()
        {
            errors.add("email", "Enter an email address in the correct format, like name@example.nhs.uk");
        }
        let profession =
            required_text(&mut errors, "profession", &self.profession, "the profession", 60).to_lowercase();
        let grade = whole(&mut errors, "grade", &self.grade, "the grade or band", 1..=i64::from(MAX_GRADE)) as u8;
        let site = required_text(&mut errors, "site", &self.site, "the site", 120);
        let unit = optional_text(&mut errors, "unit", &self.unit, "the unit", 120).unwrap_or_default();
        let tags = normalise_list(&self.tags, separators);
        if tags.is_empty() {
            let what = if side == Some(Side::Mentor) { "areas of expertise" } else { "goals" };
            errors.add("tags", format!("Enter at least one of the person's {what}"));
        } else if tags.len() > MAX_TAGS {
            errors.add("tags", format!("Enter at most {MAX_TAGS} tags"));
        }
        let learning_style = self.learning_style.trim().to_lowercase();
        if !LEARNING_STYLES.iter().any(|(slug, _)| *slug == learning_style) {
            errors.add("learning_style", "Choose a learning style, or no preference");
        }
        let mut availability = BTreeSet::new();
        for slot in normalise_list(&self.availability, separators) {
            match free_time(&slot) {
                Some(short) => {
                    availability.insert(short);
                }
                None => {
                    errors.add(
                        "availability",
                        format!(
                            "\"{slot}\" is not a free time: write a day and a part of the day, like mon-am, thu-pm or wed-eve"
                        ),
                    );
                    break;
                }
            }
        }
        let capacity = if side == Some(Side::Mentor) {
            whole(
                &mut errors,
                "capacity",
                &self.capacity,
                "how many mentees they can take",
                1..=i64::from(MAX_CAPACITY),
            ) as u32
        } else {
            0
        };
        let line_manager = self.line_manager.trim().to_owned();
        if !line_manager.is_empty() && line_manager == reference {
            errors.add("line_manager", "A person cannot be their own line manager");
        }
        let reverse = match self.track.trim() {
            "" | "standard" => false,
            "reverse" => true,
            _ => {
                errors.add("track", "Choose standard or reverse mentoring");
                false
            }
        };
        match side {
            Some(side) => errors.into_result(|| ParticipantDraft {
                side,
                reference,
                name,
                email,
                profession,
                grade,
                site,
                unit,
                tags,
                learning_style,
                availability,
                capacity,
                line_manager,
                reverse,
            }),
            None => Err(errors),
        }
    }

    pub fn parse(&self) -> Result<ParticipantDraft, FieldErrors> {
        self.parse_with(&[','])
    }
}

impl ParticipantDraft {
    /// The matching engine's view of the person.
    pub fn profile(&self) -> Profile {
        Profile {
            id: self.reference.clone(),
            profession: self.profession.clone(),
            grade: self.grade,
            site: self.site.clone(),
            tags: self.tags.clone(),
            learning_style: self.learning_style.clone(),
            availability: self.availability.clone(),
            line_manager: (!self.line_manager.is_empty()).then(|| self.line_manager.clone()),
            track: if self.reverse { Track::Reverse } else { Track::Standard },
            capacity: self.capacity,
        }
    }
}

/// Who is enrolled in a programme, for checking newcomers against. A reference is one person, who
/// may be enrolled on both sides (mentoring someone and mentored by someone else; the matching engine
/// never pairs them with themself); an email address belongs to one reference, so that nobody is
/// enrolled twice under two references and paired with themself unseen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roster {
    enrolled: BTreeSet<(Side, String)>,
    reference_of_email: BTreeMap<String, String>,
}

impl Roster {
    pub fn add(&mut self, side: Side, reference: &str, email: Option<&str>) {
        self.enrolled.insert((side, reference.to_owned()));
        if let Some(email) = email {
            self.reference_of_email.entry(email.to_lowercase()).or_insert_with(|| reference.to_owned());
        }
    }

    /// Whether anyone, on either side, has this reference.
    pub fn knows(&self, reference: &str) -> bool {
        self.enrolled.iter().any(|(_, r)| r == reference)
    }

    /// Whether this reference is enrolled on this side already.
    pub fn is_enrolled(&self, side: Side, reference: &str) -> bool {
        self.enrolled.contains(&(side, reference.to_owned()))
    }

    /// The problems with enrolling `draft` beside the people already here, by field: an email that
    /// belongs to another reference, a line manager nobody has. (A reference already enrolled on the
    /// same side is the store's conflict, checked where it writes.)
    pub fn check(&self, draft: &ParticipantDraft) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if let Some(email) = &draft.email
            && let Some(other) = self.reference_of_email.get(&email.to_lowercase())
            && *other != draft.reference
        {
            errors.add(
                "email",
                format!(
                    "{email} is already enrolled under the reference {other}: use that reference for the same person"
                ),
            );
        }
        if !draft.line_manager.is_empty() && !self.knows(&draft.line_manager) {
            errors.add(
                "line_manager",
                format!(
                    "Nobody in the programme has the reference {}: enrol the line manager first, or leave this empty",
                    draft.line_manager
                ),
            );
        }
        errors
    }
}

/// Why two people were matched, in words a mentee reads before accepting: each criterion of the
/// score's breakdown with what the two share and the points it gave, best first.
pub fn match_reasons(
    mentee: &Profile,
    mentor: &Profile,
    breakdown: &kindling_matching::profiles::Breakdown,
) -> Vec<String> {
    let shared = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
        a.intersection(b).map(|t| t.replace('-', " ")).collect::<Vec<_>>().join(", ")
    };
    let mut parts: Vec<&(&str, i64)> = breakdown.parts.iter().filter(|(name, _)| *name != "base").collect();
    parts.sort_by_key(|(_, points)| std::cmp::Reverse(*points));
    parts
        .into_iter()
        .map(|&(name, points)| {
            let what = match name {
                "shared goals" => format!("Goals the mentor has expertise in: {}", shared(&mentee.tags, &mentor.tags)),
                "learning style" => format!("The same way of learning ({})", mentee.learning_style.replace('-', " ")),
                "same site" => format!("The same site ({})", mentee.site),
                "different profession" => {
                    format!(
                        "Different professions ({} and {}), to share practice",
                        mentee.profession, mentor.profession
                    )
                }
                "shared availability" => {
                    let slots = mentee.availability.intersection(&mentor.availability).cloned().collect::<Vec<_>>();
                    format!("Free times in common: {}", slots.join(", "))
                }
                "grade gap" => {
                    format!("A grade gap away from the programme's ideal (grade {} and {})", mentee.grade, mentor.grade)
                }
                other => other.to_owned(),
            };
            format!("{what} ({points:+} points)")
        })
        .collect()
}

/// Checks a new capacity for a mentor against the mentees they already have.
///
/// # Errors
/// A capacity outside 1 to 20, or below the current load.
pub fn check_capacity(raw: &str, load: u32) -> Result<u32, FieldErrors> {
    let mut errors = FieldErrors::new();
    let capacity = whole(&mut errors, "capacity", raw, "how many mentees they can take", 1..=i64::from(MAX_CAPACITY));
    if errors.is_empty() && (capacity as u32) < load {
        errors.add(
            "capacity",
            format!(
                "This mentor already has {load} place{} taken by mentees offered or active (or held for a mentee choosing their mentor): enter {load} or more, or close a relationship first",
                if load == 1 { "" } else { "s" }
            ),
        );
    }
    errors.into_result(|| capacity as u32)
}

/// Free text written in a relationship: required, bounded, and screened for patient identifiers
/// (notes are private to the pair, but Kindling still holds no patient data).
pub fn screened_text(field: &'static str, raw: &str, label: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = required_text(&mut errors, field, raw, label, MAX_TEXT_CHARS);
    let findings = screen(raw);
    if !findings.is_empty() {
        errors.add(field, format!("Remove what looks like {}", describe(&findings)));
    }
    errors.into_result(|| text)
}

/// A session as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionForm {
    #[serde(rename = "held_day")]
    pub day: String,
    #[serde(rename = "held_month")]
    pub month: String,
    #[serde(rename = "held_year")]
    pub year: String,
    pub minutes: String,
    pub mode: String,
    pub link: String,
    /// "yes" when the time was protected (rostered, not squeezed into a break).
    pub protected: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionDraft {
    pub held_on: CivilDate,
    pub minutes: u32,
    pub mode: SessionMode,
    pub link: Option<String>,
    pub protected: bool,
}

impl SessionForm {
    /// # Errors
    /// A missing or future date, a date before the match `began` (the day it was offered: a
    /// session before it would be counted as held but belong to no month of the relationship), a
    /// length outside 5 to 480 minutes, an unknown mode, or a video link that is not an https address.
    pub fn parse(&self, today: CivilDate, began: CivilDate) -> Result<SessionDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let held_on = match CivilDate::from_parts(&self.day, &self.month, &self.year) {
            Ok(Some(d)) if d > today => {
                errors.add("held", "The date of the session must be today or in the past");
                None
            }
            Ok(Some(d)) if d < began => {
                errors.add(
                    "held",
                    format!("The date of the session must be on or after {}, when this mentoring began", began.long()),
                );
                None
            }
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.add("held", "Enter the date of the session");
                None
            }
            Err(message) => {
                errors.add("held", message);
                None
            }
        };
        let minutes = whole(&mut errors, "minutes", &self.minutes, "the length in minutes", 5..=480) as u32;
        let mode = self.mode.parse::<SessionMode>().ok();
        if mode.is_none() {
            errors.add("mode", "Choose how you met");
        }
        let link = optional_text(&mut errors, "link", &self.link, "the video link", 500);
        if let Some(l) = &link
            && (!l.starts_with("https://") || l.contains(char::is_whitespace))
        {
            errors.add("link", "Enter the video link as a full address starting with https://");
        }
        match (held_on, mode) {
            (Some(held_on), Some(mode)) => errors.into_result(|| SessionDraft {
                held_on,
                minutes,
                mode,
                link: if mode == SessionMode::Video { link } else { None },
                protected: self.protected == "yes",
            }),
            _ => Err(errors),
        }
    }
}

/// A goal's attainment as chosen on the form.
pub fn parse_attainment(raw: &str) -> Result<i8, FieldErrors> {
    let mut errors = FieldErrors::new();
    let level = raw.trim().parse::<i8>().ok().filter(|l| (-2..=2).contains(l));
    if level.is_none() {
        errors.add("attainment", "Choose how far the goal was attained");
    }
    errors.into_result(|| level.unwrap_or(0))
}

/// Feedback answers: one agreement level per question, all required.
///
/// # Errors
/// A point that is not one of [`FEEDBACK_POINTS`], or a question left unanswered.
pub fn parse_feedback(point: &str, answers: &[String], questions: usize) -> Result<Vec<u8>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if !FEEDBACK_POINTS.iter().any(|(slug, _)| *slug == point) {
        errors.add("point", "Choose when this feedback is for");
    }
    let parsed: Vec<Option<u8>> = (0..questions)
        .map(|k| answers.get(k).and_then(|a| a.trim().parse::<u8>().ok()).filter(|a| (1..=5).contains(a)))
        .collect();
    if parsed.iter().any(Option::is_none) {
        errors.add("answers", "Answer every question");
    }
    errors.into_result(|| parsed.into_iter().flatten().collect())
}

/// An answer to an offered match.
///
/// # Errors
/// Answering a match that is not waiting, or declining without a reason.
pub fn answer_offer(
    status: MatchStatus,
    accept: bool,
    reason: &str,
) -> Result<(MatchStatus, Option<String>), FieldErrors> {
    let mut errors = FieldErrors::new();
    if status != MatchStatus::Offered {
        errors.add("answer", "This match has already been answered");
        return Err(errors);
    }
    if accept {
        return Ok((MatchStatus::Active, None));
    }
    let reason = required_text(&mut errors, "reason", reason, "why you are declining", 500);
    errors.into_result(|| (MatchStatus::Declined, Some(reason)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invited_participants_get_the_nearest_account_profession() {
        use crate::people::Profession;
        assert_eq!(account_profession("nurse"), Profession::Nurse);
        assert_eq!(account_profession("allied-health-professional"), Profession::AlliedHealthProfessional);
        assert_eq!(account_profession(" Healthcare-Scientist "), Profession::HealthcareScientist);
        assert_eq!(account_profession("ahp"), Profession::AlliedHealthProfessional);
        assert_eq!(account_profession("porter"), Profession::Other);
    }

    fn mentor_form() -> ParticipantForm {
        ParticipantForm {
            side: "mentor".into(),
            reference: "N1001".into(),
            name: "Ada Brown".into(),
            profession: "Nurse".into(),
            grade: "8".into(),
            site: "Northfield General".into(),
            tags: "Quality improvement, leadership , leadership".into(),
            learning_style: "conversation".into(),
            availability: "mon-am, Thu PM".into(),
            capacity: "2".into(),
            ..ParticipantForm::default()
        }
    }

    #[test]
    fn participant_lists_are_normalised() {
        let draft = mentor_form().parse().unwrap();
        assert_eq!(draft.tags, ["leadership".to_owned(), "quality-improvement".to_owned()].into());
        assert_eq!(draft.availability, ["mon-am".to_owned(), "thu-pm".to_owned()].into());
        assert_eq!(draft.profession, "nurse");
        assert_eq!(draft.profile().capacity, 2);
    }

    #[test]
    fn participant_errors_name_their_fields() {
        let form = ParticipantForm {
            side: "mentor".into(),
            grade: "0".into(),
            capacity: "99".into(),
            ..ParticipantForm::default()
        };
        let errors = form.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["reference", "name", "profession", "grade", "site", "tags", "capacity"]);
    }

    #[test]
    fn capacity_cannot_fall_below_the_current_load() {
        assert_eq!(check_capacity("3", 3), Ok(3));
        let error = check_capacity("1", 2).unwrap_err();
        assert_eq!(
            error.for_field("capacity"),
            Some(
                "This mentor already has 2 places taken by mentees offered or active (or held for a mentee choosing their mentor): enter 2 or more, or close a relationship first"
            )
        );
        assert!(check_capacity("0", 0).is_err());
    }

    #[test]
    fn programme_forms_round_trip_and_check_ranges() {
        let mut form = ProgrammeForm::new_programme();
        form.name = "Leadership mentoring".into();
        form.eligibility = "Band 5 and 6 nurses".into();
        form.mentee_professions = "nurse".into();
        form.mentee_lowest_grade = "5".into();
        form.mentee_highest_grade = "6".into();
        let draft = form.parse().unwrap();
        assert_eq!(ProgrammeForm::from_draft(&draft), form);
        assert_eq!(draft.settings.questions.len(), 4);
        assert_eq!(
            (draft.settings.mentee_professions.clone(), draft.settings.mentee_grades),
            (vec!["nurse".into()], Some((5, 6)))
        );
        // Stored settings from before the eligibility fields read as "anyone may join".
        let mut older = serde_json::to_value(&draft.settings).unwrap();
        older.as_object_mut().unwrap().retain(|k, _| !k.starts_with("mentee_"));
        let read: Settings = serde_json::from_value(older).unwrap();
        assert_eq!((read.mentee_professions.len(), read.mentee_grades), (0, None));
        form.mentee_lowest_grade = "7".into();
        assert_eq!(
            form.parse().unwrap_err().for_field("mentee_highest_grade"),
            Some("The highest grade must be the same as the lowest, or above it")
        );
        form.mentee_lowest_grade = "5".into();
        form.shared_goal = "101".into();
        form.questions = String::new();
        let errors = form.parse().unwrap_err();
        assert_eq!(
            errors.for_field("shared_goal"),
            Some("Enter the points per shared goal as a whole number from 0 to 100")
        );
        assert!(errors.for_field("questions").is_some());
    }

    #[test]
    fn reasons_name_what_the_pair_share_best_first() {
        let mentee = ParticipantForm {
            side: "mentee".into(),
            reference: "E1".into(),
            name: "Ben Cole".into(),
            profession: "Pharmacist".into(),
            grade: "6".into(),
            site: "Northfield General".into(),
            tags: "leadership, quality improvement, research".into(),
            learning_style: "conversation".into(),
            availability: "mon-am, fri-pm".into(),
            ..ParticipantForm::default()
        }
        .parse()
        .unwrap()
        .profile();
        let mentor = mentor_form().parse().unwrap().profile();
        let settings =
            ProgrammeForm { name: "P".into(), eligibility: "Anyone".into(), ..ProgrammeForm::new_programme() }
                .parse()
                .unwrap()
                .settings;
        let b = kindling_matching::profiles::score_pair(
            &mentee,
            &mentor,
            &settings.weights(),
            &settings.rules(vec![], vec![]),
        )
        .unwrap();
        // Two shared goals × 10, the same style 5, the same site 3, different professions 4, one shared
        // slot 2; grades 6 and 8 are the ideal gap of 2, so no penalty line.
        assert_eq!(
            match_reasons(&mentee, &mentor, &b),
            [
                "Goals the mentor has expertise in: leadership, quality improvement (+20 points)",
                "The same way of learning (conversation) (+5 points)",
                "Different professions (pharmacist and nurse), to share practice (+4 points)",
                "The same site (Northfield General) (+3 points)",
                "Free times in common: mon-am (+2 points)",
            ]
        );
    }

    #[test]
    fn the_base_keeps_every_eligible_score_positive() {
        let mut settings = ProgrammeForm::new_programme();
        settings.name = "x".into();
        settings.eligibility = "y".into();
        settings.grade_gap_penalty = "20".into();
        let weights = settings.parse().unwrap().settings.weights();
        // The widest gap is 20 grades from an ideal of 2 (18 away at most within 1..=20).
        assert!(weights.base - 18 * weights.grade_gap_penalty > 0);
    }

    #[test]
    fn sessions_need_a_past_date_and_a_real_link() {
        let today = CivilDate::new(2026, 3, 10).unwrap();
        let began = CivilDate::new(2026, 1, 5).unwrap();
        let form = SessionForm {
            day: "11".into(),
            month: "3".into(),
            year: "2026".into(),
            minutes: "45".into(),
            mode: "video".into(),
            link: "teams link".into(),
            protected: "yes".into(),
        };
        let errors = form.parse(today, began).unwrap_err();
        assert!(errors.for_field("held").is_some());
        assert!(errors.for_field("link").is_some());
        let ok = SessionForm { day: "9".into(), link: "https://meet.example.nhs.uk/x".into(), ..form };
        let draft = ok.parse(today, began).unwrap();
        assert_eq!(draft.minutes, 45);
        assert!(draft.protected);
        // The session of 1 January 2020, long before the match: refused, and so is the day
        // before it began; the day it began is fine.
        let early = SessionForm { day: "1".into(), month: "1".into(), year: "2020".into(), ..ok.clone() };
        assert_eq!(
            early.parse(today, began).unwrap_err().for_field("held"),
            Some("The date of the session must be on or after 5 January 2026, when this mentoring began")
        );
        let eve = SessionForm { day: "4".into(), month: "1".into(), ..ok.clone() };
        assert!(eve.parse(today, began).is_err());
        let first = SessionForm { day: "5".into(), month: "1".into(), ..ok };
        assert!(first.parse(today, began).is_ok());
    }

    #[test]
    fn declining_needs_a_reason_and_only_offers_are_answered() {
        assert_eq!(answer_offer(MatchStatus::Offered, true, ""), Ok((MatchStatus::Active, None)));
        assert!(answer_offer(MatchStatus::Offered, false, " ").is_err());
        assert_eq!(
            answer_offer(MatchStatus::Offered, false, "We work on the same ward"),
            Ok((MatchStatus::Declined, Some("We work on the same ward".into())))
        );
        assert!(answer_offer(MatchStatus::Active, true, "").is_err());
    }

    #[test]
    fn notes_are_screened_for_identifiers() {
        assert!(screened_text("body", "Talked about rota planning", "a note").is_ok());
        let error = screened_text("body", "Patient NHS number 943 476 5919 came up", "a note").unwrap_err();
        assert!(error.for_field("body").unwrap().starts_with("Remove what looks like"));
    }

    #[test]
    fn feedback_needs_every_answer() {
        let answers: Vec<String> = ["5", "4", "3"].iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(parse_feedback("midpoint", &answers, 3), Ok(vec![5, 4, 3]));
        assert!(parse_feedback("midpoint", &answers, 4).is_err());
        assert!(parse_feedback("whenever", &answers, 3).is_err());
    }
}
