//! The programme's CSV imports, each all-or-nothing with every problem reported by line: participants,
//! HR leavers by month, and patient-safety incidents by unit and month. Only aggregates and staff
//! references come in; nothing about patients.

use std::collections::{BTreeMap, BTreeSet};

use super::{ParticipantDraft, ParticipantForm, Roster, Settings};
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

/// Parses a participant file, checking each row against `roster` (the people already enrolled) and
/// the rows before it, so that a file that repeats someone is refused rather than half-applied, and each
/// mentee against the programme's eligibility (`settings`). A line manager may be anyone enrolled, or
/// anyone in the file, on any line.
pub fn parse_participants(
    text: &str,
    roster: &Roster,
    settings: &Settings,
) -> Result<Vec<ParticipantDraft>, Vec<RowError>> {
    let (columns, rows) = table(text)?;
    require(&columns, &REQUIRED_PARTICIPANT_COLUMNS)?;
    if rows.is_empty() {
        return Err(vec![RowError { line: 2, message: "The file has a header but no participants".into() }]);
    }
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    let mut seen: BTreeMap<(super::Side, String), usize> = BTreeMap::new();
    // Everyone enrolled and everyone in the file, for the line managers (checked once all are read).
    let mut everyone = roster.clone();
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
        let message = match form.parse_with(&[';']) {
            Ok(draft) => {
                let key = (draft.side, draft.reference.clone());
                if roster.is_enrolled(draft.side, &draft.reference) {
                    errors.push(RowError {
                        line,
                        message: format!("{} {} is already enrolled", draft.side.label(), draft.reference),
                    });
                    continue;
                }
                if let Some(first) = seen.get(&key) {
                    errors.push(RowError {
                        line,
                        message: format!("{} {} is also on line {first}", draft.side.label(), draft.reference),
                    });
                    continue;
                }
                // The line manager waits for the whole file; everything else is checked now.
                let mut checked = draft.clone();
                checked.line_manager.clear();
                let mut problems = settings.mentee_eligibility(&draft);
                problems.extend(everyone.check(&checked));
                seen.insert(key, line);
                everyone.add(draft.side, &draft.reference, draft.email.as_deref());
                drafts.push((line, draft));
                row_message(&problems)
            }
            Err(field_errors) => row_message(&field_errors),
        };
        if !message.is_empty() {
            errors.push(RowError { line, message });
        }
    }
    for (line, draft) in &drafts {
        if !draft.line_manager.is_empty() && !everyone.knows(&draft.line_manager) {
            let message =
                format!("line_manager: nobody in the programme or the file has the reference {}", draft.line_manager);
            errors.push(RowError { line: *line, message });
        }
    }
    errors.sort_by_key(|e| e.line);
    if errors.is_empty() { Ok(drafts.into_iter().map(|(_, d)| d).collect()) } else { Err(errors) }
}

