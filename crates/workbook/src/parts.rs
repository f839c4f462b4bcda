//! The parts around a sheet: which part is the first sheet (through the package's relationships, as
//! Excel finds it), which cell styles show dates, and the shared strings that text cells point into.

use std::collections::HashMap;

use crate::archive::Archive;
use crate::sheet::TextBudget;
use crate::xml::{self, Flow, Node};
use crate::{Limits, WorkbookError, grouped};

/// Where the workbook keeps what the reader needs.
pub(crate) struct Book {
    /// The archive path of the first sheet in the workbook's tab order.
    pub first_sheet: String,
    pub styles: Option<String>,
    pub shared_strings: Option<String>,
    /// Serial dates count from 1 January 1904 (old Mac workbooks) instead of 1900.
    pub date1904: bool,
}

/// What a sheet's cells are read against.
pub(crate) struct Context<'a> {
    pub book: &'a Book,
    pub date_styles: &'a [bool],
    pub strings: &'a Strings,
}

const OFFICE_DOCUMENT: &str = "/officeDocument";
const WORKSHEET: &str = "/worksheet";
const STYLES: &str = "/styles";
const SHARED_STRINGS: &str = "/sharedStrings";

/// Excel's own ceiling on distinct cell formats; more is not a workbook Excel wrote.
const MAX_CELL_FORMATS: usize = 65_536;

pub(crate) fn workbook(archive: &mut Archive<'_>) -> Result<Book, WorkbookError> {
    let root = relationships(archive, "_rels/.rels")?;
    let main = root
        .iter()
        .find(|r| r.kind.ends_with(OFFICE_DOCUMENT))
        .map(|r| resolve("", &r.target))
        .transpose()?
        .unwrap_or_else(|| "xl/workbook.xml".to_owned());
    let (folder, file) = main.rsplit_once('/').unwrap_or(("", &main));
    let rels = relationships(archive, &format!("{}_rels/{file}.rels", with_slash(folder)))?;

    let mut first_sheet_id = None;
    let mut date1904 = false;
    let found = archive.with_part(&main, |part| {
        xml::each(part, "workbook", |node| {
            if let Node::Open(start) = node {
                match xml::name(start) {
                    "workbookPr" => {
                        date1904 = xml::attribute(start, "date1904", "workbook")?
                            .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
                    }
                    "sheet" => {
                        first_sheet_id = xml::attribute(start, "id", "workbook")?.map(|id| id.into_owned());
                        return Ok(Flow::Stop);
                    }
                    _ => {}
                }
            }
            Ok(Flow::Continue)
        })
    })?;
    if found.is_none() {
        return Err(WorkbookError::NotAWorkbook("it has no workbook part".to_owned()));
    }
    let id = first_sheet_id.ok_or(WorkbookError::NoSheets)?;
    let target = rels.iter().find(|r| r.id == id && r.kind.ends_with(WORKSHEET)).ok_or(WorkbookError::NoSheets)?;
    let by_kind = |kind: &str, default: &str| -> Result<Option<String>, WorkbookError> {
        match rels.iter().find(|r| r.kind.ends_with(kind)) {
            Some(r) => resolve(folder, &r.target).map(Some),
            None => Ok(Some(format!("{}{default}", with_slash(folder)))),
        }
    };
    Ok(Book {
        first_sheet: resolve(folder, &target.target)?,
        styles: by_kind(STYLES, "styles.xml")?,
        shared_strings: by_kind(SHARED_STRINGS, "sharedStrings.xml")?,
        date1904,
    })
}

