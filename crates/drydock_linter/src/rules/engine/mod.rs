//! Findings produced by the engine itself rather than by a rule's check.

pub(crate) mod binary_file;
pub(crate) mod file_too_large;
pub(crate) mod invalid_suppression;
pub(crate) mod syntax_error;
pub(crate) mod unused_suppression;
