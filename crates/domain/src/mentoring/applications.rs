//! Applying to a programme (issue 19 §3): a member of staff asks to join as a mentee, a mentor or both,
//! answering the programme's own questions; the lead approves or declines. An application becomes one
//! participant per side, checked exactly as the lead's enrolment form checks one (eligibility, the
//! roster), so applying is never a way round the programme's rules.

use serde::{Deserialize, Serialize};

use super::{MAX_TEXT_CHARS, ParticipantDraft, ParticipantForm, Settings, Side};
use crate::initiatives::CivilDate;
use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, optional_text, required_text};

/// At most this many application questions a programme may ask.
pub const MAX_APPLICATION_QUESTIONS: usize = 10;

/// What someone applies to be.
pub const ROLES: [(&str, &str); 3] =
    [("mentee", "A mentee"), ("mentor", "A mentor"), ("both", "Both: a mentor to some and a mentee of another")];

/// The application form as typed. Answers are `answer0`, `answer1`, … on the page, one per question.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicationForm {
    /// `mentee`, `mentor` or `both`.
    pub role: String,
    /// A staff number, if the applicant has one to give; otherwise they are known by their email.
    pub staff_number: String,
    pub profession: String,
    pub grade: String,
    pub site: String,
    pub unit: String,
    /// What a mentee wants to work on, separated by commas.
    pub goals: String,
    /// What a mentor can offer, separated by commas.
    pub expertise: String,
    pub learning_style: String,
    pub availability: String,
    /// How many mentees a mentor can take.
    pub capacity: String,
    pub line_manager: String,
    pub track: String,
    pub answers: Vec<String>,
}

/// Who is applying, from their account: an application cannot be made in someone else's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applicant {
    pub name: String,
    pub email: String,
}

/// A checked application: the enrolments it asks for and the answers given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Application {
    pub enrolments: Vec<ParticipantDraft>,
    /// Each question with its answer, in the programme's order.
    pub answers: Vec<(String, String)>,
}

impl ApplicationForm {
    fn sides(&self) -> Option<Vec<Side>> {
        match self.role.trim() {
            "mentee" => Some(vec![Side::Mentee]),
            "mentor" => Some(vec![Side::Mentor]),
            "both" => Some(vec![Side::Mentee, Side::Mentor]),
            _ => None,
        }
    }

    /// The enrolment form this application fills in for one side.
    fn enrolment(&self, applicant: &Applicant, side: Side) -> ParticipantForm {
        let reference = match self.staff_number.trim() {
            "" => applicant.email.clone(),
            number => number.to_owned(),
        };
        ParticipantForm {
            side: side.slug().into(),
            reference,
            name: applicant.name.clone(),
            email: applicant.email.clone(),
            profession: self.profession.clone(),
            grade: self.grade.clone(),
            site: self.site.clone(),
            unit: self.unit.clone(),
            tags: if side == Side::Mentor { self.expertise.clone() } else { self.goals.clone() },
            learning_style: self.learning_style.clone(),
            availability: self.availability.clone(),
            capacity: if side == Side::Mentor { self.capacity.clone() } else { String::new() },
            line_manager: self.line_manager.clone(),
            track: self.track.clone(),
        }
    }

    /// Checks the application against the programme's settings: every field as the enrolment form
    /// checks it, a mentee's eligibility, and an answer to every question (screened for identifiers,
    /// since the lead reads them).
    ///
    /// # Errors
    /// Keyed by this form's fields, each problem once even when both sides share the field.
    pub fn parse(&self, applicant: &Applicant, settings: &Settings) -> Result<Application, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut enrolments = Vec::new();
        match self.sides() {
            None => errors.add("role", "Choose whether you are applying as a mentee, a mentor or both"),
            Some(sides) => {
                for side in sides {
                    match self.enrolment(applicant, side).parse() {
                        Ok(draft) => {
                            add_new(&mut errors, settings.mentee_eligibility(&draft), side);
                            enrolments.push(draft);
                        }
                        Err(found) => add_new(&mut errors, found, side),
                    }
                }
            }
        }
        let mut answers = Vec::new();
        for (k, question) in settings.application_questions.iter().enumerate() {
            let raw = self.answers.get(k).map(String::as_str).unwrap_or_default();
            let field = ANSWER_FIELDS[k];
            match optional_text(&mut errors, field, raw, "your answer", MAX_TEXT_CHARS) {
                None => errors.add(field, format!("Answer \"{question}\"")),
                Some(answer) => {
                    let findings = screen(&answer);
                    if findings.is_empty() {
                        answers.push((question.clone(), answer));
                    } else {
                        errors.add(field, format!("Remove what looks like {}", describe(&findings)));
                    }
                }
            }
        }
        errors.into_result(|| Application { enrolments, answers })
    }
}

