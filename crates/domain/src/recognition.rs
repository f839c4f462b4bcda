//! Recognition: thanks from anyone to a colleague or an initiative's team, awards for initiatives
//! given by those who lead improvement, and learning-from-excellence reports (what went well, and
//! why, so that it can be repeated). Shown on people's profiles and on the organisation's page.
//!
//! Messages are free text written about people's work, so they are screened for what looks like
//! patient-identifiable data like everything else Kindling stores.

use serde::{Deserialize, Serialize};

use crate::ids::{InitiativeId, UserId};
use crate::people::{Role, slug_enum};
use crate::privacy::describe;
use crate::validation::{FieldErrors, required_text};

slug_enum!(
    /// What kind of recognition.
    Kind, "recognition kind" {
        /// Thanks to a person or a team, from anyone.
        Thanks = ("thanks", "Thanks"),
        /// An award for an initiative, from an improvement lead, an executive or an administrator.
        Award = ("award", "Award"),
        /// A learning-from-excellence report: what went well, so others can learn from it.
        Excellence = ("excellence", "Learning from excellence"),
    }
);

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Who may give awards: those who lead improvement or the organisation.
pub fn may_award(roles: &[Role]) -> bool {
    roles.iter().any(|r| matches!(r, Role::ImprovementLead | Role::Executive | Role::Admin))
}

/// The form as typed. `to_person` is a colleague's id; `initiative` an initiative's id (its team).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecognitionForm {
    /// The organisation's own staff, whose names after a title are not patient identifiers; set by
    /// the handler, never from the request.
    #[serde(skip)]
    pub staff_names: Vec<String>,
    pub kind: String,
    pub to_person: String,
    pub initiative: String,
    pub title: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecognitionDraft {
    pub kind: Kind,
    pub to_person: Option<UserId>,
    pub initiative: Option<InitiativeId>,
    pub title: String,
    pub message: String,
}

