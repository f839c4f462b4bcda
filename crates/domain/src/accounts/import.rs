//! The people file: `email,name,profession,roles,site`, the shape a workforce (ESR) extract can be turned
//! into. All or nothing: every problem is reported by line and nothing is written until the whole file is
//! right. Roles within a row are separated by `;` or `|` (or by commas inside a quoted field).

use std::collections::BTreeMap;

use crate::measures::RowError;
use crate::people::{Email, Profession, Role};
use crate::tabular::{require, table};
use crate::validation::capitalise_first;

pub const PEOPLE_COLUMNS: [&str; 5] = ["email", "name", "profession", "roles", "site"];

/// One person as the file gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    pub line: usize,
    pub email: Email,
    pub name: String,
    pub profession: Profession,
    pub roles: Vec<Role>,
    /// The site's name as the organisation spells it, if the row names one.
    pub site: Option<String>,
}

/// Parses a people file against the organisation's sites in use (their names). Every problem of every
/// row is reported; an email may appear once.
pub fn parse_people(text: &str, sites: &[String]) -> Result<Vec<PersonRow>, Vec<RowError>> {
    let (columns, rows) = table(text)?;
    require(&columns, &PEOPLE_COLUMNS[..4])?;
    let at = |name: &str| columns.iter().position(|c| c == name);
    let (email_at, name_at, profession_at, roles_at, site_at) =
        (at("email"), at("name"), at("profession"), at("roles"), at("site"));
    let mut people = Vec::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    if rows.is_empty() {
        return Err(vec![RowError { line: 2, message: "The file has a header but no people".into() }]);
    }
    for (line, fields) in rows {
        let get = |at: Option<usize>| at.and_then(|i| fields.get(i)).map(|f| f.trim()).unwrap_or("");
        let mut problems: Vec<String> = Vec::new();
        let email = match Email::parse(get(email_at)) {
            Ok(email) => {
                if let Some(first) = seen.insert(email.as_str().to_owned(), line) {
                    problems.push(format!(
                        "the email address {email} is also on line {first}; each person may appear once"
                    ));
                }
                Some(email)
            }
            Err(_) => {
                problems.push(format!("the email address {:?} is not in the correct format", get(email_at)));
                None
            }
        };
        let name = get(name_at);
        if name.is_empty() || name.chars().count() > 120 {
            problems.push("the name must be given, in 120 characters or fewer".to_owned());
        }
        let profession = parse_profession(get(profession_at));
        if profession.is_none() {
            problems.push(format!(
                "the profession {:?} is not one of: {}",
                get(profession_at),
                Profession::ALL.iter().map(|p| p.slug()).collect::<Vec<_>>().join(", ")
            ));
        }
        let mut roles = Vec::new();
        for raw in get(roles_at).split([';', '|', ',']).map(str::trim).filter(|r| !r.is_empty()) {
            match parse_role(raw) {
                Some(role) if !roles.contains(&role) => roles.push(role),
                Some(_) => {}
                None => problems.push(format!(
                    "the role {raw:?} is not one of: {}",
                    Role::ALL.iter().map(|r| r.slug()).collect::<Vec<_>>().join(", ")
                )),
            }
        }
        if roles.is_empty() && !get(roles_at).split([';', '|', ',']).any(|r| !r.trim().is_empty()) {
            problems.push("give at least one role, for example clinician".to_owned());
        }
        roles.sort();
        let site = match get(site_at) {
            "" => None,
            raw => match sites.iter().find(|s| s.eq_ignore_ascii_case(raw)) {
                Some(known) => Some(known.clone()),
                None => {
                    problems.push(format!("there is no site called {raw:?}; add it on the Sites page first"));
                    None
                }
            },
        };
        match (email, profession, problems.is_empty()) {
            (Some(email), Some(profession), true) => {
                people.push(PersonRow { line, email, name: name.to_owned(), profession, roles, site });
            }
            _ => errors.push(RowError { line, message: capitalise_first(&problems.join("; ")) }),
        }
    }
    if errors.is_empty() { Ok(people) } else { Err(errors) }
}

/// A profession by its slug or its label, in any case ("nurse", "Nurse", "Allied health professional").
pub fn parse_profession(raw: &str) -> Option<Profession> {
    Profession::ALL.iter().copied().find(|p| p.slug().eq_ignore_ascii_case(raw) || p.label().eq_ignore_ascii_case(raw))
}

/// A role by its slug or its label, in any case.
pub fn parse_role(raw: &str) -> Option<Role> {
    Role::ALL.iter().copied().find(|r| r.slug().eq_ignore_ascii_case(raw) || r.label().eq_ignore_ascii_case(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites() -> Vec<String> {
        vec!["Northfield General".to_owned(), "Riverside Community".to_owned()]
    }

    #[test]
    fn a_good_file_reads_every_row() {
        let file = "email,name,profession,roles,site\n\
                    Amara.Okafor@northfield.nhs.uk,Amara Okafor,Nurse,clinician;mentor,northfield general\n\
                    \n\
                    dev@northfield.nhs.uk,Dev Patel,doctor,\"approver,clinician\",\n";
        let people = parse_people(file, &sites()).unwrap();
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].email.as_str(), "amara.okafor@northfield.nhs.uk");
        assert_eq!(people[0].roles, [Role::Clinician, Role::Mentor]);
        assert_eq!(people[0].site.as_deref(), Some("Northfield General"));
        assert_eq!((people[1].line, people[1].profession, people[1].site.clone()), (4, Profession::Doctor, None));
        assert_eq!(people[1].roles, [Role::Clinician, Role::Approver]);
    }

    #[test]
    fn every_problem_is_named_by_line() {
        let file = "email,name,profession,roles,site\n\
                    a@x.nhs.uk,A,nurse,clinician,\n\
                    A@x.nhs.uk,A again,nurse,clinician,\n\
                    not-an-email,,surgeon,wizard,Moon Base\n\
                    b@x.nhs.uk,B,nurse,,\n";
        let errors = parse_people(file, &sites()).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert_eq!(errors[0].message, "The email address a@x.nhs.uk is also on line 2; each person may appear once");
        assert!(
            errors[1]
                .message
                .starts_with("The email address \"not-an-email\" is not in the correct format; the name must be given")
        );
        assert!(errors[1].message.contains("the profession \"surgeon\" is not one of: nurse, midwife"));
        assert!(errors[1].message.contains("the role \"wizard\" is not one of: admin, clinician"));
        assert!(errors[1].message.ends_with("there is no site called \"Moon Base\"; add it on the Sites page first"));
        assert_eq!(errors[2].message, "Give at least one role, for example clinician");
    }

    #[test]
    fn headers_and_empty_files() {
        assert_eq!(parse_people("", &sites()).unwrap_err()[0].message, "The file is empty");
        assert_eq!(
            parse_people("email,name\n", &sites()).unwrap_err()[0].message,
            "The header is missing the column(s): profession, roles"
        );
        assert_eq!(
            parse_people("email,name,profession,roles\n", &sites()).unwrap_err()[0].message,
            "The file has a header but no people"
        );
    }
}
