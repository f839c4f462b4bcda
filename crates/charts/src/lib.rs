//! Analysed series to accessible SVG (run and control charts with the Making Data Count look, a `<title>`,
//! a `<desc>` stating the verdict, and a table alternative): pure functions with no I/O.
//!
//! The renderer arrives with the measurement-engine issue; this crate holds its place in the workspace.

#![forbid(unsafe_code)]
