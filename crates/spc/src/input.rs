//! Reading series from CSV text: columns `x` (ISO date or integer), `y` (value or numerator; empty means
//! missing), optional `n` (denominator) and optional `series` (many series in one file, in any row order).
//! Rows of a series are put in order of `x`. Errors name the line and column.
//!
//! This is parsing, not I/O: the caller reads the file and passes its text.

use std::collections::BTreeMap;

/// An x value: a calendar date or an integer. One series uses one kind. Both are plain values (no
/// text is kept), so a million rows cost no allocation for their x.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum X {
    /// A real calendar date; fields in this order so that the derived order is chronological.
    Date {
        year: u16,
        month: u8,
        day: u8,
    },
    Int(i64),
}

impl X {
    pub fn label(&self) -> String {
        match self {
            X::Date { year, month, day } => format!("{year:04}-{month:02}-{day:02}"),
            X::Int(i) => i.to_string(),
        }
    }
}

/// One row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub x: X,
    pub y: Option<f64>,
    pub n: Option<f64>,
    /// 1-based line in the text, for error messages.
    pub line: usize,
}

/// One series, rows in order of x (stable: rows with equal x keep file order).
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesInput {
    pub name: String,
    pub rows: Vec<Row>,
}

/// A problem in the text, at a line and (where it is one cell) a column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {message}", column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
pub struct InputError {
    pub line: usize,
    pub column: Option<String>,
    pub message: String,
}

fn error(line: usize, column: Option<&str>, message: impl Into<String>) -> InputError {
    InputError { line, column: column.map(str::to_owned), message: message.into() }
}

/// Splits one CSV record into `fields`, honouring double quotes (`""` inside quotes is a quote). The
/// buffer is reused from line to line, and a line without quotes (most files have none) is split
/// without copying, so reading allocates nothing per field.
fn split_record<'a>(
    line: &'a str,
    number: usize,
    fields: &mut Vec<std::borrow::Cow<'a, str>>,
) -> Result<(), InputError> {
    fields.clear();
    if !line.contains('"') {
        fields.extend(line.split(',').map(|f| std::borrow::Cow::Borrowed(f.trim())));
        return Ok(());
    }
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                fields.push(std::borrow::Cow::Owned(std::mem::take(&mut field).trim().to_owned()));
                was_quoted = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(error(number, None, "a quoted field is not closed"));
    }
    fields.push(std::borrow::Cow::Owned(field.trim().to_owned()));
    Ok(())
}

fn parse_x(raw: &str, line: usize) -> Result<X, InputError> {
    if let Ok(i) = raw.parse::<i64>() {
        return Ok(X::Int(i));
    }
    let b = raw.as_bytes();
    let is_date = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && raw.chars().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if is_date {
        let (m, d): (u32, u32) = (raw[5..7].parse().unwrap_or(0), raw[8..10].parse().unwrap_or(0));
        let y: u16 = raw[0..4].parse().unwrap_or(0);
        let days = crate::calendar::days_in_month(i32::from(y), m).unwrap_or(0);
        if (1..=days).contains(&d) {
            return Ok(X::Date { year: y, month: m as u8, day: d as u8 });
        }
        return Err(error(line, Some("x"), format!("{raw:?} is not a real date")));
    }
    Err(error(line, Some("x"), format!("{raw:?} is neither an ISO date (YYYY-MM-DD) nor an integer")))
}

fn parse_number(raw: &str, line: usize, column: &str) -> Result<Option<f64>, InputError> {
    if raw.is_empty() || raw.eq_ignore_ascii_case("na") {
        return Ok(None);
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(error(line, Some(column), format!("{raw:?} is not a number"))),
    }
}

/// Parses the whole text. A header row is required; unknown columns are refused so that a typo cannot
/// silently drop a denominator.
pub fn parse_csv(text: &str) -> Result<Vec<SeriesInput>, InputError> {
    parse_csv_on(text, 1)
}

