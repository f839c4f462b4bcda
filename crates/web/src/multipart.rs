//! Reading `multipart/form-data` bodies (file uploads) that the body limit has already capped, for the
//! CSRF guard (which needs the `csrf_token` field) and the import handlers (which need the file).
//! Parts are slices of the body, never copies: a 20 MiB file is held once however often it is read.

use axum::body::Bytes;

/// One field of a multipart body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Present for file fields (possibly empty when no file was chosen).
    pub filename: Option<String>,
    /// A slice of the body (shares its memory).
    pub data: Bytes,
}

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn boundary(content_type: &str) -> Option<&str> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"'))
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A quoted parameter of a Content-Disposition header: `name="x"`.
fn parameter(header: &str, key: &str) -> Option<String> {
    let pattern = format!("{key}=\"");
    let mut search = header;
    loop {
        let at = search.find(&pattern)?;
        // `filename=` also contains `name=`: only a match at a parameter boundary counts.
        let before = search[..at].chars().last();
        let rest = &search[at + pattern.len()..];
        if matches!(before, None | Some(' ' | ';')) {
            return rest.find('"').map(|end| rest[..end].to_owned());
        }
        search = rest;
    }
}

/// Splits a body into its parts; `None` if it is not well formed.
pub fn parse(body: &Bytes, boundary: &str) -> Option<Vec<Part>> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut rest = &body[find(body, delimiter)? + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let header_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
        let content = &rest[header_end + 4..];
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(delimiter);
        let end = find(content, &closing)?;
        let disposition = headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        parts.push(Part {
            name: parameter(disposition, "name")?,
            filename: parameter(disposition, "filename"),
            data: body.slice_ref(&content[..end]),
        });
        rest = &content[end + closing.len()..];
    }
}

/// The text of the first field called `name`.
pub fn text<'a>(parts: &'a [Part], name: &str) -> Option<&'a str> {
    parts.iter().find(|p| p.name == name).and_then(|p| std::str::from_utf8(&p.data).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body as Chromium sends it for a form with a hidden token and one file.
    #[test]
    fn reads_fields_and_files() {
        let body = b"------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n------WebKitFormBoundaryX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.csv\"\r\nContent-Type: text/csv\r\n\r\nperiod,value\r\n2025-01-01,3\r\n\r\n------WebKitFormBoundaryX--\r\n";
        let b = boundary("multipart/form-data; boundary=----WebKitFormBoundaryX").unwrap();
        let parts = parse(&Bytes::from_static(body), b).unwrap();
        assert_eq!(text(&parts, "csrf_token"), Some("abc"));
        assert_eq!(parts[1].filename.as_deref(), Some("data.csv"));
        assert_eq!(parts[1].data.as_ref(), b"period,value\r\n2025-01-01,3\r\n");
    }

    #[test]
    fn refuses_what_is_not_multipart() {
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(parse(&Bytes::from_static(b"no delimiter here"), "x"), None);
        let unterminated = Bytes::from_static(b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated");
        assert_eq!(parse(&unterminated, "x"), None);
    }
}
