//! Screening free text for what looks like patient-identifiable data, before it is stored or shown
//! beyond the people who wrote it. Kindling holds no patient records; this keeps them from arriving
//! by accident in feedback, comments and learning reviews.
//!
//! What is found, and why these rules:
//! - **NHS numbers**: ten digits (alone, or as 3-3-4 with spaces or hyphens) whose last digit is the
//!   valid Modulus 11 check digit (NHS Data Dictionary: weights 10 to 2 on the first nine digits;
//!   11 minus the remainder, 11 becoming 0, 10 meaning the number is not valid). A ten-digit run that
//!   fails the check is a phone number or a reference, not an NHS number.
//! - **Dates of birth**: a date after "born", "DOB", "D.O.B." or "date of birth"; or any full date
//!   (day, month and year) in a year from 1900 to 2015, which in improvement notes is almost always
//!   someone's birthday rather than when something happened.
//! - **Full postcodes**: an outward and an inward code (`LS1 4AP`); a district alone (`LS1`) is not
//!   identifying and is left alone.
//! - **Names after titles**: Mr, Mrs, Ms, Miss, Mx or Dr followed by a capitalised word, unless the
//!   name is one of the organisation's own staff (people with accounts), who are not patients:
//!   [`screen_except_staff`].
//! - **UK telephone numbers**: a national number (0 and 9 or 10 more digits: `07700 900123`,
//!   `(0113) 243 3144`, `020-7946-0958`) or an international one (`+44 7700 900123`, `+44 (0)113 …`),
//!   grouped by single spaces, hyphens or brackets, and not inside a longer run of digits (Ofcom's
//!   national numbering plan: UK numbers are 10 digits after the leading 0, a few areas 9).
//! - **Email addresses**: a local part, `@`, and a domain with a dot and a top-level label of two or
//!   more letters.

use serde::Serialize;

/// What kind of identifier a finding looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentifierKind {
    NhsNumber,
    DateOfBirth,
    Postcode,
    NameAfterTitle,
    PhoneNumber,
    EmailAddress,
}

impl IdentifierKind {
    pub fn label(self) -> &'static str {
        match self {
            IdentifierKind::NhsNumber => "an NHS number",
            IdentifierKind::DateOfBirth => "a date of birth",
            IdentifierKind::Postcode => "a full postcode",
            IdentifierKind::NameAfterTitle => "a name after a title",
            IdentifierKind::PhoneNumber => "a telephone number",
            IdentifierKind::EmailAddress => "an email address",
        }
    }
}

