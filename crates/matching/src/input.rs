//! Reading a matching instance from CSV text: `mentee,mentor,score` edges and `mentor,capacity` rows.
//! Ids are free text; errors name the line. Parsing only: the caller reads the files.

use std::collections::HashMap;

use crate::problem::{Edge, MAX_SCORE, Problem};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct InputError {
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> InputError {
    InputError { line, message: message.into() }
}

/// Splits a CSV line with optional double quotes.
fn fields(line: &str, number: usize) -> Result<Vec<String>, InputError> {
    let mut out = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut chars) = (false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => out.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err(err(number, "a quoted field is not closed"));
    }
    out.push(field);
    Ok(out.into_iter().map(|f| f.trim().to_owned()).collect())
}

/// Rows after a header that must be exactly `expected`; yields (line number, fields).
fn rows(text: &str, expected: &[&str], ids: usize) -> Result<Vec<(usize, Vec<String>)>, InputError> {
    let mut lines =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r'))).filter(|(_, l)| !l.trim().is_empty());
    let Some((n, header)) = lines.next() else {
        return Err(err(1, format!("the file is empty: it needs the header {}", expected.join(","))));
    };
    let header = fields(header.trim_start_matches('\u{feff}'), n)?;
    if header != expected {
        return Err(err(n, format!("the header must be {} (found {})", expected.join(","), header.join(","))));
    }
    lines
        .map(|(n, l)| {
            let f = fields(l, n)?;
            if f.len() != expected.len() {
                return Err(err(n, format!("{} fields where the header has {}", f.len(), expected.len())));
            }
            if f.iter().take(ids).any(String::is_empty) {
                return Err(err(n, "an id is empty"));
            }
            Ok((n, f))
        })
        .collect()
}

/// A problem with the ids it was read with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedProblem {
    pub problem: Problem,
    pub mentee_ids: Vec<String>,
    pub mentor_ids: Vec<String>,
}

/// Where an error was found: the mentors file or the edges file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Mentors,
    Edges,
}

/// Reads both files into a validated problem. Mentees are those named in the edges, in order of
/// first appearance.
pub fn parse(mentors_csv: &str, edges_csv: &str) -> Result<NamedProblem, (Which, InputError)> {
    let mut mentor_ids = Vec::new();
    let mut mentor_index: HashMap<String, u32> = HashMap::new();
    let mut capacities = Vec::new();
    for (n, f) in rows(mentors_csv, &["mentor", "capacity"], 1).map_err(|e| (Which::Mentors, e))? {
        let capacity: i64 =
            f[1].parse().map_err(|_| (Which::Mentors, err(n, format!("capacity {:?} is not a whole number", f[1]))))?;
        if capacity < 0 {
            return Err((Which::Mentors, err(n, format!("capacity {capacity} must be 0 or more"))));
        }
        if capacity > i64::from(u32::MAX) {
            return Err((
                Which::Mentors,
                err(n, format!("capacity {capacity} is more than the largest allowed, {}", u32::MAX)),
            ));
        }
        if mentor_index.insert(f[0].clone(), mentor_ids.len() as u32).is_some() {
            return Err((Which::Mentors, err(n, format!("mentor {:?} is listed twice", f[0]))));
        }
        mentor_ids.push(f[0].clone());
        capacities.push(capacity as u32);
    }
    let mut mentee_ids = Vec::new();
    let mut mentee_index: HashMap<String, u32> = HashMap::new();
    let mut edges = Vec::new();
    let mut seen: HashMap<(u32, u32), usize> = HashMap::new();
    for (n, f) in rows(edges_csv, &["mentee", "mentor", "score"], 2).map_err(|e| (Which::Edges, e))? {
        let Some(&mentor) = mentor_index.get(&f[1]) else {
            return Err((Which::Edges, err(n, format!("mentor {:?} is not in the mentors file", f[1]))));
        };
        let score: i64 =
            f[2].parse().map_err(|_| (Which::Edges, err(n, format!("score {:?} is not a whole number", f[2]))))?;
        if !(0..=MAX_SCORE).contains(&score) {
            return Err((Which::Edges, err(n, format!("score {score} must be between 0 and {MAX_SCORE}"))));
        }
        let next = mentee_ids.len() as u32;
        let mentee = *mentee_index.entry(f[0].clone()).or_insert_with(|| {
            mentee_ids.push(f[0].clone());
            next
        });
        if let Some(first) = seen.insert((mentee, mentor), n) {
            return Err((Which::Edges, err(n, format!("the pair {}–{} already appears on line {first}", f[0], f[1]))));
        }
        edges.push(Edge { mentee, mentor, score });
    }
    Ok(NamedProblem { problem: Problem { mentees: mentee_ids.len(), capacities, edges }, mentee_ids, mentor_ids })
}

