//! drydock's rule engine.
//!
//! - [`registry`]: every rule, looked up by code, alias, name or prefix.
//! - [`rule`]: rule metadata ([`declare_rule!`]) and the [`rule::Rule`] trait; one file per rule
//!   under `rules/`, whose doc comment is its documentation.
//! - [`lint`]: runs the enabled rules on a file, applies severity overrides and
//!   [`suppression`]s.
//! - [`fix`]: applies fixes until they converge.
//! - [`shellcheck`]: ShellCheck on `RUN` scripts (`--shellcheck`), its findings mapped to exact
//!   ranges.
//! - [`config`]: `.drydock.yaml`, hadolint's configuration, and their resolution into
//!   [`settings::Settings`].
//!
//! **Architecture invariant:** rules never fail (no `Result`), and this crate knows nothing about
//! the LSP or output formats.

pub mod buildkit_check;
mod carry;
pub mod compose;
pub mod config;
pub mod diagnostic;
pub mod fix;
pub mod lint;
pub mod registry;
pub mod rule;
pub(crate) mod rules;
pub mod settings;
pub mod shellcheck;
pub mod suppress_edit;
pub mod suppression;

pub use carry::LocalFindings;
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, Severity, Tags};
pub use lint::{
    DockerfileInput, DockerfileLint, Previous, check_model, lint_dockerfile, lint_dockerfile_after,
};
pub use settings::{Options, Settings, ShellcheckSettings, Threshold};
