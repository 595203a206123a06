//! The subcommands.

pub mod check;
mod compose;
pub mod generate;
pub mod rules;
