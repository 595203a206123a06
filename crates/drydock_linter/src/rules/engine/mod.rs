//! Findings produced by the engine itself rather than by a rule's check.

pub(crate) mod binary_file;
pub(crate) mod extends_unresolvable;
pub(crate) mod file_too_large;
pub(crate) mod include_unresolvable;
pub(crate) mod invalid_suppression;
pub(crate) mod reference_outside_root;
pub(crate) mod remote_include_not_checked;
pub(crate) mod schema_invalid;
pub(crate) mod syntax_error;
pub(crate) mod unresolved_variable;
pub(crate) mod unused_suppression;
pub(crate) mod yaml_invalid;
