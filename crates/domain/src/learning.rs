//! Blameless learning reviews: what we expected, what happened, why they differ, what we will keep
//! and change, and what went well (learning from excellence), shared with the team, the organisation
//! or the whole hub.
//!
//! Nothing that looks like patient-identifiable data is stored: every field is screened on each save
//! ([`crate::privacy::screen_except_staff`]), and a review with a match is refused with the matches highlighted in
//! place, so the author can see exactly what to change.

use serde::{Deserialize, Serialize};

use crate::initiatives::Stage;
use crate::people::slug_enum;
use crate::privacy::Finding;
use crate::validation::{FieldErrors, optional_text, required_text};

pub const MAX_FIELD_CHARS: usize = 5000;

slug_enum!(
    /// Who may read a learning review.
    Visibility, "visibility" {
        Team = ("team", "The initiative's team"),
        Organisation = ("organisation", "Everyone in the organisation"),
        Hub = ("hub", "Everyone in the hub, in every organisation"),
    }
);

/// The review as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    /// The organisation's own staff, whose names after a title are not patient identifiers; set by
    /// the handler, never from the request.
    #[serde(skip)]
    pub staff_names: Vec<String>,
    pub expected: String,
    pub happened: String,
    pub why_differ: String,
    pub keep: String,
    pub change: String,
    pub went_well: String,
    pub visibility: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewDraft {
    pub expected: String,
    pub happened: String,
    pub why_differ: String,
    pub keep: String,
    pub change: String,
    pub went_well: Option<String>,
    pub visibility: Visibility,
}

/// A run of a field's text, marked if it looks like an identifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    pub flagged: bool,
}

/// A field with identifiers in it, split for highlighting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flagged {
    pub field: &'static str,
    pub label: &'static str,
    pub segments: Vec<Segment>,
    pub kinds: Vec<&'static str>,
}

/// Why a review was not saved: ordinary field errors, and fields with what looks like identifiers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReviewErrors {
    pub fields: FieldErrors,
    pub flagged: Vec<Flagged>,
}

/// The fields in form order: name, the question each answers, and what "Enter …" asks for.
pub const FIELDS: [(&str, &str, &str); 6] = [
    ("expected", "What did we expect to happen?", "what you expected to happen"),
    ("happened", "What actually happened?", "what actually happened"),
    ("why_differ", "Why was there a difference?", "why there was a difference"),
    ("keep", "What will we keep?", "what you will keep"),
    ("change", "What will we change?", "what you will change"),
    ("went_well", "What went well that others could learn from?", "what went well"),
];

/// Splits `text` at the findings' byte ranges (which [`crate::privacy::screen`] gives on character boundaries).
pub fn highlight(text: &str, findings: &[Finding]) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut at = 0;
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.start);
    for f in sorted {
        if f.start < at || f.end > text.len() || !text.is_char_boundary(f.start) || !text.is_char_boundary(f.end) {
            continue;
        }
        if f.start > at {
            segments.push(Segment { text: text[at..f.start].to_owned(), flagged: false });
        }
        segments.push(Segment { text: text[f.start..f.end].to_owned(), flagged: true });
        at = f.end;
    }
    if at < text.len() {
        segments.push(Segment { text: text[at..].to_owned(), flagged: false });
    }
    segments
}

impl ReviewForm {
    pub fn from_draft(d: &ReviewDraft) -> Self {
        Self {
            expected: d.expected.clone(),
            happened: d.happened.clone(),
            why_differ: d.why_differ.clone(),
            keep: d.keep.clone(),
            change: d.change.clone(),
            went_well: d.went_well.clone().unwrap_or_default(),
            visibility: d.visibility.slug().to_owned(),
            staff_names: Vec::new(),
        }
    }

    fn value(&self, field: &str) -> &str {
        match field {
            "expected" => &self.expected,
            "happened" => &self.happened,
            "why_differ" => &self.why_differ,
            "keep" => &self.keep,
            "change" => &self.change,
            _ => &self.went_well,
        }
    }

