//! Support offers: the help an organisation publishes for innovators (QI coaching, R&D, the digital
//! team, information governance and more), each with who can ask, what it covers and a response
//! target; and the requests initiatives make of them, which the offering team accepts, declines with
//! a reason, or completes.

use serde::{Deserialize, Serialize};

use crate::people::slug_enum;
use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, optional_text, required_text};

slug_enum!(
    /// What kind of help.
    OfferKind, "kind of support" {
        QiCoaching = ("qi-coaching", "Quality improvement coaching"),
        Research = ("research", "Research and development"),
        Digital = ("digital", "Digital team"),
        InformationGovernance = ("information-governance", "Information governance"),
        Procurement = ("procurement", "Procurement"),
        Finance = ("finance", "Finance"),
        Communications = ("communications", "Communications"),
        InnovationNetwork = ("innovation-network", "Regional innovation network"),
    }
);

slug_enum!(
    /// Where a request has got to.
    RequestStatus, "request status" {
        Open = ("open", "Waiting for a reply"),
        Accepted = ("accepted", "Accepted"),
        Declined = ("declined", "Declined"),
        Completed = ("completed", "Completed"),
    }
);

pub const MAX_TEXT_CHARS: usize = 1000;
/// The longest response target offered, in days.
pub const MAX_RESPONSE_DAYS: u16 = 90;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfferForm {
    pub kind: String,
    pub title: String,
    pub covers: String,
    pub who_can_ask: String,
    pub response_days: String,
    /// "yes" when every organisation of the hub may ask.
    pub hub_wide: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OfferDraft {
    pub kind: OfferKind,
    pub title: String,
    pub covers: String,
    pub who_can_ask: String,
    pub response_days: u16,
    pub hub_wide: bool,
}

impl OfferForm {
    /// # Errors
    /// Keyed by field: an unknown kind, missing or over-long text, a response target that is not a
    /// whole number of days from 1 to 90.
    pub fn parse(&self) -> Result<OfferDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = self.kind.parse::<OfferKind>().ok();
        if kind.is_none() {
            errors.add("kind", "Choose the kind of support");
        }
        let title = required_text(&mut errors, "title", &self.title, "a name for the offer", 120);
        let covers = required_text(&mut errors, "covers", &self.covers, "what it covers", MAX_TEXT_CHARS);
        let who_can_ask = required_text(&mut errors, "who_can_ask", &self.who_can_ask, "who can ask", MAX_TEXT_CHARS);
        let days = self.response_days.trim().parse::<u16>().ok().filter(|d| (1..=MAX_RESPONSE_DAYS).contains(d));
        if days.is_none() {
            errors.add("response_days", format!("Enter a response target from 1 to {MAX_RESPONSE_DAYS} days"));
        }
        match (kind, days) {
            (Some(kind), Some(response_days)) => {
                let hub_wide = self.hub_wide == "yes";
                errors.into_result(|| OfferDraft { kind, title, covers, who_can_ask, response_days, hub_wide })
            }
            _ => Err(errors),
        }
    }
}

/// Asking for help: what the initiative needs. Screened, since it is read by another team.
pub fn parse_request(message: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = required_text(&mut errors, "message", message, "what help you need", MAX_TEXT_CHARS);
    let findings = screen(message);
    if !findings.is_empty() {
        errors.add("message", format!("Remove what looks like {}", describe(&findings)));
    }
    errors.into_result(|| text)
}

slug_enum!(
    /// An answer from the offering team.
    Answer, "answer" {
        Accept = ("accept", "Accept"),
        Decline = ("decline", "Decline"),
        Complete = ("complete", "Complete"),
    }
);

impl Answer {
    pub fn parse(raw: &str) -> Option<Self> {
        raw.parse().ok()
    }

    fn status(self) -> RequestStatus {
        match self {
            Answer::Accept => RequestStatus::Accepted,
            Answer::Decline => RequestStatus::Declined,
            Answer::Complete => RequestStatus::Completed,
        }
    }
}

/// Checks an answer against where the request is: an open request may be accepted, declined (with
/// a reason) or completed at once; an accepted one completed; nothing else. Returns the new status
/// and the note to keep.
///
/// # Errors
/// A decline without a reason, a note with identifiers, or an answer the status does not allow.
pub fn answer(
    status: RequestStatus,
    answer: Answer,
    note: &str,
) -> Result<(RequestStatus, Option<String>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let allowed = matches!((status, answer), (RequestStatus::Open, _) | (RequestStatus::Accepted, Answer::Complete));
    if !allowed {
        errors.add(
            "answer",
            format!("This request is {}: it cannot be answered that way now", status.label().to_lowercase()),
        );
    }
    let note = if answer == Answer::Decline {
        Some(required_text(&mut errors, "note", note, "the reason for declining", MAX_TEXT_CHARS))
    } else {
        optional_text(&mut errors, "note", note, "the note", MAX_TEXT_CHARS)
    };
    let findings = screen(note.as_deref().unwrap_or(""));
    if !findings.is_empty() {
        errors.add("note", format!("Remove what looks like {}", describe(&findings)));
    }
    errors.into_result(|| (answer.status(), note))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_needs_a_kind_text_and_a_response_target() {
        let mut form = OfferForm {
            kind: "qi-coaching".into(),
            title: "QI coaching".into(),
            covers: "Aims, measures and PDSA cycles".into(),
            who_can_ask: "Anyone with an initiative".into(),
            response_days: "5".into(),
            hub_wide: String::new(),
        };
        assert_eq!(form.parse().unwrap().response_days, 5);
        form.response_days = "0".into();
        assert_eq!(
            form.parse().unwrap_err().for_field("response_days"),
            Some("Enter a response target from 1 to 90 days")
        );
        form.response_days = "a week".into();
        assert!(form.parse().is_err());
    }

    #[test]
    fn answers_follow_the_request_and_declines_need_a_reason() {
        assert_eq!(answer(RequestStatus::Open, Answer::Accept, "").unwrap(), (RequestStatus::Accepted, None));
        let e = answer(RequestStatus::Open, Answer::Decline, " ").unwrap_err();
        assert_eq!(e.for_field("note"), Some("Enter the reason for declining"));
        assert_eq!(
            answer(RequestStatus::Open, Answer::Decline, "We have no coach free until March").unwrap().0,
            RequestStatus::Declined
        );
        assert_eq!(
            answer(RequestStatus::Accepted, Answer::Complete, "Two sessions held").unwrap().0,
            RequestStatus::Completed
        );
        let e = answer(RequestStatus::Declined, Answer::Accept, "").unwrap_err();
        assert_eq!(e.for_field("answer"), Some("This request is declined: it cannot be answered that way now"));
        assert!(answer(RequestStatus::Completed, Answer::Complete, "").is_err());
        assert!(parse_request("Help with a run chart for ward 7").is_ok());
        assert!(parse_request("Patient DOB 01/02/1950 needs").is_err());
    }
}
