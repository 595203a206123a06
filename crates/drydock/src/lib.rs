//! The `drydock` command line: `check`, `rule`, `rules`, `server`, `completions`, `manpage`.
//!
//! This crate is glue: it finds files, resolves configuration per file, runs the linter in
//! parallel and writes one of the output formats. It is a library too so that the end-to-end
//! tests can use its renderers.

pub mod args;
pub mod commands;
pub mod diff;
pub mod discover;
pub mod output;
pub mod resolve;
pub mod write;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::commands::check::ExitStatus;

/// Parses the command line and runs it.
#[must_use]
pub fn main_with_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitStatus {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            };
        }
    };
    match &cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Rule(args) => commands::rules::show(args),
        Command::Rules(args) => commands::rules::list(args),
        Command::Completions(args) => commands::generate::completions(args),
        Command::Manpage => commands::generate::run_manpage(),
        Command::Server(_) => match drydock_server::run_stdio() {
            Ok(()) => ExitStatus::Success,
            Err(e) => {
                eprintln!("drydock: error: language server: {e}");
                ExitStatus::Error
            }
        },
    }
}
