//! Compose files for drydock.
//!
//! - [`yaml`]: a spanned YAML tree (every key and value with its exact byte range, duplicate keys
//!   kept and reported, aliases never expanded while parsing, bounded nesting) built on
//!   `saphyr-parser` events. drydock's own configuration files are read with it too.
//! - [`interpolate`]: Compose's `${VAR}` interpolation, with *unknown* values for variables
//!   drydock cannot know.
//! - [`dotenv`]: `.env` and `env_file` files.
//! - [`tree`]: the resolved value tree of a file: aliases expanded with a budget, merge keys
//!   applied, scalars interpolated, every value remembering where it was written.
//! - [`merge`]: the Compose Specification's merge rules for override files.
//! - [`project`]: which files make a project, loading them with `.env`, `include`, `extends` and
//!   `env_file`.
//! - [`model`]: typed readings of service fields (ports, volumes, capabilities, booleans).
//!
//! **Architecture invariant:** this crate knows nothing about rules, configuration or the LSP.

pub mod dotenv;
pub mod interpolate;
pub mod merge;
pub mod model;
pub mod project;
pub mod schema;
pub mod tree;
pub mod yaml;
