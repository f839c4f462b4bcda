//! One part's XML as a stream of elements and text, with namespace prefixes dropped, empty elements
//! reported as an opening and a closing, and character and entity references resolved to text.
//!
//! Only the five predefined entities and character references exist here: a document type's own
//! entities are never expanded (that is how "billion laughs" files swell), and using one is an error.

use std::borrow::Cow;
use std::io::BufReader;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::WorkbookError;
use crate::archive::Part;

pub(crate) enum Node<'e> {
    Open(&'e BytesStart<'e>),
    Close(&'e str),
    Text(&'e str),
}

/// Whether to read on after a node.
#[derive(PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Stop,
}

/// Calls `on` for every element and piece of text of the part, in document order.
pub(crate) fn each(
    reader: &mut dyn Part,
    part: &'static str,
    mut on: impl FnMut(Node<'_>) -> Result<Flow, WorkbookError>,
) -> Result<(), WorkbookError> {
    let mut xml = Reader::from_reader(BufReader::with_capacity(64 * 1024, reader));
    let mut buf = Vec::new();
    let malformed = |detail: String| WorkbookError::Malformed { part, detail };
    loop {
        // A buffer that once held a large event is not kept at that size.
        if buf.capacity() > 1 << 20 {
            buf = Vec::new();
        }
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(|e| malformed(e.to_string()))?;
        xml.get_ref().get_ref().boundary();
        let flow = match &event {
            Event::Start(start) => on(Node::Open(start))?,
            Event::Empty(start) => {
                if on(Node::Open(start))? == Flow::Stop {
                    Flow::Stop
                } else {
                    on(Node::Close(start.local_name().into_inner()))?
                }
            }
            Event::End(end) => on(Node::Close(end.local_name().into_inner()))?,
            Event::Text(text) => on(Node::Text(&text.xml10_content()))?,
            Event::CData(data) => on(Node::Text(&data.xml10_content()))?,
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => predefined(&reference.xml10_content())
                        .ok_or_else(|| malformed(format!("it uses an entity, &{};", reference.xml10_content())))?,
                    Err(e) => return Err(malformed(e.to_string())),
                };
                on(Node::Text(resolved.encode_utf8(&mut [0; 4])))?
            }
            Event::Eof => return Ok(()),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => Flow::Continue,
        };
        if flow == Flow::Stop {
            return Ok(());
        }
    }
}

fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// The element's own name without its prefix: `x:row` is `row`.
pub(crate) fn name<'s>(start: &'s BytesStart<'_>) -> &'s str {
    start.local_name().into_inner()
}

/// The value of an attribute, matched by its name without prefix (`r:id` answers to `id`).
pub(crate) fn attribute<'s>(
    start: &'s BytesStart<'_>,
    wanted: &str,
    part: &'static str,
) -> Result<Option<Cow<'s, str>>, WorkbookError> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| WorkbookError::Malformed { part, detail: e.to_string() })?;
        if attr.key.local_name().into_inner() == wanted {
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| WorkbookError::Malformed { part, detail: e.to_string() })?;
            return Ok(Some(value));
        }
    }
    Ok(None)
}
