//! Reading a matching instance from CSV text: `mentee,mentor,score` edges and `mentor,capacity` rows.
//! Ids are free text; errors name the line. Parsing only: the caller reads the files.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

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

/// Splits a CSV line with optional double quotes into `out`, which is reused from line to line so that
/// reading a file allocates nothing per field: a field without quotes is borrowed from the line.
fn split_into<'a>(line: &'a str, number: usize, out: &mut Vec<Cow<'a, str>>) -> Result<(), InputError> {
    out.clear();
    if !line.contains('"') {
        out.extend(line.split(',').map(|f| Cow::Borrowed(f.trim())));
        return Ok(());
    }
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
            (false, ',') => out.push(Cow::Owned(std::mem::take(&mut field).trim().to_owned())),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return Err(err(number, "a quoted field is not closed"));
    }
    out.push(Cow::Owned(field.trim().to_owned()));
    Ok(())
}

/// Calls `row` with (line number, fields) for each row after a header that must be exactly
/// `expected`; the first `ids` fields may not be empty. Stops at the first error.
fn each_row<'a>(
    text: &'a str,
    expected: &[&str],
    ids: usize,
    mut row: impl FnMut(usize, &[Cow<'a, str>]) -> Result<(), InputError>,
) -> Result<(), InputError> {
    let mut lines =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r'))).filter(|(_, l)| !l.trim().is_empty());
    let Some((n, header)) = lines.next() else {
        return Err(err(1, format!("the file is empty: it needs the header {}", expected.join(","))));
    };
    let mut fields = Vec::with_capacity(expected.len());
    split_into(header.trim_start_matches('\u{feff}'), n, &mut fields)?;
    if fields != expected {
        return Err(err(n, format!("the header must be {} (found {})", expected.join(","), fields.join(","))));
    }
    for (n, l) in lines {
        split_into(l, n, &mut fields)?;
        if fields.len() != expected.len() {
            return Err(err(n, format!("{} fields where the header has {}", fields.len(), expected.len())));
        }
        if fields.iter().take(ids).any(|f| f.is_empty()) {
            return Err(err(n, "an id is empty"));
        }
        row(n, &fields)?;
    }
    Ok(())
}

/// Rows after the header, collected: for the small files (participant profiles) where one allocation
/// per field does not matter.
fn rows(text: &str, expected: &[&str], ids: usize) -> Result<Vec<(usize, Vec<String>)>, InputError> {
    let mut out = Vec::new();
    each_row(text, expected, ids, |n, f| {
        out.push((n, f.iter().map(|x| x.to_string()).collect()));
        Ok(())
    })?;
    Ok(out)
}

/// Identifiers interned by their text. The files are local files the user chose, so hash flooding is
/// not a concern and a fast non-cryptographic hasher (FxHash) replaces the standard SipHash.
type Interned<'a> = FxHashMap<Cow<'a, str>, u32>;

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

/// Finds a pair named twice, in file order, without hashing every pair: while each mentee's rows come
/// together (as every file written mentee by mentee does), a per-mentor note of the last mentee and
/// its line is enough; if a mentee's rows are split, the pairs seen so far move into a hash set.
struct Pairs {
    last: Vec<(u32, u32)>,
    hashed: Option<FxHashMap<(u32, u32), u32>>,
}

impl Pairs {
    fn new(mentors: usize) -> Self {
        Self { last: vec![(u32::MAX, 0); mentors], hashed: None }
    }

    /// Records the pair on `line`; gives the line it first appeared on if it is a repeat.
    fn first_line(&mut self, mentee: u32, mentor: u32, line: u32) -> Option<u32> {
        match &mut self.hashed {
            Some(seen) => seen.insert((mentee, mentor), line),
            None => {
                let slot = &mut self.last[mentor as usize];
                if slot.0 == mentee {
                    return Some(slot.1);
                }
                *slot = (mentee, line);
                None
            }
        }
    }

    /// A mentee's rows resumed after another's: from now on remember every pair.
    fn split_mentee(&mut self, edges: &[Edge], lines: &[u32]) {
        if self.hashed.is_none() {
            let seen = edges.iter().zip(lines).map(|(e, &l)| ((e.mentee, e.mentor), l)).collect();
            self.hashed = Some(seen);
        }
    }
}

/// Reads both files into a validated problem. Mentees are those named in the edges, in order of
/// first appearance.
pub fn parse(mentors_csv: &str, edges_csv: &str) -> Result<NamedProblem, (Which, InputError)> {
    let mut mentor_ids = Vec::new();
    let mut mentor_index = Interned::default();
    let mut capacities = Vec::new();
    each_row(mentors_csv, &["mentor", "capacity"], 1, |n, f| {
        let capacity: i64 = f[1].parse().map_err(|_| err(n, format!("capacity {:?} is not a whole number", f[1])))?;
        if capacity < 0 {
            return Err(err(n, format!("capacity {capacity} must be 0 or more")));
        }
        if capacity > i64::from(u32::MAX) {
            return Err(err(n, format!("capacity {capacity} is more than the largest allowed, {}", u32::MAX)));
        }
        if mentor_index.insert(f[0].clone(), mentor_ids.len() as u32).is_some() {
            return Err(err(n, format!("mentor {:?} is listed twice", f[0])));
        }
        mentor_ids.push(f[0].to_string());
        capacities.push(capacity as u32);
        Ok(())
    })
    .map_err(|e| (Which::Mentors, e))?;
    let mut mentee_ids: Vec<String> = Vec::new();
    let mut mentee_index = Interned::default();
    let (mut edges, mut lines) = (Vec::new(), Vec::new());
    let mut pairs = Pairs::new(mentor_ids.len());
    // The mentee of the previous row: most rows repeat it, and then need no lookup.
    let mut current: Option<u32> = None;
    each_row(edges_csv, &["mentee", "mentor", "score"], 2, |n, f| {
        let Some(&mentor) = mentor_index.get(&*f[1]) else {
            return Err(err(n, format!("mentor {:?} is not in the mentors file", f[1])));
        };
        let score: i64 = f[2].parse().map_err(|_| err(n, format!("score {:?} is not a whole number", f[2])))?;
        if !(0..=MAX_SCORE).contains(&score) {
            return Err(err(n, format!("score {score} must be between 0 and {MAX_SCORE}")));
        }
        let mentee = match current {
            Some(i) if mentee_ids[i as usize] == *f[0] => i,
            _ => {
                let next = mentee_ids.len() as u32;
                let i = *mentee_index.entry(f[0].clone()).or_insert(next);
                if i == next {
                    mentee_ids.push(f[0].to_string());
                } else {
                    pairs.split_mentee(&edges, &lines);
                }
                current = Some(i);
                i
            }
        };
        let line = u32::try_from(n).map_err(|_| err(n, "the file has more lines than can be read"))?;
        if let Some(first) = pairs.first_line(mentee, mentor, line) {
            return Err(err(n, format!("the pair {}–{} already appears on line {first}", f[0], f[1])));
        }
        edges.push(Edge { mentee, mentor, score });
        lines.push(line);
        Ok(())
    })
    .map_err(|e| (Which::Edges, e))?;
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
        // A mentee whose rows are split by another's is still checked for repeats, in file order.
        let m2 = "mentor,capacity\nm1,1\nm2,1\n";
        check(
            m2,
            "mentee,mentor,score\na,m1,1\nb,m1,2\na,m2,3\nb,m2,4\nb,m1,5\na,m1,6\n",
            Which::Edges,
            "line 6: the pair b–m1 already appears on line 3",
        );
        let split = parse(m2, "mentee,mentor,score\na,m1,1\nb,m1,2\na,m2,3\n\"b\",\"m2\",4\n").unwrap();
        assert_eq!(split.mentee_ids, ["a", "b"]);
        assert_eq!(
            split.problem.edges.iter().map(|e| (e.mentee, e.mentor)).collect::<Vec<_>>(),
            [(0, 0), (1, 0), (0, 1), (1, 1)]
        );
        check(
            "mentor,capacity\nm1,1\nm1,2\n",
            "mentee,mentor,score\n",
            Which::Mentors,
            "line 3: mentor \"m1\" is listed twice",
        );
    }
}
