//! How hard a change will be to spread: a complexity profile over the seven domains of the NASSS
//! framework (Greenhalgh et al., BMC Medicine 2018;16:66), each rated simple, complicated or
//! complex, and the support that profile calls for.
//!
//! The framework's finding carries over directly: the more domains are complex, the lower the chance
//! that a change is adopted, spread and sustained. The count of complex domains drives the advice.

use serde::{Deserialize, Serialize};

use crate::people::slug_enum;
use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, lower_first, optional_text};

slug_enum!(
    /// The seven NASSS domains.
    NasssDomain, "NASSS domain" {
        Condition = ("condition", "The condition or illness"),
        Technology = ("technology", "The technology or change"),
        ValueProposition = ("value-proposition", "The value proposition"),
        Adopters = ("adopters", "The adopter system: staff, patients, carers"),
        Organisation = ("organisation", "The organisation or organisations"),
        WiderSystem = ("wider-system", "The wider system: policy, regulation, professions"),
        Embedding = ("embedding", "Embedding and adaptation over time"),
    }
);

impl NasssDomain {
    /// What to think about when rating the domain (the framework's sub-domains).
    pub fn prompt(self) -> &'static str {
        match self {
            NasssDomain::Condition => "The nature of the condition, comorbidities, and social and cultural factors.",
            NasssDomain::Technology => {
                "What it is made of, the data it produces, the knowledge needed to use it, how it is supplied."
            }
            NasssDomain::ValueProposition => {
                "Who gains from it: its value to those who supply it and to patients and the system."
            }
            NasssDomain::Adopters => "What staff, patients and carers must do differently, and whether they will.",
            NasssDomain::Organisation => {
                "Capacity to innovate, readiness, how the decision and funding are made, how much routines change."
            }
            NasssDomain::WiderSystem => {
                "Policy, regulation and law, professional bodies, networks between organisations."
            }
            NasssDomain::Embedding => "Room to adapt the change locally, and how resilient the organisations are.",
        }
    }
}

slug_enum!(
    /// How complex a domain is.
    Rating, "complexity rating" {
        /// Straightforward, predictable, few components.
        Simple = ("simple", "Simple"),
        /// Many interacting components, but still largely predictable.
        Complicated = ("complicated", "Complicated"),
        /// Dynamic, unpredictable, not easily broken into parts.
        Complex = ("complex", "Complex"),
        /// Not yet known.
        Unknown = ("unknown", "Not known yet"),
    }
);

/// A domain's rating with the reason given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DomainRating {
    pub domain: NasssDomain,
    pub rating: Rating,
    pub note: Option<String>,
}

/// The profile as typed: `rating-<domain>` and `note-<domain>` per domain (the form's field names).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub ratings: std::collections::BTreeMap<String, String>,
    pub notes: std::collections::BTreeMap<String, String>,
}

pub const MAX_NOTE_CHARS: usize = 1000;

impl ProfileForm {
    pub fn from_ratings(ratings: &[DomainRating]) -> Self {
        let mut form = Self::default();
        for r in ratings {
            form.ratings.insert(r.domain.slug().to_owned(), r.rating.slug().to_owned());
            if let Some(note) = &r.note {
                form.notes.insert(r.domain.slug().to_owned(), note.clone());
            }
        }
        form
    }

    /// Every domain rated (unknown is an answer); notes are optional and screened for identifiers.
    ///
    /// # Errors
    /// A domain not rated or rated with a value not offered, a note too long or with what looks like
    /// patient-identifiable data. Errors are keyed `rating-<domain>` and `note-<domain>`.
    pub fn parse(&self) -> Result<Vec<DomainRating>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut out = Vec::new();
        for domain in NasssDomain::ALL {
            let (rating_key, note_key) = field_names(*domain);
            let rating = self.ratings.get(domain.slug()).and_then(|r| r.parse::<Rating>().ok());
            if rating.is_none() {
                errors.add(rating_key, format!("Rate {}", lower_first(domain.label())));
            }
            let raw = self.notes.get(domain.slug()).map_or("", String::as_str);
            let note = optional_text(&mut errors, note_key, raw, "the note", MAX_NOTE_CHARS);
            let findings = screen(raw);
            if !findings.is_empty() {
                errors.add(note_key, format!("The note contains what looks like {}: remove it", describe(&findings)));
            }
            if let Some(rating) = rating {
                out.push(DomainRating { domain: *domain, rating, note });
            }
        }
        errors.into_result(|| out)
    }
}

