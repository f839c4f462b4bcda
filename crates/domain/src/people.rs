//! People and where they work: roles held per organisation, professions, and parsed email addresses.
//!
//! A person can hold different roles in different organisations of the hub (a consultant who is an
//! approver in one trust and a mentor in a partner care provider). Roles are therefore attached to a
//! membership, never to the person alone.

use serde::Serialize;
use std::fmt;

use crate::ids::OrganisationId;

macro_rules! slug_enum {
    (
        $(#[$doc:meta])* $name:ident, $what:literal {
            $($(#[$vdoc:meta])* $variant:ident = ($slug:literal, $label:literal)),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),*
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stable machine name used in URLs, the database and the API.
            pub const fn slug(self) -> &'static str {
                match self { $(Self::$variant => $slug),* }
            }

            /// The name shown to people.
            pub const fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),* }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::people::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($slug => Ok(Self::$variant),)*
                    _ => Err($crate::people::UnknownValue { what: $what, value: s.to_owned() }),
                }
            }
        }

        /// Serialised as its slug, the same string the database and URLs use.
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.slug())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                raw.parse().map_err(::serde::de::Error::custom)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use slug_enum;

/// A value that is not one of a fixed list (an unknown role, stage or profession).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

slug_enum!(
    /// What someone may do in one organisation. One person may hold several roles there.
    Role, "role" {
        /// Manages the organisation: people, sites, units, settings.
        Admin = ("admin", "Administrator"),
        /// Frontline staff: submits ideas, joins teams, logs cycles and data.
        Clinician = ("clinician", "Clinician or carer"),
        /// Shapes ideas into aims and measures and runs the portfolio.
        ImprovementLead = ("improvement-lead", "Improvement lead"),
        /// Decides on initiatives routed to them.
        Approver = ("approver", "Approver"),
        /// Board member or executive: sees everything in the organisation, decides what reaches the board.
        Executive = ("executive", "Executive"),
        /// Runs mentorship programmes.
        ProgrammeLead = ("programme-lead", "Mentorship programme lead"),
        /// Mentors others.
        Mentor = ("mentor", "Mentor"),
        /// Is mentored.
        Mentee = ("mentee", "Mentee"),
        /// Signs off clinical safety (DCB0160) hazard logs and AI fairness reports.
        ClinicalSafetyOfficer = ("clinical-safety-officer", "Clinical safety officer"),
        /// Signs off data protection impact assessment screenings.
        DataProtectionOfficer = ("data-protection-officer", "Data protection officer"),
        /// Research and development office: tracks research through its external approvals.
        ResearchOffice = ("research-office", "Research and development office"),
        /// A patient or public partner with a limited account: opens only the collaborative spaces
        /// they take part in, to add outputs and comments there. Never a member for anything else.
        Partner = ("partner", "Patient or public partner"),
    }
);

/// Whether `roles` are a partner's alone: the limited account of a patient or public partner, which
/// opens only their spaces (see `spaces::partner_may_request`).
pub fn partner_only(roles: &[Role]) -> bool {
    !roles.is_empty() && roles.iter().all(|r| *r == Role::Partner)
}

slug_enum!(
    /// A person's profession, shown on teams so that cross-functional make-up is visible.
    Profession, "profession" {
        Nurse = ("nurse", "Nurse"),
        Midwife = ("midwife", "Midwife"),
        Doctor = ("doctor", "Doctor"),
        AlliedHealthProfessional = ("ahp", "Allied health professional"),
        Pharmacist = ("pharmacist", "Pharmacist"),
        HealthcareScientist = ("scientist", "Healthcare scientist"),
        CareWorker = ("care-worker", "Care worker"),
        SocialWorker = ("social-worker", "Social worker"),
        AdministrativeStaff = ("admin-staff", "Administrative staff"),
        Manager = ("manager", "Manager"),
        DigitalAndData = ("digital", "Digital and data"),
        PatientPartner = ("patient-partner", "Patient or public partner"),
        Other = ("other", "Other"),
    }
);

slug_enum!(
    /// The kind of care a site gives: a search filter, so that a change tried in a community team is
    /// found by other community teams.
    CareSetting, "care setting" {
        Acute = ("acute", "Acute hospital"),
        Community = ("community", "Community health"),
        MentalHealth = ("mental-health", "Mental health"),
        PrimaryCare = ("primary-care", "Primary care"),
        SocialCare = ("social-care", "Social care"),
        Ambulance = ("ambulance", "Ambulance and urgent care"),
    }
);

/// The roles a person holds in one organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub organisation: OrganisationId,
    pub roles: Vec<Role>,
}

impl Membership {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// An email address, normalised to lower case. Parsing checks shape only: delivery proves the rest.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

/// Why a string is not an email address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address")]
    Empty,
    #[error("Enter an email address in the correct format, like name@example.nhs.uk")]
    Malformed,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = value.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let well_formed = !local.is_empty()
            && value.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && !local.contains('@');
        if !well_formed {
            return Err(EmailError::Malformed);
        }
        Ok(Self(value.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.slug().parse::<Role>(), Ok(*role));
        }
        for profession in Profession::ALL {
            assert_eq!(profession.slug().parse::<Profession>(), Ok(*profession));
        }
        assert!("board".parse::<Role>().is_err());
    }

    #[test]
    fn emails() {
        let check = |raw: &str, expected: Result<&str, EmailError>| {
            assert_eq!(Email::parse(raw).as_ref().map(Email::as_str).map_err(|e| *e), expected, "{raw:?}");
        };
        check(" Clinician@Demo.Kindling.TEST ", Ok("clinician@demo.kindling.test"));
        check("", Err(EmailError::Empty));
        check("no-at-sign", Err(EmailError::Malformed));
        check("@example.org", Err(EmailError::Malformed));
        check("a@localhost", Err(EmailError::Malformed));
        check("a b@example.org", Err(EmailError::Malformed));
        check("a@example.org.", Err(EmailError::Malformed));
        check("a@@example.org", Err(EmailError::Malformed));
    }
}
