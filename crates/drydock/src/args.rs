//! The command line, defined with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// drydock: a Dockerfile and Docker Compose linter with a language server.
#[derive(Debug, Parser)]
#[command(name = "drydock", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Dockerfiles and compose files (and fix what can be fixed).
    Check(CheckArgs),
    /// Show a rule's documentation.
    Rule(RuleArgs),
    /// List every rule.
    Rules(RulesArgs),
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with the range underlined (the default).
    Tty,
    /// One JSON array with hadolint's keys plus end positions and fixes.
    Json,
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// How to read a file given explicitly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// As a Dockerfile.
    Dockerfile,
    /// As a compose file.
    Compose,
}

/// Arguments of `drydock check`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)]
pub struct CheckArgs {
    /// Files or folders to lint (default: the current folder). `-` reads standard input.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Tty)]
    pub format: Format,

    /// Rules to run instead of the configured ones (codes, aliases, names, prefixes or ALL).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub select: Option<Vec<String>>,

    /// Rules to run in addition to the selected ones.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub extend_select: Vec<String>,

    /// Rules not to run.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,

    /// Lowest severity that makes the run fail: error, warning, info, style, ignore (any finding)
    /// or none (never).
    #[arg(long, short = 't', value_name = "LEVEL")]
    pub failure_threshold: Option<String>,

    /// Exit 0 even when problems are found.
    #[arg(long)]
    pub no_fail: bool,

    /// Apply safe fixes to the files.
    #[arg(long)]
    pub fix: bool,

    /// With --fix or --diff, also apply fixes that may change the build.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,

    /// Read explicit files as this kind, whatever their names.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,

    /// The path to report (and to look up configuration for) when reading standard input.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Paths to skip (globs, matched against paths relative to the folder walked).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Lint these compose files as one project, in this order (like `docker compose -f`).
    #[arg(long, value_name = "FILE")]
    pub compose_file: Vec<PathBuf>,

    /// The compose project folder (like `docker compose --project-directory`; default: the
    /// folder of the first compose file).
    #[arg(long, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,

    /// Read compose variables from these files instead of the project's `.env` (like
    /// `docker compose --env-file`).
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,

    /// Let the environment drydock runs in set compose variables, as it does for `docker
    /// compose` (off by default, so results do not depend on the shell).
    #[arg(long)]
    pub env_from_process: bool,

    /// Use this configuration file instead of looking for `.drydock.yaml`.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Worker threads (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print only the findings, no summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Output formats of `rule` and `rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A table (`rules`) or the documentation as text (`rule`).
    Text,
    /// JSON.
    Json,
    /// Markdown (`rules.md` is this output).
    Markdown,
}

/// Arguments of `drydock rule`.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code, alias or name.
    pub code: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

/// Arguments of `drydock rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}
