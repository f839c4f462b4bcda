//! The plain-language page about an initiative for patients and the public: what is changing, why,
//! how it helps, what has been learned so far, and how to give feedback. Written by the team, scored
//! for readability as it is written, and reviewed by someone else before anyone outside can read it.

use serde::{Deserialize, Serialize};

use crate::people::{Role, slug_enum};
use crate::privacy::{describe, screen};
use crate::readability::{Readability, score};
use crate::validation::{FieldErrors, required_text};

slug_enum!(
    /// Where the page has got to.
    PageStatus, "public page status" {
        Draft = ("draft", "Draft"),
        InReview = ("in-review", "Waiting for review"),
        /// A reviewer sent this version back with a comment; the team changes it and submits again.
        Returned = ("returned", "Sent back with a comment"),
        Published = ("published", "Published"),
    }
);

pub const MAX_FIELD_CHARS: usize = 1500;

/// The fields in page order: name, heading on the public page, and what "Enter …" asks for.
pub const FIELDS: [(&str, &str, &str); 5] = [
    ("what_changing", "What is changing", "what is changing"),
    ("why", "Why we are making this change", "why you are making the change"),
    ("how_helps", "How it helps you", "how it helps patients and the public"),
    ("learned", "What we have learned so far", "what you have learned so far"),
    ("feedback_how", "How to tell us what you think", "how people can give feedback"),
];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageForm {
    pub what_changing: String,
    pub why: String,
    pub how_helps: String,
    pub learned: String,
    pub feedback_how: String,
}

impl PageForm {
    fn values(&self) -> [&str; 5] {
        [&self.what_changing, &self.why, &self.how_helps, &self.learned, &self.feedback_how]
    }

    /// Every field is needed and screened (the page is public). The text is kept as typed (trimmed).
    ///
    /// # Errors
    /// Keyed by field: missing or over-long text, or what looks like patient-identifiable data.
    pub fn parse(&self) -> Result<PageForm, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut out = Vec::with_capacity(5);
        for ((field, heading, label), raw) in FIELDS.iter().zip(self.values()) {
            out.push(required_text(&mut errors, field, raw, label, MAX_FIELD_CHARS));
            let findings = screen(raw);
            if !findings.is_empty() {
                errors.add(field, format!("\"{heading}\" contains what looks like {}: remove it", describe(&findings)));
            }
        }
        let mut it = out.into_iter();
        let mut next = || it.next().unwrap_or_default();
        let page =
            PageForm { what_changing: next(), why: next(), how_helps: next(), learned: next(), feedback_how: next() };
        errors.into_result(|| page)
    }

    /// The readability of the whole page, as one text.
    pub fn readability(&self) -> Option<Readability> {
        let text: Vec<String> = self
            .values()
            .iter()
            .map(|v| {
                let v = v.trim();
                // Each field reads as at least one sentence.
                if v.is_empty() || v.ends_with(['.', '!', '?']) { v.to_owned() } else { format!("{v}.") }
            })
            .collect();
        score(&text.join(" "))
    }
}

/// Who may publish a page: not its writer, and only someone who leads improvement or the
/// organisation (the communications sign-off of a trust).
pub fn may_publish(roles: &[Role], is_writer: bool) -> bool {
    !is_writer && roles.iter().any(|r| matches!(r, Role::ImprovementLead | Role::Executive | Role::Admin))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> PageForm {
        PageForm {
            what_changing: "Volunteers help patients eat at lunch and tea.".into(),
            why: "Some patients need help to eat. Their food got cold.".into(),
            how_helps: "You get help while your food is hot".into(),
            learned: "More patients finish their meals.".into(),
            feedback_how: "Scan the code on the poster and tell us.".into(),
        }
    }

    #[test]
    fn every_field_is_needed_and_screened() {
        assert!(page().parse().is_ok());
        let mut p = page();
        p.learned = " ".into();
        p.why = "Mr Hughes asked for it.".into();
        let e = p.parse().unwrap_err();
        assert_eq!(e.for_field("learned"), Some("Enter what you have learned so far"));
        assert_eq!(
            e.for_field("why"),
            Some("\"Why we are making this change\" contains what looks like a name after a title: remove it")
        );
    }

    #[test]
    fn the_whole_page_is_scored_with_each_field_a_sentence() {
        let r = page().readability().unwrap();
        // Six sentences: the field without a full stop still ends one.
        assert_eq!(r.sentences, 6);
        assert!(r.reading_age <= crate::readability::TARGET_READING_AGE, "{r:?}");
    }

    #[test]
    fn a_page_is_published_by_a_lead_who_did_not_write_it() {
        assert!(may_publish(&[Role::ImprovementLead], false));
        assert!(!may_publish(&[Role::ImprovementLead], true));
        assert!(!may_publish(&[Role::Clinician], false));
    }
}