/// Reads participant profiles. Mentors: `id,profession,grade,site,expertise,learning_style,availability,
/// line_manager,track,capacity`; mentees: the same with `goals` for `expertise` and no `capacity`. Lists
/// (expertise, goals, availability) are separated by `;`; `track` is `standard` or `reverse`.
pub fn parse_profiles(text: &str, mentors: bool) -> Result<Vec<crate::profiles::Profile>, InputError> {
    use crate::profiles::{Profile, Track};
    let header: &[&str] = if mentors {
        &[
            "id",
            "profession",
            "grade",
            "site",
            "expertise",
            "learning_style",
            "availability",
            "line_manager",
            "track",
            "capacity",
        ]
    } else {
        &["id", "profession", "grade", "site", "goals", "learning_style", "availability", "line_manager", "track"]
    };
    let list = |s: &str| s.split(';').map(str::trim).filter(|t| !t.is_empty()).map(|t| t.to_lowercase()).collect();
    let mut seen = std::collections::HashSet::new();
    rows(text, header, 1)?
        .into_iter()
        .map(|(n, f)| {
            if !seen.insert(f[0].clone()) {
                return Err(err(n, format!("{:?} is listed twice", f[0])));
            }
            let grade: u8 =
                f[2].parse().map_err(|_| err(n, format!("grade {:?} is not a whole number from 0 to 255", f[2])))?;
            let track = match f[8].as_str() {
                "" | "standard" => Track::Standard,
                "reverse" => Track::Reverse,
                other => return Err(err(n, format!("track {other:?} must be standard or reverse"))),
            };
            let capacity = if mentors {
                f[9].parse::<u32>()
                    .map_err(|_| err(n, format!("capacity {:?} must be a whole number, 0 or more", f[9])))?
            } else {
                0
            };
            Ok(Profile {
                id: f[0].clone(),
                profession: f[1].to_lowercase(),
                grade,
                site: f[3].clone(),
                tags: list(&f[4]),
                learning_style: f[5].to_lowercase(),
                availability: list(&f[6]),
                line_manager: Some(f[7].clone()).filter(|s| !s.is_empty()),
                track,
                capacity,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_and_refuses_bad_rows_by_line() {
        let named = parse("mentor,capacity\nm1,2\nm2,0\n", "mentee,mentor,score\na,m1,5\nb,m2,3\na,m2,1\n").unwrap();
        assert_eq!(named.mentee_ids, ["a", "b"]);
        assert_eq!(named.problem.capacities, [2, 0]);
        assert_eq!(named.problem.edges.len(), 3);
        let check = |mentors: &str, edges: &str, which: Which, expected: &str| {
            let (w, e) = parse(mentors, edges).unwrap_err();
            assert_eq!((w, e.to_string().as_str()), (which, expected));
        };
        let m = "mentor,capacity\nm1,1\n";
        check(m, "mentee,mentor,score\na,zz,1\n", Which::Edges, "line 2: mentor \"zz\" is not in the mentors file");
        check(
            "mentor,capacity\nm1,-1\n",
            "mentee,mentor,score\n",
            Which::Mentors,
            "line 2: capacity -1 must be 0 or more",
        );
        // Issue 17: 2^63 - 1 was answered "must be 0 or more".
        check(
            "mentor,capacity\nm1,9223372036854775807\n",
            "mentee,mentor,score\na,m1,1\n",
            Which::Mentors,
            "line 2: capacity 9223372036854775807 is more than the largest allowed, 4294967295",
        );
        check(m, "mentee,mentor,score\na,m1,-5\n", Which::Edges, "line 2: score -5 must be between 0 and 1073741824");
        check(
            m,
            "mentee,mentor,score\na,m1,1\na,m1,2\n",
            Which::Edges,
            "line 3: the pair a–m1 already appears on line 2",
        );
        check(
            m,
            "mentee,mentor\na,m1\n",
            Which::Edges,
            "line 1: the header must be mentee,mentor,score (found mentee,mentor)",
        );
        check(m, "mentee,mentor,score\na,m1\n", Which::Edges, "line 2: 2 fields where the header has 3");
        check(m, "mentee,mentor,score\na,m1,x\n", Which::Edges, "line 2: score \"x\" is not a whole number");
        check(
            "mentor,capacity\nm1,1\nm1,2\n",
            "mentee,mentor,score\n",
            Which::Mentors,
            "line 3: mentor \"m1\" is listed twice",
        );
    }
}
