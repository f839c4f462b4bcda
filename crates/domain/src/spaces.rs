//! Collaborative spaces: themed rooms open to the whole hub, where people from different professions
//! and organisations and patient partners work through the design-thinking stages, each with its
//! outputs; ideas started there become initiatives linked back to the space.

use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::people::slug_enum;
use crate::privacy::{describe, screen};
use crate::validation::{FieldErrors, required_text};

slug_enum!(
    /// The design-thinking stages, in order.
    Stage, "design-thinking stage" {
        Understand = ("understand", "Understand"),
        Define = ("define", "Define"),
        Ideate = ("ideate", "Ideate"),
        Prototype = ("prototype", "Prototype"),
        Test = ("test", "Test"),
    }
);

impl Stage {
    /// What the stage produces, as a prompt for its outputs.
    pub fn prompt(self) -> &'static str {
        match self {
            Stage::Understand => "What you heard and saw: interviews, observations, journey maps",
            Stage::Define => "The problem in one sentence, as a 'how might we' question",
            Stage::Ideate => "Ideas, as many as you can, before judging any of them",
            Stage::Prototype => "What you made to try an idea cheaply: a mock-up, a script, a role play",
            Stage::Test => "What happened when people tried it, and what you would change",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpaceForm {
    pub title: String,
    pub theme: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpaceDraft {
    pub title: String,
    pub theme: String,
}

impl SpaceForm {
    pub fn parse(&self) -> Result<SpaceDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = required_text(&mut errors, "title", &self.title, "a name for the space", 120);
        let theme = required_text(&mut errors, "theme", &self.theme, "the theme", 1000);
        errors.into_result(|| SpaceDraft { title, theme })
    }
}

/// An output of a stage: required, bounded, and screened for patient identifiers (spaces are shared
/// across organisations and with patient partners).
pub fn parse_output(stage: &str, body: &str) -> Result<(Stage, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let stage = stage.parse::<Stage>().ok();
    if stage.is_none() {
        errors.add("stage", "Choose the stage this output belongs to");
    }
    let text = required_text(&mut errors, "body", body, "the output", 2000);
    let findings = screen(body);
    if !findings.is_empty() {
        errors.add("body", format!("Remove what looks like {}", describe(&findings)));
    }
    match stage {
        Some(stage) => errors.into_result(|| (stage, text)),
        None => Err(errors),
    }
}

/// A patient partner's name as they wish to be known: short, and never an email or phone number.
pub fn parse_partner(name: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = required_text(&mut errors, "partner", name, "how the partner wishes to be known", 60);
    if text.contains('@') || text.chars().filter(char::is_ascii_digit).count() >= 5 {
        errors.add("partner", "Enter a name only, not contact details");
    }
    errors.into_result(|| text)
}

/// A place in one of a space's teams: a member with an account, or a patient partner (by their id in
/// the space's partners).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Seat {
    Member(UserId),
    Partner(i64),
}

/// Teams written as one line for a form to carry from the suggestion a page showed to the request
/// that saves it: `u12 u15 p3;u4 p9` (`u` a member's user id, `p` a partner's id, `;` between teams).
pub fn write_teams(teams: &[Vec<Seat>]) -> String {
    let seat = |s: &Seat| match s {
        Seat::Member(user) => format!("u{}", user.get()),
        Seat::Partner(id) => format!("p{id}"),
    };
    teams.iter().map(|team| team.iter().map(seat).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join(";")
}

/// Reads what [`write_teams`] wrote: `None` unless every team has someone in it and nobody is in
/// two places (the form is hidden, so anything else was not written by Kindling).
pub fn read_teams(raw: &str) -> Option<Vec<Vec<Seat>>> {
    let mut seen = std::collections::BTreeSet::new();
    let teams = raw
        .split(';')
        .map(|team| {
            team.split_whitespace()
                .map(|seat| {
                    let parsed = match seat.split_at_checked(1)? {
                        ("u", id) => Seat::Member(UserId::new(id.parse().ok().filter(|n: &i64| *n > 0)?)),
                        ("p", id) => Seat::Partner(id.parse().ok().filter(|n: &i64| *n > 0)?),
                        _ => return None,
                    };
                    seen.insert(parsed).then_some(parsed)
                })
                .collect::<Option<Vec<Seat>>>()
                .filter(|team| !team.is_empty())
        })
        .collect::<Option<Vec<_>>>()?;
    Some(teams)
}

/// The pages a patient partner's limited account may open, by method and path (`{id}` stands for a
/// number, `{}` for any one path segment). Everything else is refused to them: the list is of what they may
/// do, so that a page added later is closed to partners until someone decides otherwise. The pages
/// themselves then check that the space is one the partner takes part in.
const PARTNER_PAGES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/spaces"),
    ("GET", "/spaces/{id}"),
    ("POST", "/spaces/{id}/outputs"),
    ("GET", "/challenges/{id}"),
    ("GET", "/challenges/{id}/ideas/{id}"),
    ("POST", "/challenges/{id}/ideas/{id}/comments"),
    ("GET", "/notifications"),
    ("GET", "/notifications/{id}"),
    ("POST", "/notifications/read"),
    ("GET", "/account"),
    ("POST", "/account/password"),
    ("POST", "/account/digest"),
    ("GET", "/account/two-factor"),
    ("POST", "/account/two-factor"),
    ("POST", "/account/two-factor/remove"),
    ("POST", "/account/sessions/{}/end"),
    ("POST", "/switch-organisation"),
    ("POST", "/sign-out"),
];

/// Whether a partner's limited account may make this request (`method` as HTTP spells it; HEAD is
/// read as GET).
pub fn partner_may_request(method: &str, path: &str) -> bool {
    let method = if method == "HEAD" { "GET" } else { method };
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    PARTNER_PAGES.iter().any(|(m, pattern)| {
        *m == method && {
            let (mut want, mut have) = (pattern.split('/'), path.split('/'));
            loop {
                match (want.next(), have.next()) {
                    (None, None) => break true,
                    (Some("{}"), Some(segment)) if !segment.is_empty() => {}
                    (Some("{id}"), Some(segment))
                        if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) => {}
                    (Some(w), Some(h)) if w == h => {}
                    _ => break false,
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_read_back_as_written_and_nothing_else_is_read() {
        let teams = vec![
            vec![Seat::Member(UserId::new(12)), Seat::Member(UserId::new(15)), Seat::Partner(3)],
            vec![Seat::Member(UserId::new(4)), Seat::Partner(9)],
        ];
        assert_eq!(write_teams(&teams), "u12 u15 p3;u4 p9");
        assert_eq!(read_teams("u12 u15 p3;u4 p9"), Some(teams));
        for bad in ["", "u12;", "u12 u12", "u12;u12", "x1", "u", "u-1", "u0", "p1.5", "u12,u13"] {
            assert_eq!(read_teams(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn outputs_are_screened_and_need_a_stage() {
        assert_eq!(
            parse_output("define", "How might we cut waits?"),
            Ok((Stage::Define, "How might we cut waits?".into()))
        );
        assert!(parse_output("later", "x").unwrap_err().for_field("stage").is_some());
        assert!(parse_output("understand", "Seen at SW1A 1AA").unwrap_err().for_field("body").is_some());
    }

    #[test]
    fn partners_are_names_not_contact_details() {
        assert_eq!(parse_partner(" June "), Ok("June".into()));
        assert!(parse_partner("june@example.com").is_err());
        assert!(parse_partner("07700 900123").is_err());
    }

    #[test]
    fn a_partner_opens_only_their_spaces_pages_and_their_account() {
        for (method, path) in [
            ("GET", "/"),
            ("GET", "/spaces"),
            ("GET", "/spaces/7"),
            ("HEAD", "/spaces/7/"),
            ("POST", "/spaces/7/outputs"),
            ("GET", "/challenges/3/ideas/12"),
            ("POST", "/challenges/3/ideas/12/comments"),
            ("POST", "/account/sessions/abc/end"),
            ("POST", "/sign-out"),
        ] {
            assert!(partner_may_request(method, path), "{method} {path}");
        }
        for (method, path) in [
            ("GET", "/initiatives"),
            ("GET", "/initiatives/1"),
            ("GET", "/spaces/new"),
            ("POST", "/spaces"),
            ("POST", "/spaces/7/join"),
            ("POST", "/spaces/7/ideas"),
            ("POST", "/spaces/7/partners"),
            ("POST", "/spaces/7/outputs/extra"),
            ("GET", "/spaces//outputs"),
            ("POST", "/challenges/3/ideas"),
            ("POST", "/challenges/3/ideas/12/support"),
            ("POST", "/account/tokens"),
            ("DELETE", "/spaces/7"),
            ("GET", "/api/initiatives"),
            ("GET", "/dashboard"),
            ("GET", "/mentoring"),
            ("GET", "/admin"),
        ] {
            assert!(!partner_may_request(method, path), "{method} {path}");
        }
    }
}
