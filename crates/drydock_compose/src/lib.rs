//! Compose files for drydock.
//!
//! This crate currently provides [`yaml`]: a spanned YAML tree (every key and value with its
//! exact byte range, duplicate keys kept and reported, aliases never expanded, bounded nesting)
//! built on `saphyr-parser` events. drydock's own configuration files are read with it too.
//!
//! **Architecture invariant:** this crate knows nothing about rules, configuration or the LSP.

pub mod yaml;