/// The form field names of a domain, as `'static` keys for errors.
pub fn field_names(domain: NasssDomain) -> (&'static str, &'static str) {
    match domain {
        NasssDomain::Condition => ("rating-condition", "note-condition"),
        NasssDomain::Technology => ("rating-technology", "note-technology"),
        NasssDomain::ValueProposition => ("rating-value-proposition", "note-value-proposition"),
        NasssDomain::Adopters => ("rating-adopters", "note-adopters"),
        NasssDomain::Organisation => ("rating-organisation", "note-organisation"),
        NasssDomain::WiderSystem => ("rating-wider-system", "note-wider-system"),
        NasssDomain::Embedding => ("rating-embedding", "note-embedding"),
    }
}

/// How much help a spread needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupportLevel {
    /// Not every domain rated yet.
    Incomplete,
    LightTouch,
    Planned,
    Facilitated,
    Intensive,
}

/// The advice for a profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Support {
    pub level: SupportLevel,
    pub complex: usize,
    pub complicated: usize,
    pub unknown: usize,
    pub headline: String,
    pub advice: String,
}

/// The support a spread needs, from the count of complex (and complicated) domains. Unknown domains
/// are counted and named: a spread planned on unknowns is planned blind.
pub fn support(ratings: &[DomainRating]) -> Support {
    let count = |r: Rating| ratings.iter().filter(|d| d.rating == r).count();
    let (complex, complicated, unknown) = (count(Rating::Complex), count(Rating::Complicated), count(Rating::Unknown));
    let rated = ratings.len() - unknown;
    let (level, headline, advice) = if rated < NasssDomain::ALL.len() {
        (
            SupportLevel::Incomplete,
            format!("{} of 7 domains rated", rated),
            "Rate every domain before planning the spread: each unknown is a risk the plan cannot yet see.".to_owned(),
        )
    } else if complex >= 3 {
        (
            SupportLevel::Intensive,
            format!("Complex in {complex} domains"),
            "Changes complex in several domains rarely reach lasting adoption. Simplify the change or its \
             context first where you can; otherwise spread as a programme with dedicated support, site by \
             site, with its own evaluation."
                .to_owned(),
        )
    } else if complex >= 1 {
        (
            SupportLevel::Facilitated,
            format!("Complex in {complex} domain{}", if complex == 1 { "" } else { "s" }),
            "Expect each site to adapt the change. Support each site with a facilitator, pilot it there with \
             a fresh baseline, and watch the complex domains closely."
                .to_owned(),
        )
    } else if complicated >= 1 {
        (
            SupportLevel::Planned,
            format!("Complicated in {complicated} domain{}", if complicated == 1 { "" } else { "s" }),
            "Plan the spread: a named lead at each site, training for the people whose work changes, and a \
             measured roll-out."
                .to_owned(),
        )
    } else {
        (
            SupportLevel::LightTouch,
            "Simple in every domain".to_owned(),
            "Share the change package and the measures; sites can adopt it with light-touch support.".to_owned(),
        )
    };
    Support { level, complex, complicated, unknown, headline, advice }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(ratings: [Rating; 7]) -> Vec<DomainRating> {
        NasssDomain::ALL
            .iter()
            .zip(ratings)
            .map(|(d, rating)| DomainRating { domain: *d, rating, note: None })
            .collect()
    }

    use Rating::{Complex as X, Complicated as C, Simple as S, Unknown as U};

    #[test]
    fn support_follows_the_count_of_complex_domains() {
        assert_eq!(support(&profile([S, S, S, S, S, S, S])).level, SupportLevel::LightTouch);
        assert_eq!(support(&profile([S, C, S, C, S, S, S])).level, SupportLevel::Planned);
        let one = support(&profile([S, C, S, X, S, S, S]));
        assert_eq!((one.level, one.headline.as_str()), (SupportLevel::Facilitated, "Complex in 1 domain"));
        assert_eq!(support(&profile([X, C, S, X, S, S, S])).level, SupportLevel::Facilitated);
        let three = support(&profile([X, X, S, X, C, S, S]));
        assert_eq!((three.level, three.complex, three.complicated), (SupportLevel::Intensive, 3, 1));
        let unknown = support(&profile([X, X, X, U, S, S, S]));
        assert_eq!((unknown.level, unknown.unknown), (SupportLevel::Incomplete, 1));
        assert_eq!(unknown.headline, "6 of 7 domains rated");
    }

    #[test]
    fn every_domain_must_be_rated_and_notes_are_screened() {
        let mut form = ProfileForm::from_ratings(&profile([S, C, S, X, S, S, S]));
        assert_eq!(form.parse().unwrap().len(), 7);
        form.ratings.remove("embedding");
        form.ratings.insert("technology".into(), "very".into());
        form.notes.insert("adopters".into(), "Mrs Patel on ward 3 refused".into());
        let errors = form.parse().unwrap_err();
        assert_eq!(errors.for_field("rating-embedding"), Some("Rate embedding and adaptation over time"));
        assert_eq!(errors.for_field("rating-technology"), Some("Rate the technology or change"));
        assert!(errors.for_field("note-adopters").unwrap().contains("a name after a title"), "{errors:?}");
    }
}
