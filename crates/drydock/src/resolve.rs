//! Configuration for each file lives in `drydock_linter::config::resolve` (the language server
//! uses it too); this module keeps the binary's paths working.

pub use drydock_linter::config::resolve::*;
