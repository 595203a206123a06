//! The subcommands.

pub mod check;
mod compose;
pub mod rules;
