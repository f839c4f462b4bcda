//! The programme's CSV imports, each all-or-nothing with every problem reported by line: participants,
//! HR leavers by month, and patient-safety incidents by unit and month. Only aggregates and staff
//! references come in; nothing about patients.

use std::collections::{BTreeMap, BTreeSet};

use super::{ParticipantDraft, ParticipantForm};
use crate::measures::RowError;
use crate::tabular::{require, table};

/// The participant file's columns, in any order; the first five and `profession`, `grade`, `site`
/// and `tags` are required.
pub const PARTICIPANT_COLUMNS: [&str; 14] = [
    "side",
    "reference",
    "name",
    "email",
    "profession",
    "grade",
    "site",
    "unit",
    "tags",
    "learning_style",
    "availability",
    "capacity",
    "line_manager",
    "track",
];

const REQUIRED_PARTICIPANT_COLUMNS: [&str; 7] = ["side", "reference", "name", "profession", "grade", "site", "tags"];

/// Parses a participant file. `existing` are the references already enrolled, by side, so that a
/// file that repeats one is refused rather than half-applied.
pub fn parse_participants(
    text: &str,
    existing: &BTreeSet<(String, String)>,
) -> Result<Vec<ParticipantDraft>, Vec<RowError>> {
    let (columns, rows) = table(text)?;
    require(&columns, &REQUIRED_PARTICIPANT_COLUMNS)?;
    if rows.is_empty() {
        return Err(vec![RowError { line: 2, message: "The file has a header but no participants".into() }]);
    }
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (line, fields) in rows {
        let get = |name: &str| {
            columns
                .iter()
                .position(|c| c == name)
                .and_then(|at| fields.get(at))
                .map(|f| f.trim().to_owned())
                .unwrap_or_default()
        };
        let form = ParticipantForm {
            side: get("side").to_lowercase(),
            reference: get("reference"),
            name: get("name"),
            email: get("email"),
            profession: get("profession"),
            grade: get("grade"),
            site: get("site"),
            unit: get("unit"),
            tags: get("tags"),
            learning_style: get("learning_style"),
            availability: get("availability"),
            capacity: get("capacity"),
            line_manager: get("line_manager"),
            track: get("track").to_lowercase(),
        };
        match form.parse_with(&[';']) {
            Ok(draft) => {
                let key = (draft.side.slug().to_owned(), draft.reference.clone());
                if existing.contains(&key) {
                    errors.push(RowError {
                        line,
                        message: format!("{} {} is already enrolled", draft.side.label(), draft.reference),
                    });
                } else if let Some(first) = seen.insert(key, line) {
                    errors.push(RowError {
                        line,
                        message: format!("{} {} is also on line {first}", draft.side.label(), draft.reference),
                    });
                } else {
                    drafts.push(draft);
                }
            }
            Err(field_errors) => {
                let message =
                    field_errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                errors.push(RowError { line, message });
            }
        }
    }
    if errors.is_empty() { Ok(drafts) } else { Err(errors) }
}

/// A month as `YYYY-MM`.
fn month(raw: &str) -> Option<String> {
    let (y, m) = raw.trim().split_once('-')?;
    let (year, number) = (y.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    ((1900..=9999).contains(&year) && (1..=12).contains(&number) && m.len() == 2).then(|| format!("{year}-{number:02}"))
}

fn count(raw: &str, what: &str, problems: &mut Vec<String>) -> u64 {
    raw.trim().parse::<u64>().unwrap_or_else(|_| {
        problems.push(format!("{what} must be a whole number, 0 or more"));
        0
    })
}

/// One month of the HR leavers file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HrMonth {
    pub month: String,
    pub staff_in_post: u64,
    pub leavers: u64,
    /// The staff references of the month's leavers, so participants among them can be counted.
    pub leaver_references: BTreeSet<String>,
}

/// Parses `month,staff_in_post,leavers,leaver_references` (references separated by semicolons).
pub fn parse_hr(text: &str) -> Result<Vec<HrMonth>, Vec<RowError>> {
    let (columns, rows) = table(text)?;
    require(&columns, &["month", "staff_in_post", "leavers", "leaver_references"])?;
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap_or(0);
    let mut months: BTreeMap<String, HrMonth> = BTreeMap::new();
    let mut errors = Vec::new();
    for (line, fields) in rows {
        let get = |name: &str| fields.get(at(name)).map(String::as_str).unwrap_or("");
        let mut problems = Vec::new();
        let m = month(get("month"));
        if m.is_none() {
            problems.push("month must be written like 2026-04".to_owned());
        }
        let staff = count(get("staff_in_post"), "staff_in_post", &mut problems);
        let leavers = count(get("leavers"), "leavers", &mut problems);
        let references: BTreeSet<String> =
            get("leaver_references").split(';').map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned).collect();
        if problems.is_empty() {
            if leavers > staff {
                problems.push(format!("leavers ({leavers}) cannot be more than staff_in_post ({staff})"));
            }
            if (references.len() as u64) > leavers {
                problems.push(format!("{} references are listed but leavers is {leavers}", references.len()));
            }
        }
        if let Some(m) = &m
            && months.contains_key(m)
        {
            problems.push(format!("{m} appears twice"));
        }
        match (m, problems.is_empty()) {
            (Some(m), true) => {
                months.insert(
                    m.clone(),
                    HrMonth { month: m, staff_in_post: staff, leavers, leaver_references: references },
                );
            }
            _ => errors.push(RowError { line, message: problems.join("; ") }),
        }
    }
    if errors.is_empty() && months.is_empty() {
        errors.push(RowError { line: 2, message: "The file has a header but no months".into() });
    }
    if errors.is_empty() { Ok(months.into_values().collect()) } else { Err(errors) }
}

