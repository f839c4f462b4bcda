//! Paged documents and chart images.
//!
//! Kindling's reports (the board report now; committee papers and appraisal records later) are
//! described as a [`Document`]: headings, paragraphs, lists, tables and figures. [`layout`] breaks a
//! document into A4 pages, each an SVG drawing, measuring text with the real font so lines wrap where
//! they will print. [`pdf`] turns those pages into one PDF whose text can be selected, searched and
//! read by `pdftotext`; [`png`] rasterises any SVG (a chart) at a chosen scale.
//!
//! Fonts come from the machine ([`Fonts::system`]): Kindling does not ship font files, so the server
//! needs one sans-serif family installed (Debian's `fonts-liberation` or `fonts-dejavu-core`). Loading
//! fonts is the only I/O here, and it happens once.

#![forbid(unsafe_code)]

mod fonts;
pub mod layout;
pub mod pdf;
pub mod png;

pub use fonts::Fonts;
pub use layout::{Block, Column, Document};

/// Why a document or image could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No sans-serif font is installed, so text cannot be drawn or measured.
    #[error(
        "no sans-serif font is installed on this server; install one (for example Debian's fonts-liberation) to export PDF and PNG"
    )]
    NoFont,
    /// The SVG could not be parsed (a bug in the code that drew it).
    #[error("the drawing could not be read: {0}")]
    Svg(String),
    /// The PDF writer or rasteriser refused the drawing.
    #[error("the drawing could not be converted: {0}")]
    Convert(String),
}