/// One match, with its byte range in the text (for highlighting).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: IdentifierKind,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Whether ten digits form a valid NHS number (Modulus 11).
pub fn nhs_number_is_valid(digits: &[u8; 10]) -> bool {
    let sum: u32 = digits[..9].iter().zip((2..=10).rev()).map(|(d, w)| u32::from(*d) * w).sum();
    match 11 - sum % 11 {
        11 => digits[9] == 0,
        10 => false,
        check => u32::from(digits[9]) == check,
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// NHS numbers: ten digits, optionally grouped 3-3-4 by single spaces or hyphens, not inside a longer
/// run of digits.
fn nhs_numbers(text: &str, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut digits = Vec::with_capacity(10);
        let mut j = i;
        while j < bytes.len() && digits.len() < 10 {
            let b = bytes[j];
            if b.is_ascii_digit() {
                digits.push(b - b'0');
                j += 1;
            } else if matches!(b, b' ' | b'-')
                && matches!(digits.len(), 3 | 6)
                && j + 1 < bytes.len()
                && bytes[j + 1].is_ascii_digit()
            {
                j += 1;
            } else {
                break;
            }
        }
        let ends_cleanly = j >= bytes.len() || !bytes[j].is_ascii_digit();
        if digits.len() == 10 && ends_cleanly {
            let array: [u8; 10] = digits.try_into().expect("ten digits");
            if nhs_number_is_valid(&array) {
                out.push(Finding { kind: IdentifierKind::NhsNumber, start: i, end: j, text: text[i..j].to_owned() });
            }
            i = j;
        } else {
            i += 1;
        }
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A date starting at `at`: `d/m/yyyy`, `d-m-yyyy`, `d.m.yyyy`, `yyyy-mm-dd` or `d Month yyyy`.
/// Returns (end, year).
fn date_at(text: &str, at: usize) -> Option<(usize, u32)> {
    let rest = &text[at..];
    let number = |s: &str| -> Option<(u32, usize)> {
        let len = s.bytes().take_while(u8::is_ascii_digit).count();
        if (1..=4).contains(&len) { s[..len].parse().ok().map(|v| (v, len)) } else { None }
    };
    let (first, len1) = number(rest)?;
    let after = &rest[len1..];
    // yyyy-mm-dd
    if len1 == 4 {
        let mut parts = after.strip_prefix('-')?.splitn(2, '-');
        let (m, d) = (parts.next()?, parts.next()?);
        let (mv, ml) = number(m)?;
        let (dv, dl) = number(d)?;
        return ((1..=12).contains(&mv) && (1..=31).contains(&dv) && ml == 2 && dl >= 2)
            .then_some((at + 4 + 1 + 2 + 1 + 2, first));
    }
    if len1 > 2 || !(1..=31).contains(&first) {
        return None;
    }
    // d/m/yyyy and friends
    if let Some(sep) = after.chars().next().filter(|c| matches!(c, '/' | '-' | '.')) {
        let (month, len2) = number(&after[1..])?;
        let tail = after[1 + len2..].strip_prefix(sep)?;
        let (year, len3) = number(tail)?;
        let year = match len3 {
            4 => year,
            2 => 1900 + year,
            _ => return None,
        };
        return (len2 <= 2 && (1..=12).contains(&month)).then_some((at + len1 + 1 + len2 + 1 + len3, year));
    }
    // d Month yyyy
    let words = after.strip_prefix(' ')?;
    let word_len = words.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = words[..word_len].to_ascii_lowercase();
    if word.len() < 3 || !MONTHS.iter().any(|m| m.starts_with(&word)) {
        return None;
    }
    let tail = words[word_len..].strip_prefix(' ')?;
    let (year, len3) = number(tail)?;
    (len3 == 4).then_some((at + len1 + 1 + word_len + 1 + 4, year))
}

fn dates_of_birth(text: &str, out: &mut Vec<Finding>) {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    for at in 0..bytes.len() {
        if !bytes[at].is_ascii_digit() || (at > 0 && is_word_byte(bytes[at - 1])) || !text.is_char_boundary(at) {
            continue;
        }
        let Some((end, year)) = date_at(text, at) else { continue };
        if end < bytes.len() && bytes[end].is_ascii_digit() {
            continue;
        }
        let before = &lower[at.saturating_sub(20)..at];
        let keyword = ["born", "dob", "d.o.b", "date of birth"].iter().any(|k| before.contains(k));
        if keyword || (1900..=2015).contains(&year) {
            out.push(Finding { kind: IdentifierKind::DateOfBirth, start: at, end, text: text[at..end].to_owned() });
        }
    }
}

/// Full UK postcodes: `A9 9AA`, `A99 9AA`, `AA9 9AA`, `AA99 9AA`, `A9A 9AA`, `AA9A 9AA`, with or
/// without the space, in any case.
fn postcodes(text: &str, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    let upper = |b: u8| b.to_ascii_uppercase();
    for start in 0..bytes.len() {
        if !bytes[start].is_ascii_alphabetic() || (start > 0 && is_word_byte(bytes[start - 1])) {
            continue;
        }
        for outward_len in 2..=4 {
            let outward = &bytes[start..(start + outward_len).min(bytes.len())];
            if outward.len() < outward_len || !valid_outward(outward) {
                continue;
            }
            let mut k = start + outward_len;
            if k < bytes.len() && bytes[k] == b' ' {
                k += 1;
            }
            if k + 3 <= bytes.len()
                && bytes[k].is_ascii_digit()
                && bytes[k + 1].is_ascii_alphabetic()
                && bytes[k + 2].is_ascii_alphabetic()
                && (k + 3 == bytes.len() || !is_word_byte(bytes[k + 3]))
                && outward.iter().all(|b| b.is_ascii_alphanumeric())
            {
                let found: String = text[start..k + 3].bytes().map(|b| upper(b) as char).collect();
                out.push(Finding { kind: IdentifierKind::Postcode, start, end: k + 3, text: found });
                break;
            }
        }
    }
}

fn valid_outward(o: &[u8]) -> bool {
    let (a, d) = (|b: &u8| b.is_ascii_alphabetic(), |b: &u8| b.is_ascii_digit());
    match o {
        [x, y] => a(x) && d(y),
        [x, y, z] => a(x) && ((d(y) && (d(z) || a(z))) || (a(y) && d(z))),
        [w, x, y, z] => a(w) && a(x) && d(y) && (d(z) || a(z)),
        _ => false,
    }
}

fn names_after_titles(text: &str, out: &mut Vec<Finding>) {
    const TITLES: [&str; 6] = ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"];
    let bytes = text.as_bytes();
    for (at, _) in text.char_indices() {
        if at > 0 && is_word_byte(bytes[at - 1]) {
            continue;
        }
        for title in TITLES {
            let Some(rest) = text[at..].strip_prefix(title) else { continue };
            let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
            let Some(name) = rest_trimmed.strip_prefix(' ') else { continue };
            let name_len = name
                .char_indices()
                .take_while(|(_, c)| c.is_alphabetic() || *c == '-' || *c == '\'')
                .last()
                .map_or(0, |(i, c)| i + c.len_utf8());
            if name_len >= 2 && name.chars().next().is_some_and(char::is_uppercase) {
                let end = at + (text[at..].len() - name.len()) + name_len;
                out.push(Finding {
                    kind: IdentifierKind::NameAfterTitle,
                    start: at,
                    end,
                    text: text[at..end].to_owned(),
                });
                break;
            }
        }
    }
}

/// UK telephone numbers; see the module documentation.
fn phone_numbers(text: &str, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'+' | b'.'));
        let international = bytes[i..].starts_with(b"+44");
        if !boundary || !(international || bytes[i] == b'0' || bytes[i..].starts_with(b"(0")) {
            i += 1;
            continue;
        }
        // Digits, each group separated by at most one space or hyphen; brackets anywhere.
        let mut j = if international { i + 3 } else { i };
        let (mut digits, mut end, mut gap) = (Vec::with_capacity(12), j, false);
        while let Some(&b) = bytes.get(j) {
            if b.is_ascii_digit() {
                digits.push(b);
                end = j + 1;
                gap = false;
            } else if matches!(b, b' ' | b'-') && !gap {
                gap = true;
            } else if !matches!(b, b'(' | b')') {
                break;
            }
            j += 1;
        }
        // "+44 (0)20 …": the bracketed trunk 0 is not dialled from abroad.
        if international && text[i..end].contains("(0)") && digits.first() == Some(&b'0') {
            digits.remove(0);
        }
        let national = if international {
            (9..=10).contains(&digits.len()) && digits.first() != Some(&b'0')
        } else {
            (10..=11).contains(&digits.len()) && digits.first() == Some(&b'0')
        };
        if national && !bytes.get(end).is_some_and(u8::is_ascii_digit) {
            out.push(Finding { kind: IdentifierKind::PhoneNumber, start: i, end, text: text[i..end].to_owned() });
            i = end;
        } else {
            i += 1;
        }
    }
}

