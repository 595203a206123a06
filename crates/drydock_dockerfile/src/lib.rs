//! Lossless Dockerfile syntax for drydock.
//!
//! - [`parse`] turns bytes into a [`Dockerfile`]: a flat, lossless sequence of items (every byte
//!   kept, the tree prints back to the input) plus syntax errors. Parsing never fails.
//!   [`reparse`] parses an edited text again, reusing the items of the previous tree that the
//!   edit did not touch.
//! - The grammar is BuildKit's (`frontend/dockerfile/parser`): parser directives, the escape
//!   character, continuations with comment and blank lines inside, heredocs, JSON exec form with
//!   BuildKit's fallback to shell form, flags, `ENV`/`LABEL`/`ARG` pairs.
//! - [`model::Model`] is the typed layer: stages, base images, `ARG`/`ENV` scopes with BuildKit's
//!   variable substitution, effective `USER`, the `SHELL` in effect, and a [`shell`] view of every
//!   `RUN` whose words map back to exact file ranges.
//!
//! **Architecture invariant:** this crate knows nothing about rules, configuration or the LSP.

mod args;
mod dump;
mod heredoc;
pub mod image;
mod json;
pub mod lex;
mod logical;
pub mod model;
mod parser;
mod reparse;
pub mod shell;
pub mod suggest;
mod syntax;

pub use args::{FlagType, allowed_flags};
pub use logical::LogicalLine;
pub use parser::{parse, parse_str};
pub use reparse::reparse;
pub use syntax::*;

pub use drydock_text::{SourceText, TextRange, TextSize};