/// The answer fields' names, which are also their element ids.
pub const ANSWER_FIELDS: [&str; MAX_APPLICATION_QUESTIONS] =
    ["answer0", "answer1", "answer2", "answer3", "answer4", "answer5", "answer6", "answer7", "answer8", "answer9"];

/// Adds the enrolment form's errors under this form's names, skipping any already said: a mentor and
/// a mentee application share the profession, grade and site, and one mistake is one message.
fn add_new(errors: &mut FieldErrors, found: FieldErrors, side: Side) {
    for e in found.iter() {
        let field = match e.field {
            "tags" if side == Side::Mentor => "expertise",
            "tags" => "goals",
            "reference" => "staff_number",
            other => other,
        };
        if !errors.iter().any(|known| known.field == field && known.message == e.message) {
            errors.add(field, e.message.clone());
        }
    }
}

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    Declined,
    /// The applicant took it back before the lead decided.
    Withdrawn,
}

impl Status {
    pub fn slug(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Declined => "declined",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "Waiting for the lead's decision",
            Status::Approved => "Approved",
            Status::Declined => "Declined",
            Status::Withdrawn => "Withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        [Status::Pending, Status::Approved, Status::Declined, Status::Withdrawn].into_iter().find(|s| s.slug() == raw)
    }
}

/// A mentor's training record as typed: the selection step before a mentor is matched.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingForm {
    pub course: String,
    #[serde(rename = "completed_day")]
    pub day: String,
    #[serde(rename = "completed_month")]
    pub month: String,
    #[serde(rename = "completed_year")]
    pub year: String,
    /// A certificate number, a link to the learning record, or who ran the course.
    pub evidence: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrainingRecord {
    pub course: String,
    pub completed: CivilDate,
    pub evidence: String,
}

impl TrainingForm {
    /// # Errors
    /// A missing course or evidence, a missing or impossible date, or one after `today`: training
    /// is recorded once it has happened.
    pub fn parse(&self, today: CivilDate) -> Result<TrainingRecord, FieldErrors> {
        let mut errors = FieldErrors::new();
        let course = required_text(&mut errors, "course", &self.course, "the course", 200);
        let completed = match CivilDate::from_parts(&self.day, &self.month, &self.year) {
            Ok(Some(d)) if d > today => {
                errors.add("completed", "The date the training was completed must be today or in the past");
                None
            }
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.add("completed", "Enter the date the training was completed");
                None
            }
            Err(message) => {
                errors.add("completed", message);
                None
            }
        };
        let evidence = required_text(
            &mut errors,
            "evidence",
            &self.evidence,
            "the evidence, such as a certificate number or a link to the learning record",
            500,
        );
        match completed {
            Some(completed) => errors.into_result(|| TrainingRecord { course, completed, evidence }),
            None => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mentoring::ProgrammeForm;

    fn settings() -> Settings {
        let mut form = ProgrammeForm::new_programme();
        form.name = "Leading change".into();
        form.eligibility = "Nurses and AHPs in bands 4 to 6".into();
        let mut s = form.parse().expect("valid").settings;
        s.mentee_professions = vec!["nurse".into(), "ahp".into()];
        s.mentee_grades = Some((4, 6));
        s.application_questions = vec!["What would you like from mentoring?".into()];
        s
    }

    fn applicant() -> Applicant {
        Applicant { name: "Tom Okafor".into(), email: "tom.okafor@example.nhs.uk".into() }
    }

    fn form(role: &str) -> ApplicationForm {
        ApplicationForm {
            role: role.into(),
            profession: "AHP".into(),
            grade: "6".into(),
            site: "Northfield General Hospital".into(),
            goals: "leadership, quality improvement".into(),
            expertise: "audit".into(),
            capacity: "2".into(),
            availability: "tue-pm".into(),
            answers: vec!["To lead my first improvement project.".into()],
            ..ApplicationForm::default()
        }
    }

    #[test]
    fn an_application_as_both_asks_for_two_enrolments_of_one_person() {
        let application = form("both").parse(&applicant(), &settings()).expect("valid");
        let sides: Vec<Side> = application.enrolments.iter().map(|e| e.side).collect();
        assert_eq!(sides, [Side::Mentee, Side::Mentor]);
        // Known by their email when they give no staff number, on both sides: one person.
        assert!(application.enrolments.iter().all(|e| e.reference == "tom.okafor@example.nhs.uk"));
        assert!(application.enrolments.iter().all(|e| e.name == "Tom Okafor"));
        assert_eq!(application.enrolments[0].tags.iter().collect::<Vec<_>>(), ["leadership", "quality-improvement"]);
        assert_eq!(application.enrolments[1].tags.iter().collect::<Vec<_>>(), ["audit"]);
        assert_eq!(application.enrolments[0].capacity, 0);
        assert_eq!(application.enrolments[1].capacity, 2);
        assert_eq!(
            application.answers,
            [("What would you like from mentoring?".to_owned(), "To lead my first improvement project.".to_owned())]
        );
    }

    #[test]
    fn a_mentee_outside_the_programme_is_told_why_and_a_mentor_is_not_limited() {
        let mut doctor = form("mentee");
        doctor.profession = "doctor".into();
        doctor.grade = "9".into();
        let errors = doctor.parse(&applicant(), &settings()).expect_err("not eligible");
        assert!(errors.for_field("profession").expect("profession").contains("nurse, ahp"));
        assert!(errors.for_field("grade").expect("grade").contains("4 to 6"));
        doctor.role = "mentor".into();
        assert!(doctor.parse(&applicant(), &settings()).is_ok(), "anyone may mentor");
    }

    #[test]
    fn a_shared_mistake_is_said_once_and_side_fields_keep_their_own_names() {
        let mut both = form("both");
        both.grade = "band six".into();
        both.goals.clear();
        both.expertise.clear();
        both.staff_number = "x".repeat(81);
        let errors = both.parse(&applicant(), &settings()).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields.iter().filter(|f| **f == "grade").count(), 1);
        assert_eq!(fields.iter().filter(|f| **f == "staff_number").count(), 1);
        assert!(errors.for_field("goals").expect("goals").contains("goals"));
        assert!(errors.for_field("expertise").expect("expertise").contains("expertise"));
        assert!(!fields.contains(&"tags") && !fields.contains(&"reference"));
    }