/// Email addresses; see the module documentation.
fn email_addresses(text: &str, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    let domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    for (at, _) in text.match_indices('@') {
        let start = (0..at).rev().take_while(|&k| local(bytes[k])).last().unwrap_or(at);
        let mut end = (at + 1..bytes.len()).take_while(|&k| domain(bytes[k])).last().map_or(at + 1, |k| k + 1);
        // A full stop ending the sentence is not part of the address.
        while end > at + 1 && bytes[end - 1] == b'.' {
            end -= 1;
        }
        let host = &text[at + 1..end];
        let tld_ok = host.rsplit_once('.').is_some_and(|(name, tld)| {
            !name.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
        });
        if start < at && tld_ok {
            out.push(Finding { kind: IdentifierKind::EmailAddress, start, end, text: text[start..end].to_owned() });
        }
    }
}

/// Everything in `text` that looks like patient-identifiable data, in order of position.
pub fn screen(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    nhs_numbers(text, &mut found);
    dates_of_birth(text, &mut found);
    postcodes(text, &mut found);
    names_after_titles(text, &mut found);
    phone_numbers(text, &mut found);
    email_addresses(text, &mut found);
    found.sort_by_key(|f| (f.start, f.end));
    // A date inside an NHS number's digits, or overlapping matches: keep the first.
    let mut kept: Vec<Finding> = Vec::new();
    for f in found {
        if kept.last().is_none_or(|k| f.start >= k.end) {
            kept.push(f);
        }
    }
    kept
}

