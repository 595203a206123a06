use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports a `wget` command in `RUN` (or `ONBUILD RUN`) that does not control its progress
    /// output. The command passes when it has any of these options, anywhere among its
    /// arguments: `--progress=...`, `-q`/`--quiet`, `-nv`/`--no-verbose`, `-o`/`--output-file`
    /// or `-a`/`--append-output` (a short option also counts inside a group, so `-qO-` passes).
    /// `-O` (the download's file name) does not count. The command name must be exactly `wget`
    /// (`busybox wget` counts, as in hadolint); the finding points at it.
    ///
    /// ## Why is this bad?
    /// Without a terminal, `wget` prints a new progress line every few kilobytes; a large
    /// download fills the build log with thousands of lines that hide the useful output.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN wget https://example.com/tool.tar.gz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN wget --progress=dot:giga https://example.com/tool.tar.gz
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `wget` command (hadolint reports the RUN's first line).
    /// Scripts in heredocs are checked as the shell runs them, including those hadolint cannot
    /// parse or reads differently.
    pub(crate) WgetProgressBar {
        code: "DL3047",
        name: "wget-progress-bar",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// Options that control or silence the progress output (flag names as hadolint computes them).
const QUIET_FLAGS: [&str; 8] = [
    "progress",
    "q",
    "quiet",
    "o",
    "output-file",
    "a",
    "append-output",
    "no-verbose",
];

impl Rule for WgetProgressBar {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if cmd.name() != "wget" || cmd.has_any_flag(&QUIET_FLAGS) || cmd.has_arg("-nv") {
                    continue;
                }
                let Some(word) = cmd.name_word() else {
                    continue;
                };
                ctx.report(
                    word.range,
                    "`wget` prints its progress bar into the build log",
                )
                .help("add `--progress=dot:giga`, or `-nv` (`--no-verbose`) or `-q` (`--quiet`)");
            }
        }
    }
}