/// [`parse_csv`] on up to `threads` threads for a large text: the rows are cut into parts at line ends,
/// read side by side, and joined in file order, with the same result and the same first error.
pub fn parse_csv_on(text: &str, threads: usize) -> Result<Vec<SeriesInput>, InputError> {
    let mut lines =
        text.lines().enumerate().map(|(i, l)| (i + 1, l.trim_end_matches('\r'))).filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(error(1, None, "the file is empty: it needs a header row with x and y"));
    };
    let header_text = header.trim_start_matches('\u{feff}');
    let mut header = Vec::new();
    split_record(header_text, header_line, &mut header)?;
    let mut columns: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, name) in header.iter().map(|h| -> &str { h }).enumerate() {
        let known = matches!(name, "x" | "y" | "n" | "series");
        if !known {
            return Err(error(
                header_line,
                Some(name),
                format!("unknown column {name:?}: the columns are x, y, and optionally n and series"),
            ));
        }
        if columns.insert(name, i).is_some() {
            return Err(error(header_line, Some(name), format!("column {name:?} appears twice")));
        }
    }
    for required in ["x", "y"] {
        if !columns.contains_key(required) {
            return Err(error(header_line, None, format!("the header has no {required} column")));
        }
    }
    let layout = Layout {
        x: columns["x"],
        y: columns["y"],
        n: columns.get("n").copied(),
        series: columns.get("series").copied(),
        fields: header.len(),
    };
    // The rows after the header: `header_text` is a slice of `text`, so its end is an offset in it.
    let header_end = header_text.as_ptr() as usize - text.as_ptr() as usize + header_text.len();
    let body = text[header_end..].find('\n').map_or("", |i| &text[header_end + i + 1..]);
    let parts = split_at_lines(body, threads);
    let parsed: Vec<Result<Part, InputError>> = if parts.len() == 1 {
        vec![parse_part(body, &layout)]
    } else {
        std::thread::scope(|scope| {
            let layout = &layout;
            let handles: Vec<_> = parts.iter().map(|part| scope.spawn(move || parse_part(part, layout))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(error(header_line, None, "a reading thread failed"))))
                .collect()
        })
    };
    // Parts in file order: lines renumbered from the part's start, each series' rows appended to
    // those of earlier parts (so file order within a series is kept), and the first error in the file
    // is the one reported.
    let mut series: Vec<SeriesInput> = Vec::new();
    let mut index: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
    let mut lines_before = header_line;
    for part in parsed {
        let part = part.map_err(|e| InputError { line: e.line + lines_before, ..e })?;
        for mut s in part.series {
            for row in &mut s.rows {
                row.line += lines_before;
            }
            match index.get(&s.name) {
                Some(&k) => series[k].rows.append(&mut s.rows),
                None => {
                    index.insert(s.name.clone(), series.len());
                    series.push(s);
                }
            }
        }
        lines_before += part.lines;
    }
    if series.is_empty() {
        return Err(error(header_line, None, "the file has a header but no rows"));
    }
    for s in &mut series {
        let dates = s.rows.iter().filter(|r| matches!(r.x, X::Date { .. })).count();
        if dates != 0 && dates != s.rows.len() {
            let odd = s.rows.iter().find(|r| matches!(r.x, X::Int(_))).map_or(0, |r| r.line);
            return Err(error(odd, Some("x"), "this series mixes dates and integers in x"));
        }
        if !s.rows.is_sorted_by(|a, b| a.x <= b.x) {
            s.rows.sort_by_key(|a| a.x);
        }
    }
    Ok(series)
}

/// Which field holds what, from the header.
struct Layout {
    x: usize,
    y: usize,
    n: Option<usize>,
    series: Option<usize>,
    fields: usize,
}

/// The series found in part of the rows, with lines numbered from 1 at the part's start, and how
/// many lines the part has.
struct Part {
    series: Vec<SeriesInput>,
    lines: usize,
}

/// Below this size a file is read on one thread: starting threads would cost more than they save.
const PARALLEL_FROM_BYTES: usize = 1 << 20;

/// Splits `body` into about `threads` parts of similar size, each ending at the end of a line.
fn split_at_lines(body: &str, threads: usize) -> Vec<&str> {
    if threads <= 1 || body.len() < PARALLEL_FROM_BYTES {
        return vec![body];
    }
    let mut parts = Vec::with_capacity(threads);
    let mut rest = body;
    for k in (1..threads).rev() {
        let target = rest.len() - rest.len() * k / (k + 1);
        let Some(end) = rest[target..].find('\n').map(|i| target + i + 1) else { break };
        let (part, after) = rest.split_at(end);
        parts.push(part);
        rest = after;
    }
    parts.push(rest);
    parts
}