/// Patient-safety incidents reported in one unit in one month, with its occupied bed days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitMonth {
    pub unit: String,
    pub month: String,
    pub incidents: u64,
    pub bed_days: u64,
}

/// Parses `unit,month,incidents,bed_days`.
pub fn parse_incidents(text: &str) -> Result<Vec<UnitMonth>, Vec<RowError>> {
    let (columns, rows) = table(text)?;
    require(&columns, &["unit", "month", "incidents", "bed_days"])?;
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap_or(0);
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (line, fields) in rows {
        let get = |name: &str| fields.get(at(name)).map(|f| f.trim()).unwrap_or("");
        let mut problems = Vec::new();
        let unit = get("unit").to_owned();
        if unit.is_empty() || unit.chars().count() > 120 {
            problems.push("unit must be named, in 120 characters or fewer".to_owned());
        }
        let m = month(get("month"));
        if m.is_none() {
            problems.push("month must be written like 2026-04".to_owned());
        }
        let incidents = count(get("incidents"), "incidents", &mut problems);
        let bed_days = count(get("bed_days"), "bed_days", &mut problems);
        if problems.is_empty() && bed_days == 0 {
            problems.push("bed_days must be more than 0".to_owned());
        }
        if let Some(m) = &m
            && let Some(first) = seen.insert((unit.clone(), m.clone()), line)
        {
            problems.push(format!("{unit} {m} is also on line {first}"));
        }
        match (m, problems.is_empty()) {
            (Some(month), true) => out.push(UnitMonth { unit, month, incidents, bed_days }),
            _ => errors.push(RowError { line, message: problems.join("; ") }),
        }
    }
    if errors.is_empty() && out.is_empty() {
        errors.push(RowError { line: 2, message: "The file has a header but no rows".into() });
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "side,reference,name,email,profession,grade,site,unit,tags,learning_style,availability,capacity,line_manager,track";

    #[test]
    fn a_good_participant_file_comes_back_whole() {
        let text = format!(
            "{HEADER}\nmentor,N1,Ada Brown,,Nurse,8,General,Ward 7,leadership;qi,conversation,mon-am;tue-pm,2,,\nmentee,N2,Ben Cole,ben@example.nhs.uk,nurse,5,General,Ward 7,qi,,mon-am,,N9,\n"
        );
        let drafts = parse_participants(&text, &BTreeSet::new()).unwrap();
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].tags.len(), 2);
        assert_eq!(drafts[1].line_manager, "N9");
    }

    #[test]
    fn a_bad_row_refuses_the_whole_file_with_its_line() {
        let text = format!(
            "{HEADER}\nmentor,N1,Ada Brown,,Nurse,8,General,,leadership,,,2,,\nmentor,N3,Cy Dee,,Doctor,twelve,General,,qi,,,2,,\nmentee,N1,Ada Brown,,Nurse,5,General,,qi,,,,,\n"
        );
        let existing: BTreeSet<(String, String)> = [("mentee".to_owned(), "N1".to_owned())].into();
        let errors = parse_participants(&text, &existing).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, 3);
        assert_eq!(errors[0].message, "grade: Enter the grade or band as a whole number from 1 to 20");
        assert_eq!(errors[1], RowError { line: 4, message: "Mentee N1 is already enrolled".into() });
    }

    #[test]
    fn missing_columns_are_named() {
        let errors = parse_participants("side,reference,name\n", &BTreeSet::new()).unwrap_err();
        assert_eq!(errors[0].message, "The header is missing the column(s): profession, grade, site, tags");
    }

    #[test]
    fn hr_months_are_checked_for_sense() {
        let months = parse_hr("month,staff_in_post,leavers,leaver_references\n2026-01,400,6,N1;N7\n").unwrap();
        assert_eq!(months[0].leaver_references.len(), 2);
        let errors =
            parse_hr("month,staff_in_post,leavers,leaver_references\n2026-13,400,6,\n2026-02,10,1,A;B\n").unwrap_err();
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[1].message, "2 references are listed but leavers is 1");
    }

    #[test]
    fn incident_rows_need_bed_days_and_appear_once() {
        let ok = parse_incidents("unit,month,incidents,bed_days\nWard 7,2026-01,4,840\n").unwrap();
        assert_eq!(ok[0], UnitMonth { unit: "Ward 7".into(), month: "2026-01".into(), incidents: 4, bed_days: 840 });
        let errors = parse_incidents(
            "unit,month,incidents,bed_days\nWard 7,2026-01,4,0\nWard 7,2026-02,1,800\nWard 7,2026-02,1,800\n",
        )
        .unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 4]);
    }
}