    #[test]
    fn every_question_needs_an_answer_without_identifiers() {
        let mut unanswered = form("mentee");
        unanswered.answers.clear();
        let errors = unanswered.parse(&applicant(), &settings()).expect_err("unanswered");
        assert_eq!(errors.for_field("answer0"), Some("Answer \"What would you like from mentoring?\""));
        let mut identifying = form("mentee");
        identifying.answers = vec!["Help with the patient in bed 4, NHS number 943 476 5919".into()];
        let errors = identifying.parse(&applicant(), &settings()).expect_err("screened");
        assert!(errors.for_field("answer0").expect("answer0").starts_with("Remove what looks like"));
    }

    #[test]
    fn an_unknown_role_is_refused() {
        let errors = form("sponsor").parse(&applicant(), &settings()).expect_err("role");
        assert_eq!(errors.for_field("role"), Some("Choose whether you are applying as a mentee, a mentor or both"));
    }

    #[test]
    fn statuses_read_back_as_written() {
        for s in [Status::Pending, Status::Approved, Status::Declined, Status::Withdrawn] {
            assert_eq!(Status::parse(s.slug()), Some(s));
        }
        assert_eq!(Status::parse("maybe"), None);
    }

    #[test]
    fn training_is_recorded_with_its_course_day_and_evidence_once_it_has_happened() {
        let today = CivilDate::parse_iso("2026-12-03").expect("date");
        let form = TrainingForm {
            course: "Mentor foundations (half day)".into(),
            day: "3".into(),
            month: "12".into(),
            year: "2026".into(),
            evidence: "Certificate MF-2026-114".into(),
        };
        let record = form.parse(today).expect("valid");
        assert_eq!(record.completed, today);
        assert_eq!(record.evidence, "Certificate MF-2026-114");
        let tomorrow = TrainingForm { day: "4".into(), ..form.clone() };
        assert_eq!(
            tomorrow.parse(today).expect_err("future").for_field("completed"),
            Some("The date the training was completed must be today or in the past")
        );
        let bare = TrainingForm {
            evidence: " ".into(),
            day: String::new(),
            month: String::new(),
            year: String::new(),
            ..form
        };
        let errors = bare.parse(today).expect_err("incomplete");
        assert_eq!(errors.for_field("completed"), Some("Enter the date the training was completed"));
        assert!(errors.for_field("evidence").expect("evidence").starts_with("Enter the evidence"));
    }
}
