//! Public feedback: a short form for patients, carers, staff and visitors, with no account. The free
//! text is screened for patient identifiers before it can be stored.

use serde::{Deserialize, Serialize};

use crate::people::slug_enum;
use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, optional_text};

slug_enum!(
    /// Who is giving feedback.
    Audience, "audience" {
        Patient = ("patient", "A patient"),
        Carer = ("carer", "A relative or carer"),
        Staff = ("staff", "A member of staff"),
        Visitor = ("visitor", "Someone else"),
    }
);

slug_enum!(
    /// An optional age band, so results can be looked at by group without identifying anyone.
    AgeBand, "age band" {
        Under18 = ("under-18", "Under 18"),
        From18To39 = ("18-39", "18 to 39"),
        From40To64 = ("40-64", "40 to 64"),
        From65To79 = ("65-79", "65 to 79"),
        Over80 = ("80-plus", "80 or over"),
    }
);

/// The words shown beside each rating, 1 to 5.
pub const RATINGS: [(u8, &str); 5] =
    [(5, "Very good"), (4, "Good"), (3, "Neither good nor poor"), (2, "Poor"), (1, "Very poor")];

/// Feedback ready to store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeedbackDraft {
    pub audience: Audience,
    pub rating: u8,
    pub comment: Option<String>,
    pub age_band: Option<AgeBand>,
}

/// The public form as typed. `website` is a field people never see: a bot that fills it in is
/// thanked and ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedbackForm {
    pub audience: String,
    pub rating: String,
    pub comment: String,
    pub age_band: String,
    pub website: String,
}

/// The longest comment accepted.
pub const MAX_COMMENT_CHARS: usize = 1000;

impl FeedbackForm {
    pub fn is_spam(&self) -> bool {
        !self.website.trim().is_empty()
    }

    pub fn parse(&self) -> Result<FeedbackDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let audience = self.audience.parse::<Audience>().ok();
        if audience.is_none() {
            errors.add("audience", "Select who you are");
        }
        let rating = self.rating.trim().parse::<u8>().ok().filter(|r| (1..=5).contains(r));
        if rating.is_none() {
            errors.add("rating", "Select how good it was, from very good to very poor");
        }
        let comment = optional_text(&mut errors, "comment", &self.comment, "your comment", MAX_COMMENT_CHARS);
        if let Some(text) = &comment {
            let found = screen(text);
            if !found.is_empty() {
                errors.add(
                    "comment",
                    format!(
                        "Your comment seems to include {}. Remove it, so that nobody can be identified, and send it again",
                        describe(&found)
                    ),
                );
            }
        }
        let age_band = match self.age_band.trim() {
            "" => None,
            raw => {
                let band = raw.parse::<AgeBand>().ok();
                if band.is_none() {
                    errors.add("age_band", "Select an age band, or leave it empty");
                }
                band
            }
        };
        errors.into_result(|| FeedbackDraft {
            audience: audience.expect("checked"),
            rating: rating.expect("checked"),
            comment,
            age_band,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_feedback_parses() {
        let form = FeedbackForm {
            audience: "carer".into(),
            rating: "4".into(),
            comment: " Staff stayed with Mum in the bay. ".into(),
            ..FeedbackForm::default()
        };
        let draft = form.parse().unwrap();
        assert_eq!(draft.rating, 4);
        assert_eq!(draft.comment.as_deref(), Some("Staff stayed with Mum in the bay."));
    }

    #[test]
    fn identifiers_in_the_comment_are_refused_with_what_was_found() {
        let form = FeedbackForm {
            audience: "patient".into(),
            rating: "2".into(),
            comment: "I am 943 476 5919, LS1 4AP".into(),
            ..FeedbackForm::default()
        };
        let errors = form.parse().unwrap_err();
        assert_eq!(
            errors.for_field("comment"),
            Some(
                "Your comment seems to include an NHS number and a full postcode. Remove it, so that nobody can be identified, and send it again"
            )
        );
    }

    #[test]
    fn missing_and_out_of_range_answers_are_named() {
        let errors = FeedbackForm { rating: "9".into(), age_band: "ancient".into(), ..FeedbackForm::default() }
            .parse()
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["audience", "rating", "age_band"]);
        assert!(FeedbackForm { website: "http://spam".into(), ..FeedbackForm::default() }.is_spam());
    }
}
