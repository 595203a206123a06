//! drydock_linter