/// For each cell style (the `s` attribute of a cell), whether its number format shows a date.
pub(crate) fn date_styles(archive: &mut Archive<'_>, path: Option<&str>) -> Result<Vec<bool>, WorkbookError> {
    let Some(path) = path else { return Ok(Vec::new()) };
    let mut custom: HashMap<u32, bool> = HashMap::new();
    let mut formats: Vec<u32> = Vec::new();
    let mut in_cell_formats = false;
    archive.with_part(path, |part| {
        xml::each(part, "styles", |node| {
            match node {
                Node::Open(start) => match xml::name(start) {
                    "numFmt" => {
                        let id = xml::attribute(start, "numFmtId", "styles")?.and_then(|v| v.trim().parse().ok());
                        let code = xml::attribute(start, "formatCode", "styles")?;
                        if let (Some(id), Some(code)) = (id, code) {
                            custom.insert(id, format_shows_date(&code));
                        }
                    }
                    "cellXfs" => in_cell_formats = true,
                    "xf" if in_cell_formats => {
                        if formats.len() == MAX_CELL_FORMATS {
                            return Err(WorkbookError::Malformed {
                                part: "styles",
                                detail: format!("it has more than {} cell formats", grouped(MAX_CELL_FORMATS as u64)),
                            });
                        }
                        let id = xml::attribute(start, "numFmtId", "styles")?.and_then(|v| v.trim().parse().ok());
                        formats.push(id.unwrap_or(0));
                    }
                    _ => {}
                },
                Node::Close("cellXfs") => in_cell_formats = false,
                Node::Close(_) | Node::Text(_) => {}
            }
            Ok(Flow::Continue)
        })
    })?;
    Ok(formats.into_iter().map(|id| custom.get(&id).copied().unwrap_or_else(|| builtin_shows_date(id))).collect())
}

/// Excel's built-in number formats that show a date (14–22 in every locale; 27–36, 45–47 and 50–58 in
/// the East Asian ones), following ECMA-376 part 1, 18.8.30. Elapsed times (`[h]:mm`) are not dates.
fn builtin_shows_date(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// Whether a custom format code shows a date or time: it has a day, month, year, hour or second token
/// outside quoted text, escapes and brackets. A bracketed elapsed time (`[h]:mm`) is a duration, read as
/// its number.
fn format_shows_date(code: &str) -> bool {
    // Only the first section (positive numbers) decides.
    let mut chars = code.chars().peekable();
    let mut elapsed = false;
    while let Some(c) = chars.next() {
        match c {
            ';' => break,
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                let inner: String = chars.by_ref().take_while(|&b| b != ']').collect();
                if matches!(inner.to_ascii_lowercase().as_str(), "h" | "hh" | "m" | "mm" | "s" | "ss") {
                    elapsed = true;
                }
            }
            'd' | 'D' | 'm' | 'M' | 'y' | 'Y' | 'h' | 'H' | 's' | 'S' if !elapsed => return true,
            _ => {}
        }
    }
    false
}

/// The shared strings, in one buffer, so that a million short strings cost a million spans rather than
/// a million allocations.
#[derive(Default)]
pub(crate) struct Strings {
    text: String,
    spans: Vec<(u32, u32)>,
}

impl Strings {
    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        let &(start, end) = self.spans.get(index)?;
        self.text.get(start as usize..end as usize)
    }

    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }
}

pub(crate) fn shared_strings(
    archive: &mut Archive<'_>,
    path: Option<&str>,
    limits: &Limits,
    budget: &mut TextBudget,
) -> Result<Strings, WorkbookError> {
    let Some(path) = path else { return Ok(Strings::default()) };
    let mut strings = Strings::default();
    let (mut in_item, mut in_text, mut in_phonetic) = (false, false, false);
    let mut start = 0;
    archive.with_part(path, |part| {
        xml::each(part, "shared strings", |node| {
            match node {
                Node::Open(element) => match xml::name(element) {
                    "si" => {
                        if strings.spans.len() == limits.max_cells {
                            return Err(WorkbookError::TooManyStrings { max: grouped(limits.max_cells as u64) });
                        }
                        in_item = true;
                        start = strings.text.len();
                    }
                    "t" => in_text = true,
                    "rPh" => in_phonetic = true,
                    _ => {}
                },
                Node::Text(text) if in_item && in_text && !in_phonetic => {
                    budget.take(text.len())?;
                    strings.text.push_str(text);
                }
                Node::Close("si") => {
                    in_item = false;
                    let decoded = decode_escapes(&strings.text[start..]);
                    if let Some(decoded) = decoded {
                        strings.text.truncate(start);
                        strings.text.push_str(&decoded);
                    }
                    // The budget keeps the buffer below u32::MAX.
                    strings.spans.push((start as u32, strings.text.len() as u32));
                }
                Node::Close("t") => in_text = false,
                Node::Close("rPh") => in_phonetic = false,
                Node::Close(_) | Node::Text(_) => {}
            }
            Ok(Flow::Continue)
        })
    })?;
    Ok(strings)
}

