//! Analysed series to accessible SVG: pure functions with no I/O.
//!
//! [`spc::svg`] draws a run or control chart in the Making Data Count style (grey common-cause points,
//! orange concern, blue improvement, purple neither, dashed process limits, a target line, phase breaks,
//! and the variation and assurance icons), with a `<title>` and a `<desc>` that states the verdict in
//! words. [`spc::table_html`] gives the same data as a table, the alternative for people who cannot see
//! the chart. [`risk::heat_map`] draws the 5 × 5 risk matrix with a count per cell; [`driver::svg`] draws
//! a driver diagram; [`compare::svg`] two groups on one chart with a start marked.

#![forbid(unsafe_code)]

pub mod compare;
pub mod driver;
pub mod risk;
pub mod spc;