impl RecognitionForm {
    /// Checks the form. `giver` is who is giving it, `giver_roles` their roles; `known_person` and
    /// `known_initiative` say whether an id belongs to the giver's organisation.
    ///
    /// # Errors
    /// Keyed by field: a kind not offered, nobody to recognise, an award by someone who may not give
    /// one or without an initiative, thanks to oneself, missing or over-long text, and text with what
    /// looks like patient-identifiable data.
    pub fn parse(
        &self,
        giver: UserId,
        giver_roles: &[Role],
        known_person: impl Fn(UserId) -> bool,
        known_initiative: impl Fn(InitiativeId) -> bool,
    ) -> Result<RecognitionDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = self.kind.parse::<Kind>().ok();
        if kind.is_none() {
            errors.add("kind", "Choose thanks, an award or a learning-from-excellence report");
        }
        let id = |raw: &str| raw.trim().parse::<i64>().ok().filter(|n| *n > 0);
        let to_person = match self.to_person.trim() {
            "" => None,
            raw => match id(raw).map(UserId::new) {
                Some(p) if known_person(p) => Some(p),
                _ => {
                    errors.add("to_person", "Choose a colleague from the list");
                    None
                }
            },
        };
        let initiative = match self.initiative.trim() {
            "" => None,
            raw => match id(raw).map(InitiativeId::new) {
                Some(i) if known_initiative(i) => Some(i),
                _ => {
                    errors.add("initiative", "Choose an initiative from the list");
                    None
                }
            },
        };
        match kind {
            Some(Kind::Award) => {
                if !may_award(giver_roles) {
                    errors.add("kind", "Only improvement leads, executives and administrators can give awards");
                }
                if initiative.is_none() && errors.for_field("initiative").is_none() {
                    errors.add("initiative", "Choose the initiative the award is for");
                }
            }
            Some(_)
                if to_person.is_none()
                    && initiative.is_none()
                    && errors.for_field("to_person").is_none()
                    && errors.for_field("initiative").is_none() =>
            {
                errors.add("to_person", "Choose a colleague, or an initiative to recognise its team");
            }
            _ => {}
        }
        if to_person == Some(giver) && kind != Some(Kind::Excellence) {
            errors.add("to_person", "Choose someone other than yourself");
        }
        let title_label = match kind {
            Some(Kind::Award) => "the award's name",
            Some(Kind::Excellence) => "what went well, in a line",
            _ => "what you are thanking them for, in a line",
        };
        let message_label = match kind {
            Some(Kind::Excellence) => "why it was excellent and what others can learn",
            _ => "a message",
        };
        let title = required_text(&mut errors, "title", &self.title, title_label, MAX_TITLE_CHARS);
        let message = required_text(&mut errors, "message", &self.message, message_label, MAX_MESSAGE_CHARS);
        let staff: Vec<&str> = self.staff_names.iter().map(String::as_str).collect();
        for (field, raw) in [("title", &self.title), ("message", &self.message)] {
            let findings = crate::privacy::screen_except_staff(raw, &staff);
            if !findings.is_empty() {
                errors.add(field, format!("Remove what looks like {} before sending", describe(&findings)));
            }
        }
        match kind {
            Some(kind) => errors.into_result(|| RecognitionDraft { kind, to_person, initiative, title, message }),
            None => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: UserId = UserId::new(1);
    const SAM: UserId = UserId::new(2);

    fn form(kind: &str, to: &str, initiative: &str) -> RecognitionForm {
        RecognitionForm {
            kind: kind.into(),
            to_person: to.into(),
            initiative: initiative.into(),
            title: "Calm, clear handover on a night of four admissions".into(),
            message: "The whole ward learned the SBAR pattern from watching.".into(),
            staff_names: vec!["Kofi Mensah".into()],
        }
    }

    /// Issue 18 §4: thanking "Dr Mensah" was refused as a patient's name after a title.
    #[test]
    fn thanking_a_colleague_by_title_and_surname_is_not_a_patient_identifier() {
        let thanks =
            RecognitionForm { message: "Thank you Dr Mensah for the teaching.".into(), ..form("thanks", "2", "") };
        assert!(parse(&thanks, &[]).is_ok(), "{:?}", parse(&thanks, &[]));
        let patient = RecognitionForm { message: "Mr Smith in bed 4 was delighted.".into(), ..thanks };
        assert!(parse(&patient, &[]).unwrap_err().for_field("message").is_some());
    }

    fn parse(f: &RecognitionForm, roles: &[Role]) -> Result<RecognitionDraft, FieldErrors> {
        f.parse(ME, roles, |p| p == SAM || p == ME, |i| i == InitiativeId::new(7))
    }

    #[test]
    fn thanks_go_to_a_colleague_or_a_team_from_anyone() {
        let to_sam = parse(&form("thanks", "2", ""), &[Role::Clinician]).unwrap();
        assert_eq!((to_sam.kind, to_sam.to_person, to_sam.initiative), (Kind::Thanks, Some(SAM), None));
        let to_team = parse(&form("thanks", "", "7"), &[Role::Clinician]).unwrap();
        assert_eq!(to_team.initiative, Some(InitiativeId::new(7)));
        let nobody = parse(&form("thanks", "", ""), &[Role::Clinician]).unwrap_err();
        assert_eq!(nobody.for_field("to_person"), Some("Choose a colleague, or an initiative to recognise its team"));
        let myself = parse(&form("thanks", "1", ""), &[Role::Clinician]).unwrap_err();
        assert_eq!(myself.for_field("to_person"), Some("Choose someone other than yourself"));
    }

    #[test]
    fn ids_outside_the_organisation_are_refused() {
        let errors = parse(&form("thanks", "99", "8"), &[Role::Clinician]).unwrap_err();
        assert_eq!(errors.for_field("to_person"), Some("Choose a colleague from the list"));
        assert_eq!(errors.for_field("initiative"), Some("Choose an initiative from the list"));
    }

    #[test]
    fn awards_are_for_initiatives_from_leads_only() {
        assert!(parse(&form("award", "", "7"), &[Role::ImprovementLead]).is_ok());
        let clinician = parse(&form("award", "", "7"), &[Role::Clinician]).unwrap_err();
        assert_eq!(
            clinician.for_field("kind"),
            Some("Only improvement leads, executives and administrators can give awards")
        );
        let no_initiative = parse(&form("award", "2", ""), &[Role::Executive]).unwrap_err();
        assert_eq!(no_initiative.for_field("initiative"), Some("Choose the initiative the award is for"));
    }

    #[test]
    fn messages_are_screened_for_identifiers() {
        let mut f = form("excellence", "2", "");
        f.message = "Mrs Okafor said it was the best care she had".into();
        let errors = parse(&f, &[Role::Clinician]).unwrap_err();
        assert_eq!(errors.for_field("message"), Some("Remove what looks like a name after a title before sending"));
        f.kind = "medal".into();
        assert!(parse(&f, &[Role::Clinician]).unwrap_err().for_field("kind").is_some());
    }
}
