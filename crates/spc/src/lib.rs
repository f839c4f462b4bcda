//! Run charts, statistical process control charts and NHS England's "Making Data Count" rules and icons:
//! pure statistics with no I/O, answering "did this change produce an improvement?".
//!
//! - [`options`]: the chart, the direction of improvement, phases and baselines, and every choice on which
//!   the reference implementations differ, with presets reproducing MDC, NHSRplotthedots and qicharts2.
//! - [`limits`]: centre lines and limits for each chart type.
//! - [`analysis`]: special-cause rules, Anhøj runs analysis, variation and assurance icons.
//! - [`verdict`]: the plain-language sentence a ward manager reads.
//!
//! The algorithms, and each point where the references disagree, are specified in the project's shared
//! SPC reference (SPEC.md); the tests compare every case of its corpus.

#![forbid(unsafe_code)]

pub mod analysis;
pub mod calendar;
pub mod compare;
pub mod input;
pub mod limits;
pub mod options;
mod stats;
pub mod verdict;

pub use analysis::{
    Analysis, Assurance, PointAnalysis, Rules, RunsAnalysis, Side, SpcError, SpecialCause, Variation, analyse,
    analyse_subgroups,
};
pub use limits::{Lines, Obs};
pub use options::{Chart, Conflict, GCentre, Improvement, Options, Preset, TargetOnLimit};