fn parse_part(text: &str, layout: &Layout) -> Result<Part, InputError> {
    // Rows of one series usually come together: remember the last series so most rows need no lookup.
    let mut series: Vec<SeriesInput> = Vec::new();
    // Series names come from a file the user chose: hash flooding is no concern, so FxHash.
    let mut index: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
    let mut current: Option<usize> = None;
    let mut fields = Vec::with_capacity(layout.fields);
    let mut lines = 0;
    for (i, line) in text.lines().enumerate() {
        lines = i + 1;
        let number = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        split_record(line, number, &mut fields)?;
        if fields.len() != layout.fields {
            return Err(error(number, None, format!("{} fields where the header has {}", fields.len(), layout.fields)));
        }
        let x = parse_x(&fields[layout.x], number)?;
        let y = parse_number(&fields[layout.y], number, "y")?;
        let n = match layout.n {
            Some(c) => parse_number(&fields[c], number, "n")?,
            None => None,
        };
        let name: &str = layout.series.map_or("", |c| &fields[c]);
        let slot = match current {
            Some(k) if series[k].name == name => k,
            _ => *index.entry(name.to_owned()).or_insert_with(|| {
                series.push(SeriesInput { name: name.to_owned(), rows: Vec::new() });
                series.len() - 1
            }),
        };
        current = Some(slot);
        series[slot].rows.push(Row { x, y, n, line: number });
    }
    Ok(Part { series, lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_and_unquoted_fields_and_orders_by_x() {
        let text = "\"x\",\"y\",\"n\"\n\"2021-01-03\",3,10\n2021-01-01,,10\n2021-01-02,\"2.5\",NA\n";
        let series = parse_csv(text).unwrap();
        assert_eq!(series.len(), 1);
        let xs: Vec<String> = series[0].rows.iter().map(|r| r.x.label()).collect();
        assert_eq!(xs, ["2021-01-01", "2021-01-02", "2021-01-03"]);
        assert_eq!(series[0].rows[0].y, None);
        assert_eq!(series[0].rows[1].y, Some(2.5));
        assert_eq!(series[0].rows[1].n, None);
        assert_eq!(series[0].rows[0].line, 3);
    }

    #[test]
    fn many_series_in_one_file_keep_first_seen_order() {
        let text = "series,x,y\nb,2,1\na,1,1\nb,1,2\n";
        let series = parse_csv(text).unwrap();
        assert_eq!(series.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(series[0].rows.iter().map(|r| r.x).collect::<Vec<_>>(), [X::Int(1), X::Int(2)]);
    }

    #[test]
    fn a_large_file_read_in_parts_gives_the_same_series_and_the_same_first_error() {
        // Over a megabyte, with series interleaved so each one spans every part, a blank line and
        // rows out of order.
        let mut text = String::from("series,x,y\n");
        for i in 0..100_000 {
            let x = if i % 1000 == 7 { 100_000 - i } else { i };
            text.push_str(&format!("s{},{x},{}.5\n", i % 7, i % 13));
            if i == 20_000 {
                text.push('\n');
            }
        }
        assert!(text.len() > PARALLEL_FROM_BYTES);
        let one = parse_csv(&text).unwrap();
        for threads in [2, 3, 8] {
            assert_eq!(parse_csv_on(&text, threads).unwrap(), one, "{threads} threads");
        }
        assert_eq!(one.len(), 7);
        assert_eq!(one[3].rows.iter().map(|r| r.line).max(), Some(100_001));
        // Errors in two parts: the earlier line is reported, numbered as in the file.
        let broken = text.replacen("s1,60005,", "s1,bad,", 1).replacen("s0,75005,", "s0,75005,x", 1);
        let expected = "line 60008, column x: \"bad\" is neither an ISO date (YYYY-MM-DD) nor an integer";
        assert_eq!(parse_csv(&broken).unwrap_err().to_string(), expected);
        for threads in [2, 3, 8] {
            assert_eq!(parse_csv_on(&broken, threads).unwrap_err().to_string(), expected, "{threads} threads");
        }
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let check =
            |text: &str, expected: &str| assert_eq!(parse_csv(text).unwrap_err().to_string(), expected, "{text:?}");
        check("", "line 1: the file is empty: it needs a header row with x and y");
        check(
            "x,y,m\n1,2,3\n",
            "line 1, column m: unknown column \"m\": the columns are x, y, and optionally n and series",
        );
        check("x\n1\n", "line 1: the header has no y column");
        check("x,y\n1,2\n2,abc\n", "line 3, column y: \"abc\" is not a number");
        check("x,y\n2021-02-30,1\n", "line 2, column x: \"2021-02-30\" is not a real date");
        check("x,y\nmonday,1\n", "line 2, column x: \"monday\" is neither an ISO date (YYYY-MM-DD) nor an integer");
        check("x,y\n1,2,3\n", "line 2: 3 fields where the header has 2");
        check("x,y\n1,\"2\n", "line 2: a quoted field is not closed");
        check("x,y\n1,2\n2021-01-01,3\n", "line 2, column x: this series mixes dates and integers in x");
        check("x,y,n\n1,2,inf\n", "line 2, column n: \"inf\" is not a number");
        check("x,y\n", "line 1: the file has a header but no rows");
    }
}
