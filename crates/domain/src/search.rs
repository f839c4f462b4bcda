//! Search text handling shared by both databases: turning what someone typed into safe terms, and
//! cutting a result's snippet around the words that matched, with the matches marked.

/// Marks the start of a matched word in a snippet (turned into `<mark>` after escaping).
pub const MARK_START: char = '\u{2}';
/// Marks the end of a matched word.
pub const MARK_END: char = '\u{3}';

/// Words as search terms: letters and digits only, lower case, at least two characters, at most 12
/// terms, so nothing typed can change the meaning of the query syntax of either database.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .take(12)
        .collect()
}

/// Words that carry no meaning for similarity.
const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "from", "that", "this", "are", "was", "were", "have", "has", "our", "into", "on",
    "in", "of", "to", "at", "by", "an", "is", "be", "it", "we", "as", "or", "not", "they", "their", "when", "who",
    "what", "all", "more", "less", "new",
];

/// The words of `text` that say what it is about (see [`terms`]), for finding similar things: three
/// characters or more, and none of the common words that every text shares.
pub fn meaningful_words(text: &str) -> Vec<String> {
    terms(text).into_iter().filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.as_str())).collect()
}

/// What someone asked for: every group must match, and a group matches when any of its words does.
/// "falls OR slips night" is (falls or slips) and night; "OR" counts only as typed, in capitals, as
/// the library's hint says, so the word "or" in a sentence stays an ordinary word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub groups: Vec<Vec<String>>,
}

impl Wanted {
    /// Parses typed words (see [`terms`] for what a word is; at most 12 words in all).
    pub fn parse(text: &str) -> Self {
        let mut groups: Vec<Vec<String>> = Vec::new();
        let mut join_next = false;
        let mut count = 0;
        for raw in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            if raw == "OR" {
                join_next = !groups.is_empty();
                continue;
            }
            if raw.chars().count() < 2 || count == 12 {
                continue;
            }
            count += 1;
            let word = raw.to_lowercase();
            match groups.last_mut() {
                Some(group) if join_next => group.push(word),
                _ => groups.push(vec![word]),
            }
            join_next = false;
        }
        Self { groups }
    }

    /// Documents with any of `words` (for "similar ideas").
    pub fn any_of(words: Vec<String>) -> Self {
        Self { groups: if words.is_empty() { Vec::new() } else { vec![words] } }
    }

    /// Every word asked for, for marking matches in snippets.
    pub fn words(&self) -> Vec<String> {
        self.groups.iter().flatten().cloned().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Whether `text` has what is asked for, by the library's own rule (every group, any word of a
    /// group, words matched by prefix): how a saved search decides that something new is for it.
    pub fn found_in(&self, text: &str) -> bool {
        let words: Vec<&str> = text.split_whitespace().collect();
        !self.groups.is_empty() && self.groups.iter().all(|group| words.iter().any(|w| matches(w, group)))
    }
}

/// Whether a word of the text matches a term: the word begins with the term (the search matches
/// prefixes), or it is the stem the term was reduced to ("falls" finds "fall").
fn matches(word: &str, terms: &[String]) -> bool {
    let word: String = word.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    !word.is_empty()
        && terms
            .iter()
            .any(|t| word.starts_with(t.as_str()) || (word.chars().count() >= 4 && t.starts_with(word.as_str())))
}

/// About `width` words of `body` around its first match, each matched word between [`MARK_START`]
/// and [`MARK_END`], with an ellipsis where text was cut.
pub fn snippet(body: &str, terms: &[String], width: usize) -> String {
    let words: Vec<&str> = body.split_whitespace().collect();
    let first = words.iter().position(|w| matches(w, terms)).unwrap_or(0);
    let start = first.saturating_sub(width / 3);
    let end = (start + width).min(words.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    for (i, word) in words[start..end].iter().enumerate() {
        if i > 0 || start > 0 {
            out.push(' ');
        }
        if matches(word, terms) {
            out.push(MARK_START);
            out.push_str(word);
            out.push(MARK_END);
        } else {
            out.push_str(word);
        }
    }
    if end < words.len() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_syntax_becomes_plain_words() {
        assert_eq!(terms("\"Falls\" OR NEAR(title:x*) & DROP;"), ["falls", "or", "near", "title", "drop"]);
        assert_eq!(terms("a ø漢字"), ["ø漢字"]);
        assert_eq!(terms(&"word ".repeat(20)).len(), 12);
    }

    #[test]
    fn or_between_words_makes_them_alternatives() {
        let groups = |text: &str| Wanted::parse(text).groups;
        assert_eq!(groups("falls OR slips night"), [vec!["falls", "slips"], vec!["night"]]);
        assert_eq!(groups("falls OR slips OR trips"), [vec!["falls", "slips", "trips"]]);
        assert_eq!(groups("falls night"), [vec!["falls"], vec!["night"]]);
        // Lower-case "or" is a word like any other; a leading or trailing OR joins nothing.
        assert_eq!(groups("tea or coffee"), [vec!["tea"], vec!["or"], vec!["coffee"]]);
        assert_eq!(groups("OR falls OR"), [vec!["falls"]]);
        assert_eq!(groups("\"Falls\" OR NEAR(x*)"), [vec!["falls", "near"]]);
        assert!(Wanted::parse("  ; ").is_empty());
        assert_eq!(Wanted::parse(&"word ".repeat(20)).words().len(), 12);
    }

    #[test]
    fn snippets_mark_matches_and_cut_around_the_first() {
        let body = "one two three four five six seven eight nine ten the bay was untagged when she fell eleven twelve";
        let s = snippet(body, &["fall".into(), "untag".into()], 6);
        // The first match is word 13; a third of the width (2 words) comes before it, 6 in all.
        assert_eq!(s, "… bay was \u{2}untagged\u{3} when she fell …");
        assert_eq!(snippet("Falls fell", &["falls".into()], 10), "\u{2}Falls\u{3} fell");
        assert_eq!(
            snippet("the fall was bad", &["falls".into()], 10),
            "the \u{2}fall\u{3} was bad",
            "a stem the search matched"
        );
        assert_eq!(snippet("nothing here", &["zz".into()], 10), "nothing here");
    }
}