/// Decodes OOXML's `_xHHHH_` escapes (a carriage return is written `_x000D_`), or `None` when there are
/// none.
pub(crate) fn decode_escapes(text: &str) -> Option<String> {
    if !text.contains("_x") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("_x") {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let code = candidate
            .get(2..6)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .filter(|_| candidate.as_bytes().get(6) == Some(&b'_'))
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32);
        match code {
            Some(c) => {
                out.push(c);
                rest = &candidate[7..];
            }
            None => {
                out.push_str("_x");
                rest = &candidate[2..];
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

fn relationships(archive: &mut Archive<'_>, path: &str) -> Result<Vec<Relationship>, WorkbookError> {
    let mut found = Vec::new();
    archive.with_part(path, |part| {
        xml::each(part, "relationships", |node| {
            if let Node::Open(start) = node
                && xml::name(start) == "Relationship"
            {
                if found.len() == 1_000 {
                    return Err(WorkbookError::Malformed {
                        part: "relationships",
                        detail: "it lists more than 1,000 relationships".to_owned(),
                    });
                }
                let get =
                    |name| xml::attribute(start, name, "relationships").map(|v| v.unwrap_or_default().into_owned());
                found.push(Relationship { id: get("Id")?, kind: get("Type")?, target: get("Target")? });
            }
            Ok(Flow::Continue)
        })
    })?;
    Ok(found)
}

fn with_slash(folder: &str) -> String {
    if folder.is_empty() { String::new() } else { format!("{folder}/") }
}

/// A relationship's target as an archive path: absolute targets start at the package root, others at
/// the folder of the part that names them. A target that climbs out of the package is refused.
fn resolve(folder: &str, target: &str) -> Result<String, WorkbookError> {
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("{}{target}", with_slash(folder)),
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(WorkbookError::Malformed {
                        part: "relationships",
                        detail: format!("the part {target:?} is outside the workbook"),
                    });
                }
            }
            other => segments.push(other),
        }
    }
    Ok(segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_codes_that_show_dates() {
        for (code, date) in [
            ("dd/mm/yyyy", true),
            ("d-mmm-yy", true),
            ("mmm yyyy", true),
            ("hh:mm", true),
            ("yyyy-mm-dd;@", true),
            ("[$-809]dd mmmm yyyy", true),
            ("General", false),
            ("0.0%", false),
            ("#,##0.00", false),
            ("\"days\" 0", false),
            ("0\\d", false),
            ("[h]:mm", false),
            ("[Red]0.00", false),
            ("0;[Red]dd", false),
        ] {
            assert_eq!(format_shows_date(code), date, "{code}");
        }
    }

    #[test]
    fn built_in_formats_14_to_22_are_dates_and_elapsed_times_are_not() {
        assert!((14..=22).all(builtin_shows_date));
        assert!(![0, 1, 2, 9, 10, 11, 37, 49].iter().any(|&id| builtin_shows_date(id)));
    }

    #[test]
    fn escapes_decode_and_near_misses_stay() {
        assert_eq!(decode_escapes("no escapes"), None);
        assert_eq!(decode_escapes("a_x000D_b").as_deref(), Some("a\rb"));
        assert_eq!(decode_escapes("_x005F_x000D_").as_deref(), Some("_x000D_"));
        assert_eq!(decode_escapes("_x00G0_ and _x12").as_deref(), Some("_x00G0_ and _x12"));
        assert_eq!(decode_escapes("_xD800_").as_deref(), Some("_xD800_"));
    }

    #[test]
    fn targets_resolve_inside_the_package_only() {
        assert_eq!(resolve("xl", "worksheets/sheet1.xml").unwrap(), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve("xl", "/xl/worksheets/data.xml").unwrap(), "xl/worksheets/data.xml");
        assert_eq!(resolve("xl", "./a/../b.xml").unwrap(), "xl/b.xml");
        assert_eq!(resolve("", "xl/workbook.xml").unwrap(), "xl/workbook.xml");
        assert!(resolve("xl", "../../etc/passwd").is_err());
    }
}
