//! SVG pages to one PDF.
//!
//! Each page is converted by svg2pdf into a form XObject (text stays text, in a subset of the
//! embedded font, with a ToUnicode map so it can be searched and copied) and drawn full-size on its
//! own A4 page.

use std::collections::HashMap;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, TextStr};
use resvg::usvg;

use crate::layout::{PAGE_HEIGHT, PAGE_WIDTH};
use crate::{Error, Fonts};

/// Writes `pages` (from [`crate::layout::pages`]) as a PDF whose document title is `title`.
///
/// # Errors
/// [`Error::Svg`] or [`Error::Convert`] when a page cannot be read or converted.
pub fn write(pages: &[String], title: &str, fonts: &Fonts) -> Result<Vec<u8>, Error> {
    let options =
        usvg::Options { fontdb: fonts.database(), font_family: fonts.family().to_owned(), ..Default::default() };
    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree_ref = next.bump();
    let info = next.bump();
    let mut pdf = Pdf::new();
    let mut page_refs = Vec::with_capacity(pages.len());
    let mut chunks = Vec::with_capacity(pages.len());
    let drawing = Name(b"Page");
    for page in pages {
        let tree = usvg::Tree::from_str(page, &options).map_err(|e| Error::Svg(e.to_string()))?;
        let (chunk, xobject) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
            .map_err(|e| Error::Convert(e.to_string()))?;
        // Chunks number their objects from 1; move each into this file's numbering.
        let mut renumbered = HashMap::new();
        let chunk = chunk.renumber(|old| *renumbered.entry(old).or_insert_with(|| next.bump()));
        let xobject = renumbered[&xobject];
        let (page_ref, content_ref) = (next.bump(), next.bump());
        let mut content = Content::new();
        content.save_state().transform([PAGE_WIDTH as f32, 0.0, 0.0, PAGE_HEIGHT as f32, 0.0, 0.0]).x_object(drawing);
        content.restore_state();
        pdf.stream(content_ref, &content.finish());
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH as f32, PAGE_HEIGHT as f32))
            .parent(tree_ref)
            .contents(content_ref);
        page.resources().x_objects().pair(drawing, xobject);
        page.finish();
        page_refs.push(page_ref);
        chunks.push(chunk);
    }
    pdf.catalog(catalog).pages(tree_ref);
    let count = i32::try_from(page_refs.len()).map_err(|_| Error::Convert("too many pages".into()))?;
    pdf.pages(tree_ref).kids(page_refs).count(count);
    pdf.document_info(info).title(TextStr(title)).creator(TextStr("Kindling"));
    for chunk in &chunks {
        pdf.extend(chunk);
    }
    Ok(pdf.finish())
}
