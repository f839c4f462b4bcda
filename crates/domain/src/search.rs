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