/// [`screen`], leaving alone a name after a title that is one of the organisation's own staff: a
/// finding whose name (the words after the title) equals a staff member's full name or surname,
/// ignoring case. Staff are not patients; thanking "Dr Mensah" is not a disclosure.
pub fn screen_except_staff(text: &str, staff: &[&str]) -> Vec<Finding> {
    let is_staff = |name: &str| {
        let name = name.trim().to_lowercase();
        staff.iter().any(|person| {
            let person = person.trim().to_lowercase();
            person == name || person.rsplit(' ').next() == Some(name.as_str())
        })
    };
    screen(text)
        .into_iter()
        .filter(|f| {
            f.kind != IdentifierKind::NameAfterTitle || !f.text.split_once(' ').is_some_and(|(_, name)| is_staff(name))
        })
        .collect()
}

/// `text` with every finding replaced by `[removed]`: what a public page may quote of text stored
/// before a rule was added.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in screen(text) {
        out.push_str(&text[at..f.start]);
        out.push_str("[removed]");
        at = f.end;
    }
    out.push_str(&text[at..]);
    out
}

/// One sentence naming what was found, for an error message: "an NHS number and a full postcode".
pub fn describe(findings: &[Finding]) -> String {
    let mut kinds: Vec<&str> = Vec::new();
    for f in findings {
        if !kinds.contains(&f.kind.label()) {
            kinds.push(f.kind.label());
        }
    }
    match kinds.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(IdentifierKind, String)> {
        screen(text).into_iter().map(|f| (f.kind, f.text)).collect()
    }

    /// 943 476 5919 is the NHS Data Dictionary's worked example of a valid number: 9×10 + 4×9 + 3×8 +
    /// 4×7 + 7×6 + 6×5 + 5×4 + 9×3 + 1×2 = 299; 299 mod 11 = 2; 11 − 2 = 9, the last digit.
    #[test]
    fn nhs_numbers_need_a_valid_check_digit() {
        assert!(nhs_number_is_valid(&[9, 4, 3, 4, 7, 6, 5, 9, 1, 9]));
        assert!(!nhs_number_is_valid(&[9, 4, 3, 4, 7, 6, 5, 9, 1, 8]));
        for written in ["9434765919", "943 476 5919", "943-476-5919"] {
            assert_eq!(kinds(&format!("Patient {written} fell.")), [(IdentifierKind::NhsNumber, written.to_owned())]);
        }
        // Telephone numbers are found as telephone numbers, not NHS numbers; other digits are left alone.
        assert_eq!(
            kinds("Call 0113 243 3144 or 01132433144 today"),
            [
                (IdentifierKind::PhoneNumber, "0113 243 3144".to_owned()),
                (IdentifierKind::PhoneNumber, "01132433144".to_owned())
            ]
        );
        assert!(kinds("ref 9434765918").is_empty());
    }

    #[test]
    fn dates_of_birth_by_keyword_or_by_year() {
        assert_eq!(kinds("DOB 03/04/1956")[0], (IdentifierKind::DateOfBirth, "03/04/1956".into()));
        assert_eq!(kinds("born 12 March 1948, lives alone")[0], (IdentifierKind::DateOfBirth, "12 March 1948".into()));
        assert_eq!(kinds("date of birth: 2019-06-01")[0], (IdentifierKind::DateOfBirth, "2019-06-01".into()));
        // Dates of events in recent years, without a keyword, are not flagged.
        assert!(kinds("We started on 3 March 2025 and reviewed on 01/06/2025.").is_empty());
    }

    #[test]
    fn full_postcodes_but_not_districts() {
        assert_eq!(kinds("lives at LS1 4AP now"), [(IdentifierKind::Postcode, "LS1 4AP".into())]);
        assert_eq!(kinds("sw1a2aa"), [(IdentifierKind::Postcode, "SW1A2AA".into())]);
        assert_eq!(kinds("EC1A 1BB."), [(IdentifierKind::Postcode, "EC1A 1BB".into())]);
        assert!(kinds("Patients from LS1 and M1 areas").is_empty());
    }

    #[test]
    fn names_after_titles() {
        assert_eq!(kinds("Mrs Okafor said thanks"), [(IdentifierKind::NameAfterTitle, "Mrs Okafor".into())]);
        assert_eq!(kinds("seen by Dr. O'Neill"), [(IdentifierKind::NameAfterTitle, "Dr. O'Neill".into())]);
        assert!(kinds("Mr tickle is a book; the drmr ward").is_empty());
    }

    /// The finding as reported (issue 18 §4): "Ring me on 07700 900123" and an email address. The
    /// numbers are Ofcom's drama numbers (07700 900000–900999, 0113 496 0000–0999, 020 7946 0000–0999).
    #[test]
    fn uk_telephone_numbers_and_email_addresses() {
        for written in [
            "07700 900123",
            "07700900123",
            "(0113) 496 0123",
            "0113-496-0123",
            "020 7946 0958",
            "+44 7700 900123",
            "+44 (0)20 7946 0958",
        ] {
            assert_eq!(
                kinds(&format!("Ring me on {written}.")),
                [(IdentifierKind::PhoneNumber, written.to_owned())],
                "{written}"
            );
        }
        // Too short, too long, or not a telephone number at all.
        for other in [
            "call 0113 496",
            "id 077009001234567",
            "0.5 mg at 08:00",
            "on 01/06/2025",
            "+1 212 555 0100",
            "1000 patients",
        ] {
            assert!(kinds(other).iter().all(|(k, _)| *k != IdentifierKind::PhoneNumber), "{other}: {:?}", kinds(other));
        }
        assert_eq!(
            kinds("Email jo.bloggs+ward7@example.nhs.uk."),
            [(IdentifierKind::EmailAddress, "jo.bloggs+ward7@example.nhs.uk".to_owned())]
        );
        assert!(kinds("meet @ 10, or @team, or a@b").is_empty());
        assert_eq!(redact("Ring 07700 900123 or mail me@example.com"), "Ring [removed] or mail [removed]");
    }

    #[test]
    fn names_of_the_organisations_own_staff_are_not_patient_identifiers() {
        let staff = ["Kofi Mensah", "Sarah Price"];
        assert!(screen_except_staff("Thanks to Dr Mensah and Dr Price supported us", &staff).is_empty());
        let found = screen_except_staff("Dr Price visited Mrs Okafor", &staff);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "Mrs Okafor");
    }

    #[test]
    fn several_findings_are_described_together() {
        let text = "Mr Jones (943 476 5919) of LS1 4AP";
        let found = screen(text);
        assert_eq!(found.len(), 3);
        assert_eq!(describe(&found), "a name after a title, an NHS number and a full postcode");
        assert_eq!(&text[found[1].start..found[1].end], "943 476 5919");
    }
}
