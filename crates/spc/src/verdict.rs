//! placeholder verdict