    /// Checks the review and screens every field.
    ///
    /// # Errors
    /// Missing answers, a visibility that is not offered, and every field that contains what looks
    /// like patient-identifiable data (highlighted).
    pub fn parse(&self) -> Result<ReviewDraft, ReviewErrors> {
        let mut errors = ReviewErrors::default();
        let mut texts = Vec::new();
        for (field, question, label) in FIELDS {
            let raw = self.value(field);
            let text = if field == "went_well" {
                optional_text(&mut errors.fields, field, raw, label, MAX_FIELD_CHARS).unwrap_or_default()
            } else {
                required_text(&mut errors.fields, field, raw, label, MAX_FIELD_CHARS)
            };
            let staff: Vec<&str> = self.staff_names.iter().map(String::as_str).collect();
            let mut findings = crate::privacy::screen_except_staff(raw, &staff);
            findings.sort_by_key(|f| f.start);
            if !findings.is_empty() {
                let mut kinds: Vec<&'static str> = Vec::new();
                for f in &findings {
                    if !kinds.contains(&f.kind.label()) {
                        kinds.push(f.kind.label());
                    }
                }
                errors.fields.add(
                    field,
                    format!("\"{question}\" contains what looks like {}: remove it before saving", kinds.join(" and ")),
                );
                errors.flagged.push(Flagged { field, label: question, segments: highlight(raw, &findings), kinds });
            }
            texts.push(text);
        }
        let visibility = self.visibility.parse::<Visibility>().ok();
        if visibility.is_none() {
            errors.fields.add("visibility", "Select who can read the review");
        }
        match (errors.fields.is_empty(), visibility) {
            (true, Some(visibility)) => {
                let mut t = texts.into_iter();
                let mut next = || t.next().unwrap_or_default();
                Ok(ReviewDraft {
                    expected: next(),
                    happened: next(),
                    why_differ: next(),
                    keep: next(),
                    change: next(),
                    went_well: Some(next()).filter(|s| !s.is_empty()),
                    visibility,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Whether an initiative at `stage` should have a learning review: a stopped one always (stopping is
/// a valid outcome whose lessons others need), and one at a stage the pack says is completed with a
/// review (so the team writes it before moving on).
pub fn review_due(stage: Stage, pack_stages: &[Stage]) -> bool {
    stage == Stage::Stopped || pack_stages.contains(&stage)
}

/// What blocks a move until the review is written: leaving a stage the pack names, other than by
/// stopping (a stop is never held up; its review is due afterwards).
pub fn review_blocker(from: Stage, to: Stage, pack_stages: &[Stage], has_review: bool) -> Option<String> {
    (!has_review && to != Stage::Stopped && from != to && pack_stages.contains(&from)).then(|| {
        format!("Write the learning review: the policy pack asks for one on completing the {} stage", from.label())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ReviewForm {
        ReviewForm {
            expected: "Handover would be ten minutes shorter.".into(),
            happened: "It took longer: the whiteboard hid detail.".into(),
            why_differ: "The screen shows too little per patient.".into(),
            keep: "Handover at the bedside.".into(),
            change: "A printed summary beside the board.".into(),
            went_well: String::new(),
            visibility: "hub".into(),
            staff_names: vec!["Sarah Price".into()],
        }
    }

    /// Issue 18 §4: "Dr Price supported us" was refused as a patient's name. Staff are not patients;
    /// a patient's name after a title is still refused, with what matched highlighted.
    #[test]
    fn staff_names_after_a_title_are_not_refused_but_patients_are() {
        let thanks = ReviewForm { keep: "Dr Price supported us at every handover.".into(), ..form() };
        assert!(thanks.parse().is_ok());
        let patient = ReviewForm { keep: "Mrs Okafor waited less.".into(), ..form() };
        let errors = patient.parse().unwrap_err();
        let flagged = &errors.flagged[0];
        assert_eq!(flagged.field, "keep");
        assert!(flagged.segments.iter().any(|s| s.flagged && s.text == "Mrs Okafor"), "{:?}", flagged.segments);
    }

    #[test]
    fn a_complete_review_parses() {
        let draft = form().parse().unwrap();
        assert_eq!(draft.visibility, Visibility::Hub);
        assert_eq!(draft.went_well, None);
        assert_eq!(ReviewForm::from_draft(&draft).parse().unwrap(), draft);
    }

    #[test]
    fn an_nhs_number_is_refused_and_highlighted_where_it_is() {
        // 943 476 5919 has a valid check digit (weights 10..2 give 299; 11 − 299 mod 11 = 9).
        let with_number = ReviewForm { happened: "Mr Smith (943 476 5919) fell twice.".into(), ..form() };
        let errors = with_number.parse().unwrap_err();
        assert_eq!(errors.flagged.len(), 1);
        let flagged = &errors.flagged[0];
        assert_eq!(flagged.field, "happened");
        assert_eq!(flagged.kinds, ["a name after a title", "an NHS number"]);
        let marked: Vec<&str> = flagged.segments.iter().filter(|s| s.flagged).map(|s| s.text.as_str()).collect();
        assert_eq!(marked, ["Mr Smith", "943 476 5919"]);
        let whole: String = flagged.segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(whole, "Mr Smith (943 476 5919) fell twice.", "nothing lost in the split");
        assert!(errors.fields.for_field("happened").unwrap().contains("an NHS number"));
        // A ten-digit reference that fails the check digit is not an NHS number.
        let reference = ReviewForm { happened: "Datix 9434765918 closed.".into(), ..form() };
        assert!(reference.parse().is_ok());
    }

    #[test]
    fn answers_and_visibility_are_required() {
        let errors = ReviewForm::default().parse().unwrap_err();
        for field in ["expected", "happened", "why_differ", "keep", "change", "visibility"] {
            assert!(errors.fields.for_field(field).is_some(), "{field}");
        }
        assert!(errors.fields.for_field("went_well").is_none());
    }

    #[test]
    fn stopping_always_calls_for_a_review() {
        assert!(review_due(Stage::Stopped, &[]));
        assert!(!review_due(Stage::Evaluating, &[]));
        assert!(review_due(Stage::Evaluating, &[Stage::Evaluating]));
        assert!(!review_due(Stage::Piloting, &[Stage::Evaluating]));
    }

    #[test]
    fn completing_a_named_stage_waits_for_the_review_but_stopping_never_does() {
        let named = [Stage::Evaluating];
        assert_eq!(
            review_blocker(Stage::Evaluating, Stage::Adopted, &named, false).as_deref(),
            Some("Write the learning review: the policy pack asks for one on completing the Evaluating stage")
        );
        assert_eq!(review_blocker(Stage::Evaluating, Stage::Adopted, &named, true), None);
        assert_eq!(review_blocker(Stage::Evaluating, Stage::Stopped, &named, false), None);
        assert_eq!(review_blocker(Stage::Piloting, Stage::Evaluating, &named, false), None);
    }
}
