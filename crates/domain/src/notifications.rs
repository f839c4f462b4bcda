//! Notifications and the email digest: what each person is told, how mentions are found, when a
//! digest is due and what it says.
//!
//! Digest-first by design: people read their notifications in Kindling, and email gathers them into
//! one daily or weekly message. There is no email per event, and an empty digest is never sent.

use serde::Serialize;

use crate::people::slug_enum;

slug_enum!(
    /// Why someone was notified.
    Kind, "notification kind" {
        /// A stage move or an approval decision on an initiative they submitted or work on.
        Decision = ("decision", "Decisions"),
        /// Someone wrote @their-name in a comment.
        Mention = ("mention", "Mentions"),
        /// They were asked to review a learning review.
        ReviewRequest = ("review-request", "Review requests"),
        /// Feedback from patients or the public, and the team's replies to it.
        Feedback = ("feedback", "Feedback"),
        /// Thanks, an award or a learning-from-excellence report.
        Recognition = ("recognition", "Recognition"),
        /// A mentoring match offered, answered or closed, and collaborative spaces they belong to.
        Mentoring = ("mentoring", "Mentoring"),
        /// A change they work on adopted elsewhere, an adapted core component, a new version of a
        /// package they adopted, and the advice between the two teams.
        Spread = ("spread", "Spread"),
    }
);

slug_enum!(
    /// How often a person wants their notifications by email.
    Digest, "digest" {
        Daily = ("daily", "Once a day"),
        Weekly = ("weekly", "Once a week"),
        Off = ("off", "Never: I will read them in Kindling"),
    }
);

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl Digest {
    /// The shortest time between two digests.
    pub fn period_ms(self) -> Option<i64> {
        match self {
            Digest::Daily => Some(DAY_MS),
            Digest::Weekly => Some(7 * DAY_MS),
            Digest::Off => None,
        }
    }
}

/// Whether a digest may be sent now: never when off; otherwise when none has been sent yet or a
/// whole period has passed since the last. (Whether there is anything to send is the caller's check.)
pub fn digest_due(preference: Digest, last_sent_ms: Option<i64>, now_ms: i64) -> bool {
    match (preference.period_ms(), last_sent_ms) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(period), Some(last)) => now_ms - last >= period,
    }
}

/// The people a text mentions: each `@name` where name is the part of a colleague's email before
/// the `@` (letters, digits, dots, hyphens and underscores), lower-cased, each once, in order.
/// An `@` inside a word (an email address) is not a mention.
pub fn mentions(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        let starts = c == '@' && previous.is_none_or(|p| !(p.is_alphanumeric() || p == '.' || p == '_' || p == '-'));
        previous = Some(c);
        if !starts {
            continue;
        }
        let rest = &text[at + 1..];
        let len: usize = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .map(char::len_utf8)
            .sum();
        // A sentence's full stop is not part of the name.
        let name = rest[..len].trim_end_matches(['.', '-', '_']).to_ascii_lowercase();
        if !name.is_empty() && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

/// One notification as the digest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub kind: Kind,
    pub summary: String,
    /// A path inside Kindling, such as `/initiatives/3`.
    pub href: String,
}

/// A composed digest email.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestEmail {
    pub subject: String,
    pub text: String,
}

/// Something planned that a digest reminds its reader of: a mentoring meeting, with its time already
/// written in UK time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upcoming {
    pub when: String,
    pub summary: String,
    pub href: String,
}

impl Digest {
    /// How far ahead a digest looks for what is coming up: until the next one, and a day more.
    pub fn looks_ahead_ms(self) -> i64 {
        self.period_ms().map_or(0, |period| period + DAY_MS)
    }
}

