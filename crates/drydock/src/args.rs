//! The command line, defined with clap.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// drydock: a Dockerfile and Docker Compose linter with a language server.
// clap's own version flag is `-V`, which hadolint (and `drydock check`) use for `--verbose`:
// `-v`/`--version` are declared by hand, on the top level and on `check`.
#[derive(Debug, Parser)]
#[command(
    name = "drydock",
    version,
    about,
    long_about = None,
    propagate_version = true,
    disable_version_flag = true
)]
pub struct Cli {
    /// Print the version.
    #[arg(short = 'v', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Dockerfiles and compose files (and fix what can be fixed).
    #[command(after_help = CHECK_EXIT_CODES)]
    Check(CheckArgs),
    /// Show a rule's documentation.
    Rule(RuleArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Run the language server over standard input and output (for editors).
    Server(ServerArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print drydock's man page (roff; every command and option), generated from this command
    /// line's definition: `drydock manpage > drydock.1`.
    Manpage,
}

const COMPLETIONS_HELP: &str = "Examples:
  drydock completions bash > ~/.local/share/bash-completion/completions/drydock
  drydock completions zsh > \"${fpath[1]}/_drydock\"
  drydock completions fish > ~/.config/fish/completions/drydock.fish";

/// Arguments of `drydock completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `drydock server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Accepted and ignored: the server always speaks over standard input and output
    /// (vscode-languageclient adds this flag).
    #[arg(long)]
    pub stdio: bool,
}

const CHECK_EXIT_CODES: &str = "Exit codes:
  0  no finding at or above the failure threshold; also with --no-fail, and whenever a
     codeclimate or codacy format is asked for (as hadolint does)
  1  findings at or above the failure threshold (with --diff: fixes pending)
  2  usage, configuration or I/O errors";

/// Output formats of `check`: drydock's own (`tty`, `json`, `github`) and hadolint's, with
/// hadolint's names and shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum)]
pub enum Format {
    /// Source snippets with the range underlined (the default).
    Tty,
    /// One JSON array with hadolint's keys plus end positions and fixes.
    Json,
    /// Checkstyle XML.
    Checkstyle,
    /// Code Climate issues, each followed by a NUL byte (always exits 0, as in hadolint).
    Codeclimate,
    /// GitLab Code Quality: a JSON array of Code Climate issues with fingerprints.
    #[value(
        name = "gitlab_codeclimate",
        alias = "gitlab-codeclimate",
        alias = "gitlab"
    )]
    GitlabCodeclimate,
    /// `drydock:FILE:LINE:COLUMN: CODE level: message`, one line per finding.
    Gnu,
    /// Codacy JSON objects, concatenated (always exits 0, as in hadolint).
    Codacy,
    /// SonarQube generic issue import JSON.
    Sonarqube,
    /// SARIF 2.1.0 with rule metadata and fixes (GitHub code scanning and others).
    Sarif,
    /// JUnit XML, one test suite per file.
    Junit,
    /// GitHub Actions workflow commands (annotations on pull requests).
    Github,
}

