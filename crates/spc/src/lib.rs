//! Run charts, statistical process control charts and NHS England's "Making Data Count" rules and icons:
//! pure statistics with no I/O, answering "did this change produce an improvement?".
//!
//! The engine itself arrives with the measurement-engine issue; this crate holds its place in the
//! workspace so that the dependency direction (`spc` ← `domain` ← …) is fixed from the start.

#![forbid(unsafe_code)]