/// The digest for one person: a count in the subject, then the notifications grouped by kind in a
/// fixed order, each with its link, then what is coming up. `None` when there is nothing to say.
pub fn compose_digest(
    name: &str,
    preference: Digest,
    items: &[Item],
    upcoming: &[Upcoming],
    base_url: &str,
) -> Option<DigestEmail> {
    if (items.is_empty() && upcoming.is_empty()) || preference == Digest::Off {
        return None;
    }
    let base = base_url.trim_end_matches('/');
    let period = if preference == Digest::Weekly { "this week" } else { "today" };
    let count = items.len();
    let subject = if count == 0 {
        format!("Kindling: {} coming up {period}", plural(upcoming.len(), "meeting", "meetings"))
    } else {
        format!("Kindling: {count} update{} for you {period}", if count == 1 { "" } else { "s" })
    };
    let mut text = if count == 0 {
        format!("Hello {name},\n\nA reminder of what is coming up.\n")
    } else {
        format!("Hello {name},\n\nHere is what happened in Kindling {period} that concerns you.\n")
    };
    for kind in Kind::ALL {
        let of_kind: Vec<&Item> = items.iter().filter(|i| i.kind == *kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{} ({})\n", kind.label(), of_kind.len()));
        for item in of_kind {
            text.push_str(&format!("- {}\n  {base}{}\n", item.summary, item.href));
        }
    }
    if !upcoming.is_empty() {
        text.push_str(&format!("\nComing up ({})\n", upcoming.len()));
        for u in upcoming {
            text.push_str(&format!("- {}: {}\n  {base}{}\n", u.when, u.summary, u.href));
        }
    }
    text.push_str(&format!(
        "\nRead and clear them at {base}/notifications.\nTo change how often you get this email, or stop it, go to {base}/account.\n"
    ));
    Some(DigestEmail { subject, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 60 * 60 * 1000;

    #[test]
    fn a_digest_is_due_once_a_period_has_passed() {
        let now = 1_000 * DAY_MS;
        assert!(digest_due(Digest::Daily, None, now));
        assert!(!digest_due(Digest::Daily, Some(now - 23 * HOUR), now));
        assert!(digest_due(Digest::Daily, Some(now - 24 * HOUR), now));
        assert!(!digest_due(Digest::Weekly, Some(now - 6 * DAY_MS), now));
        assert!(digest_due(Digest::Weekly, Some(now - 7 * DAY_MS), now));
        assert!(!digest_due(Digest::Off, None, now));
    }

    #[test]
    fn mentions_are_names_after_an_at_sign_not_email_addresses() {
        assert_eq!(mentions("Thanks @clinician, and @Improvement-Lead."), ["clinician", "improvement-lead"]);
        assert_eq!(mentions("write to clinician@demo.kindling.test"), Vec::<String>::new());
        assert_eq!(mentions("@sam.patel and @sam.patel again"), ["sam.patel"]);
        assert_eq!(mentions("a lone @ sign"), Vec::<String>::new());
        assert_eq!(mentions("(@ana_b)"), ["ana_b"]);
    }

    #[test]
    fn the_digest_groups_by_kind_and_is_never_empty() {
        let items = [
            Item { kind: Kind::Mention, summary: "Sam mentioned you on Falls".into(), href: "/initiatives/2".into() },
            Item { kind: Kind::Decision, summary: "Falls: Approved".into(), href: "/initiatives/2".into() },
            Item { kind: Kind::Decision, summary: "Sepsis: Stopped".into(), href: "/initiatives/5".into() },
        ];
        let email = compose_digest("Ana", Digest::Daily, &items, &[], "https://kindling.example/").unwrap();
        assert_eq!(email.subject, "Kindling: 3 updates for you today");
        let decisions = email.text.find("Decisions (2)").unwrap();
        let mentions = email.text.find("Mentions (1)").unwrap();
        assert!(decisions < mentions, "kinds in a fixed order: {}", email.text);
        assert!(email.text.contains("- Falls: Approved\n  https://kindling.example/initiatives/2\n"));
        assert!(email.text.contains("https://kindling.example/account"));
        assert_eq!(compose_digest("Ana", Digest::Daily, &[], &[], "https://x"), None);
        assert_eq!(compose_digest("Ana", Digest::Off, &items, &[], "https://x"), None);
        let weekly = compose_digest("Ana", Digest::Weekly, &items[..1], &[], "https://x").unwrap();
        assert_eq!(weekly.subject, "Kindling: 1 update for you this week");
        // A planned meeting is reminded of, with or without anything new to read.
        let meeting = Upcoming {
            when: "14 July 2027 at 10:30am".into(),
            summary: "Mentoring meeting with Dr Kwame Mensah".into(),
            href: "/mentoring/matches/7".into(),
        };
        let reminder = compose_digest("Ana", Digest::Weekly, &[], std::slice::from_ref(&meeting), "https://x").unwrap();
        assert_eq!(reminder.subject, "Kindling: 1 meeting coming up this week");
        assert!(reminder.text.contains(
            "Coming up (1)\n- 14 July 2027 at 10:30am: Mentoring meeting with Dr Kwame Mensah\n  https://x/mentoring/matches/7\n"
        ));
        let both = compose_digest("Ana", Digest::Daily, &items, &[meeting], "https://x").unwrap();
        assert!(both.text.find("Decisions (2)").unwrap() < both.text.find("Coming up (1)").unwrap());
        assert_eq!(Digest::Weekly.looks_ahead_ms(), 8 * DAY_MS);
    }
}