impl Format {
    /// The name as written on the command line and in configuration.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Tty => "tty",
            Format::Json => "json",
            Format::Checkstyle => "checkstyle",
            Format::Codeclimate => "codeclimate",
            Format::GitlabCodeclimate => "gitlab_codeclimate",
            Format::Gnu => "gnu",
            Format::Codacy => "codacy",
            Format::Sonarqube => "sonarqube",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
        }
    }

    /// Parses a format name (as `-f` accepts it, case-insensitively).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        <Self as ValueEnum>::from_str(name.trim(), true).ok()
    }

    /// Whether hadolint exits 0 whatever is found when this format is asked for.
    #[must_use]
    pub fn forces_success(self) -> bool {
        matches!(self, Format::Codeclimate | Format::Codacy)
    }

    /// Whether `--file-path-in-report` changes the paths this format reports (hadolint's list,
    /// plus drydock's `sarif` and `github`).
    #[must_use]
    pub fn honors_path_in_report(self) -> bool {
        !matches!(
            self,
            Format::Tty | Format::Json | Format::Gnu | Format::Codacy
        )
    }
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

    /// Output format; repeatable, each format goes to the matching `--output` (default: the
    /// `format` of the configuration that applies to the working folder, else tty).
    /// `codeclimate` and `codacy` make the run exit 0 whatever is found, as in hadolint.
    #[arg(long, short = 'f', value_enum, value_name = "FORMAT", action = ArgAction::Append)]
    pub format: Vec<Format>,

    /// Write the output of the matching `--format` to FILE (repeatable, paired in order like
    /// hadolint's: formats without a file go to standard output, files without a format get
    /// tty). `-` is standard output.
    #[arg(long, short = 'o', value_name = "FILE", action = ArgAction::Append)]
    pub output: Vec<PathBuf>,

    /// Report every file under this path in the checkstyle, codeclimate, gitlab_codeclimate,
    /// sonarqube, junit, sarif and github formats (useful when linting inside a container).
    #[arg(long, value_name = "PATH")]
    pub file_path_in_report: Option<PathBuf>,

    /// The base address of the rules documentation linked from SARIF rule metadata (each rule
    /// adds its `#anchor`).
    #[arg(long, value_name = "URL", default_value = crate::output::DEFAULT_RULES_URL)]
    pub rules_url: String,

    /// Rules to run instead of the configured ones (codes, aliases, names, prefixes or ALL).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub select: Option<Vec<String>>,

    /// Rules to run in addition to the selected ones.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub extend_select: Vec<String>,

    /// Rules not to run.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,

    /// Give these rules the level `error` (repeatable; also turns them on). A rule named at
    /// several levels gets the most serious one, as in hadolint.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub error: Vec<String>,

    /// Give these rules the level `warning` (repeatable; also turns them on).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub warning: Vec<String>,

    /// Give these rules the level `info` (repeatable; also turns them on).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub info: Vec<String>,

    /// Give these rules the level `style` (repeatable; also turns them on).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub style: Vec<String>,

    /// A registry base images may come from (repeatable; turns DL3026 on, as in hadolint).
    #[arg(long, value_name = "REGISTRY")]
    pub trusted_registry: Vec<String>,

    /// A label every stage must set, with its type: text, url, semver, hash, rfc3339, spdx or
    /// email (repeatable; `LABEL` alone means text). Checked by DL3049 and the DL3052-DL3058
    /// family.
    #[arg(long, value_name = "LABEL:TYPE")]
    pub require_label: Vec<String>,

    /// Report labels that are not in the label schema (DL3050).
    #[arg(long)]
    pub strict_labels: bool,

    /// Ignore every suppression comment (`# drydock ignore=`, `# hadolint ignore=`).
    #[arg(long)]
    pub disable_ignore_pragma: bool,

    /// Run ShellCheck on RUN scripts and report its findings as SCxxxx codes (needs the
    /// `shellcheck` binary on PATH, or `shellcheck-path` in .drydock.yaml).
    #[arg(long)]
    pub shellcheck: bool,

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

    /// Lint only the compose services Compose would start with this profile active (like
    /// `docker compose --profile`; repeatable, `*` for all). Default: every service, each
    /// finding naming the profiles its service needs.
    #[arg(long, value_name = "NAME")]
    pub profile: Vec<String>,

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

    /// Never use colours (same as `--color never`).
    #[arg(long)]
    pub no_color: bool,

    /// Print only the findings, no summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Add a `# drydock ignore=CODE -- REASON` comment above every finding (one comment per
    /// instruction or key), to adopt drydock on an existing code base and fix things over time;
    /// unused suppressions are reported later (DY001). With `--diff`, show the comments instead.
    #[arg(
        long,
        value_name = "REASON",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "TODO: say why this is acceptable"
    )]
    pub add_ignore: Option<String>,

    /// Also run preview rules (rules added since the last release).
    #[arg(long)]
    pub preview: bool,

    /// Print how many findings each rule has, instead of the findings.
    #[arg(long)]
    pub statistics: bool,

    /// List the files that would be linted (and how: Dockerfile, compose project, the
    /// configuration that applies), then stop.
    #[arg(long)]
    pub show_files: bool,

    /// Print the settings that apply to each file (configuration file, rules, options) and,
    /// for compose projects, the variables used and where they come from; then stop.
    #[arg(long)]
    pub show_settings: bool,

    /// Print the configuration files used and the effective settings to standard error.
    #[arg(long, short = 'V')]
    pub verbose: bool,

    /// Print the version (`-V` is `--verbose`, as in hadolint).
    #[arg(short = 'v', long = "version")]
    pub version: bool,
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
