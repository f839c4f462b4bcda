//! How easy a text is to read: the Flesch reading ease and Flesch–Kincaid grade, and the reading age
//! they imply, for public pages written for patients (NHS guidance: aim for a reading age of about
//! 9 to 11).
//!
//! The formulas are the published ones (Flesch 1948; Kincaid et al. 1975):
//! reading ease = 206.835 − 1.015 × words per sentence − 84.6 × syllables per word;
//! grade = 0.39 × words per sentence + 11.8 × syllables per word − 15.59.
//! A US grade is about five years younger than the reading age that goes with it (grade 1 ≈ age 6),
//! which is how UK guidance converts it.
//!
//! Syllables are counted by rule, not from a dictionary: vowel groups, less a silent final `e`
//! (but not `-le` after a consonant), at least one per word. Like every such counter it is close, not
//! exact, which is enough to tell an author that a text is too hard.

use serde::Serialize;

/// The measures of a text.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Readability {
    pub sentences: usize,
    pub words: usize,
    pub syllables: usize,
    pub reading_ease: f64,
    pub grade: f64,
    /// Grade + 5, rounded to whole years, never below 5.
    pub reading_age: u8,
}

/// The reading age NHS public information aims at, at most.
pub const TARGET_READING_AGE: u8 = 11;

/// Syllables in one word (letters only; anything else is ignored).
pub fn syllables(word: &str) -> usize {
    let w: Vec<char> = word.chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_lowercase()).collect();
    if w.is_empty() {
        return 0;
    }
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut count = 0;
    let mut previous = false;
    for (i, &c) in w.iter().enumerate() {
        // A `y` that starts a word is a consonant (yes, young).
        let is_vowel = vowel(c) && !(c == 'y' && i == 0);
        if is_vowel && !previous {
            count += 1;
        }
        previous = is_vowel;
    }
    let n = w.len();
    // A silent final e (make, hope), but not "-le" after a consonant (table, simple) or "-ee" (free).
    if n > 2 && w[n - 1] == 'e' && !vowel(w[n - 2]) {
        let le = w[n - 2] == 'l' && !vowel(w[n - 3]);
        if !le {
            count -= 1;
        }
    }
    // "-ed" is silent after most consonants (helped, asked) but not after t or d (wanted, needed).
    if n > 3 && w[n - 2] == 'e' && w[n - 1] == 'd' && !vowel(w[n - 3]) && !matches!(w[n - 3], 't' | 'd') {
        count -= 1;
    }
    count.max(1)
}

/// Scores a text. `None` for a text without words.
pub fn score(text: &str) -> Option<Readability> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '/' || c == '—')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    if words.is_empty() {
        return None;
    }
    // A sentence ends at . ! or ? followed by a space or the end (so 2.5 and e.g. inside words do not).
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = 0;
    for (i, c) in chars.iter().enumerate() {
        if matches!(c, '.' | '!' | '?') && chars.get(i + 1).is_none_or(|n| n.is_whitespace()) {
            let previous_is_end = i > 0 && matches!(chars[i - 1], '.' | '!' | '?');
            if !previous_is_end {
                sentences += 1;
            }
        }
    }
    // Text after the last full stop (a heading, a list item) still counts as a sentence.
    let tail = text.trim_end();
    if !tail.ends_with(['.', '!', '?']) {
        sentences += 1;
    }
    let sentences = sentences.max(1);
    let syllable_count: usize = words.iter().map(|w| syllables(w)).sum();
    let (w, s, y) = (words.len() as f64, sentences as f64, syllable_count as f64);
    let reading_ease = 206.835 - 1.015 * (w / s) - 84.6 * (y / w);
    let grade = 0.39 * (w / s) + 11.8 * (y / w) - 15.59;
    let age = (grade + 5.0).round().clamp(5.0, 25.0);
    Some(Readability {
        sentences,
        words: words.len(),
        syllables: syllable_count,
        reading_ease,
        grade,
        reading_age: age as u8,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_are_counted_by_rule() {
        // Counts from a dictionary's hyphenation (Collins): each word checked by hand.
        for (word, expected) in [
            ("the", 1),
            ("cat", 1),
            ("make", 1),
            ("table", 2),
            ("simple", 2),
            ("people", 2),
            ("hospital", 3),
            ("medicine", 3),
            ("helped", 1),
            ("wanted", 2),
            ("yes", 1),
            ("free", 1),
            ("readability", 5),
            ("volunteers", 3),
        ] {
            assert_eq!(syllables(word), expected, "{word}");
        }
        // A known limit of counting by rule: a silent e inside a word counts (im-prove-ment has 3).
        assert_eq!(syllables("improvement"), 4);
    }

    #[test]
    fn the_published_formulas_on_hand_counted_texts() {
        // "The cat sat on the mat." 6 words, 1 sentence, 6 syllables:
        // ease = 206.835 − 1.015×6 − 84.6×1 = 116.145; grade = 0.39×6 + 11.8×1 − 15.59 = −1.45.
        let r = score("The cat sat on the mat.").unwrap();
        assert_eq!((r.words, r.sentences, r.syllables), (6, 1, 6));
        assert!((r.reading_ease - 116.145).abs() < 1e-9);
        assert!((r.grade - -1.45).abs() < 1e-9);
        assert_eq!(r.reading_age, 5);
        // "Our volunteers help patients eat." 5 words, 1 sentence, 8 syllables (our 1, vol-un-teers 3,
        // help 1, pa-tients 2, eat 1): ease = 206.835 − 1.015×5 − 84.6×1.6 = 66.4;
        // grade = 0.39×5 + 11.8×1.6 − 15.59 = 5.24, so a reading age of 10.
        let r = score("Our volunteers help patients eat.").unwrap();
        assert_eq!((r.words, r.sentences, r.syllables), (5, 1, 8));
        assert!((r.reading_ease - 66.4).abs() < 1e-9, "{r:?}");
        assert!((r.grade - 5.24).abs() < 1e-9, "{r:?}");
        assert_eq!(r.reading_age, 10);
        // Twelve long words in one sentence: far above the target.
        let hard = "Multidisciplinary implementation of evidence-based nutritional interventions necessitates organisational commitment and considerable investment.";
        let r = score(hard).unwrap();
        assert_eq!((r.words, r.sentences), (12, 1));
        assert!(r.reading_age > TARGET_READING_AGE, "{r:?}");
    }

    #[test]
    fn sentence_ends_need_a_space_after_them() {
        let r = score("It costs 2.5 pounds. Ask us!").unwrap();
        assert_eq!(r.sentences, 2);
        let r = score("A heading without a stop").unwrap();
        assert_eq!(r.sentences, 1);
        assert_eq!(score("  . ! "), None);
    }
}
