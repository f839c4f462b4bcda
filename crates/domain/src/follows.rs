//! Communities of practice: people follow a change, a topic tag or a saved search of the library, and
//! hear in their digest of every new adoption, spread package version and learning review about it.

use serde::Serialize;

use crate::ids::InitiativeId;
use crate::initiatives::Tag;
use crate::search::Wanted;

/// What someone follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Followed {
    /// One change: its adoptions, package versions and learning review.
    Change(InitiativeId),
    /// Everything tagged with a topic, such as "falls".
    Topic(Tag),
    /// Whatever the library would find for these words.
    Search(String),
}

/// Something new about a change that followers may want to hear of.
#[derive(Clone, Debug)]
pub struct Event<'a> {
    pub initiative: InitiativeId,
    pub tags: &'a [String],
    /// The words a saved search is matched against: the change's title and what is new.
    pub text: &'a str,
}

impl Followed {
    /// Whether this follow wants to hear of `event`.
    pub fn wants(&self, event: &Event<'_>) -> bool {
        match self {
            Followed::Change(id) => *id == event.initiative,
            Followed::Topic(tag) => event.tags.iter().any(|t| t == tag.as_str()),
            Followed::Search(words) => Wanted::parse(words).found_in(event.text),
        }
    }

    /// In words, for the list of what someone follows.
    pub fn describe(&self, title: Option<&str>) -> String {
        match self {
            Followed::Change(id) => {
                format!("The change {}", title.map_or_else(|| format!("number {id}"), str::to_owned))
            }
            Followed::Topic(tag) => format!("The topic \u{201c}{}\u{201d}", tag.as_str()),
            Followed::Search(words) => format!("The search \u{201c}{words}\u{201d}"),
        }
    }
}

/// The words of a saved search, checked: at least one word the library can search by, at most 200
/// characters.
///
/// # Errors
/// The message to show.
pub fn parse_search(words: &str) -> Result<String, String> {
    let words = words.trim();
    if words.chars().count() > 200 {
        return Err("A saved search must be 200 characters or fewer".to_owned());
    }
    if Wanted::parse(words).is_empty() {
        return Err("Search for something first, then save the search".to_owned());
    }
    Ok(words.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn falls_event(text: &str) -> (Vec<String>, String) {
        (vec!["falls".to_owned(), "patient safety".to_owned()], text.to_owned())
    }

    #[test]
    fn a_follow_hears_of_its_change_its_topic_or_what_its_search_finds() {
        let (tags, text) = falls_event("Falls prevention: bay tagging. Adopted at Riverside House Care Home");
        let event = Event { initiative: InitiativeId::new(7), tags: &tags, text: &text };
        assert!(Followed::Change(InitiativeId::new(7)).wants(&event));
        assert!(!Followed::Change(InitiativeId::new(8)).wants(&event));
        assert!(Followed::Topic(Tag::parse("falls").unwrap()).wants(&event));
        assert!(Followed::Topic(Tag::parse("Patient safety").unwrap()).wants(&event), "tags compare as stored");
        assert!(!Followed::Topic(Tag::parse("sepsis").unwrap()).wants(&event));
        // The library's rule: every word, by prefix; OR between alternatives.
        assert!(Followed::Search("tagging care".into()).wants(&event));
        assert!(Followed::Search("fall".into()).wants(&event), "a prefix matches");
        assert!(!Followed::Search("tagging hospital".into()).wants(&event));
        assert!(Followed::Search("hospital OR tagging".into()).wants(&event));
    }

    #[test]
    fn a_saved_search_needs_words() {
        assert_eq!(parse_search("  falls at night "), Ok("falls at night".to_owned()));
        assert!(parse_search("   ").is_err());
        assert!(parse_search("!!").is_err());
        assert!(parse_search(&"a".repeat(201)).is_err());
    }
}