/// A row's field errors as one message, each led by its column.
fn row_message(errors: &crate::validation::FieldErrors) -> String {
    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
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

/// Parses `unit,month,incidents,bed_days`. Each unit must be one of the organisation's `units`
/// (matched without regard to case and stored as the organisation spells it): incidents are compared
/// by unit, so a misspelt unit would silently count as a unit without mentoring.
pub fn parse_incidents(text: &str, units: &[String]) -> Result<Vec<UnitMonth>, Vec<RowError>> {
    let (columns, rows) = table(text)?;
    require(&columns, &["unit", "month", "incidents", "bed_days"])?;
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap_or(0);
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (line, fields) in rows {
        let get = |name: &str| fields.get(at(name)).map(|f| f.trim()).unwrap_or("");
        let mut problems = Vec::new();
        let written = get("unit");
        let unit = units.iter().find(|u| u.to_lowercase() == written.to_lowercase()).cloned().unwrap_or_default();
        if written.is_empty() {
            problems.push("unit must be named".to_owned());
        } else if unit.is_empty() {
            problems.push(format!(
                "unit {written} is not one of the organisation's units: check the spelling, or add the unit to its site first"
            ));
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
            && !unit.is_empty()
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
    use super::super::Side;
    use super::*;

    /// A new programme's settings: anyone may join.
    fn any() -> Settings {
        let form = super::super::ProgrammeForm {
            name: "Any".into(),
            eligibility: "Anyone".into(),
            ..super::super::ProgrammeForm::new_programme()
        };
        form.parse().unwrap().settings
    }

    #[test]
    fn mentees_outside_the_programme_s_professions_or_grades_are_refused() {
        let mut settings = any();
        settings.mentee_professions = vec!["nurse".into(), "allied-health-professional".into()];
        settings.mentee_grades = Some((4, 6));
        let text = format!(
            "{HEADER}\n\
             mentee,N1,Ada Brown,,Allied Health Professional,5,General,,qi,,,,,\n\
             mentee,N2,Dr Cy Dee,,doctor,5,General,,qi,,,,,\n\
             mentee,N3,Di Eve,,nurse,8,General,,qi,,,,,\n\
             mentor,N4,Fay Gee,,doctor,8,General,,qi,,,2,,\n"
        );
        let errors = parse_participants(&text, &Roster::default(), &settings).unwrap_err();
        assert_eq!(
            errors,
            [
                RowError {
                    line: 3,
                    message: "profession: This programme takes mentees who are nurse, allied-health-professional: doctor is not one of them".into()
                },
                RowError { line: 4, message: "grade: This programme takes mentees in grades or bands 4 to 6: 8 is not".into() },
            ]
        );
    }

    const HEADER: &str = "side,reference,name,email,profession,grade,site,unit,tags,learning_style,availability,capacity,line_manager,track";

    #[test]
    fn a_good_participant_file_comes_back_whole() {
        let text = format!(
            "{HEADER}\nmentor,N1,Ada Brown,,Nurse,8,General,Ward 7,leadership;qi,conversation,mon-am;tue-pm,2,,\nmentee,N2,Ben Cole,ben@example.nhs.uk,nurse,5,General,Ward 7,qi,,Thursday-afternoon,,N1,\n"
        );
        let drafts = parse_participants(&text, &Roster::default(), &any()).unwrap();
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].tags.len(), 2);
        assert_eq!(drafts[1].line_manager, "N1");
        assert_eq!(drafts[1].availability, ["thu-pm".to_owned()].into());
    }

    /// The mistakes the issue found accepted silently, each refused on its own line, nobody enrolled.
    #[test]
    fn unknown_line_managers_free_times_and_second_references_are_refused() {
        let mut roster = Roster::default();
        roster.add(Side::Mentor, "N5", Some("aisha.rahman@example.nhs.uk"));
        let text = format!(
            "{HEADER}\n\
             mentee,N6,Cy Dee,,nurse,5,General,,qi,,someday,,,\n\
             mentee,N7,Di Eve,,nurse,5,General,,qi,,,,N404,\n\
             mentee,N8,Aisha Rahman,Aisha.Rahman@example.nhs.uk,nurse,5,General,,qi,,,,,\n\
             mentee,N5,Aisha Rahman,aisha.rahman@example.nhs.uk,nurse,6,General,,qi,,,,N9,\n\
             mentor,N9,Fay Gee,,doctor,8,General,,qi,,,2,,\n"
        );
        let errors = parse_participants(&text, &roster, &any()).unwrap_err();
        assert_eq!(
            errors,
            [
                RowError {
                    line: 2,
                    message: "availability: \"someday\" is not a free time: write a day and a part of the day, like mon-am, thu-pm or wed-eve".into()
                },
                RowError {
                    line: 3,
                    message: "line_manager: nobody in the programme or the file has the reference N404".into()
                },
                RowError {
                    line: 4,
                    message: "email: Aisha.Rahman@example.nhs.uk is already enrolled under the reference N5: use that reference for the same person".into()
                },
            ]
        );
        // Line 5 is the same person as mentor N5 enrolled as a mentee under her own reference, with a
        // line manager who appears later in the file: both allowed.
    }

    #[test]
    fn a_bad_row_refuses_the_whole_file_with_its_line() {
        let text = format!(
            "{HEADER}\nmentor,N1,Ada Brown,,Nurse,8,General,,leadership,,,2,,\nmentor,N3,Cy Dee,,Doctor,twelve,General,,qi,,,2,,\nmentee,N1,Ada Brown,,Nurse,5,General,,qi,,,,,\n"
        );
        let mut existing = Roster::default();
        existing.add(Side::Mentee, "N1", None);
        let errors = parse_participants(&text, &existing, &any()).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, 3);
        assert_eq!(errors[0].message, "grade: Enter the grade or band as a whole number from 1 to 20");
        assert_eq!(errors[1], RowError { line: 4, message: "Mentee N1 is already enrolled".into() });
    }

    #[test]
    fn missing_columns_are_named() {
        let errors = parse_participants("side,reference,name\n", &Roster::default(), &any()).unwrap_err();
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
        let units = ["Ward 7".to_owned(), "Ward 9".to_owned()];
        let ok = parse_incidents("unit,month,incidents,bed_days\nward 7,2026-01,4,840\n", &units).unwrap();
        assert_eq!(ok[0], UnitMonth { unit: "Ward 7".into(), month: "2026-01".into(), incidents: 4, bed_days: 840 });
        let errors = parse_incidents(
            "unit,month,incidents,bed_days\nWard 7,2026-01,4,0\nWard 7,2026-02,1,800\nWard 7,2026-02,1,800\nWard 70,2026-02,1,800\n",
            &units,
        )
        .unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 4, 5]);
        assert_eq!(
            errors[2].message,
            "unit Ward 70 is not one of the organisation's units: check the spelling, or add the unit to its site first"
        );
    }
}
