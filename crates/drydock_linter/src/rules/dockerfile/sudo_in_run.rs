use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports `sudo` used as a command in `RUN` (including `ONBUILD RUN`, heredoc scripts,
    /// `sh -c` strings and `exec sudo ...`). Installing the `sudo` package is not reported.
    ///
    /// ## Why is this bad?
    /// Build steps already run as the current `USER`; `sudo` adds a setuid-root binary to the
    /// image, its behaviour depends on `/etc/sudoers` and TTY settings, and it hides which steps
    /// need root. Switch users with `USER`, or with `gosu`/`su-exec` in an entrypoint.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// USER app
    /// RUN sudo apt-get update
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update
    /// USER app
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each `sudo` is reported at its own position (hadolint reports the RUN's first line once).
    /// Commands inside `sh -c "..."` of an exec-form RUN and inside heredoc scripts are seen.
    pub(crate) SudoInRun {
        code: "DL3004",
        name: "sudo-in-run",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for SudoInRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                let Some(name) = cmd.name_word() else {
                    continue;
                };
                if name.value == "sudo" {
                    ctx.report(name.range, "`sudo` in a build step")
                        .help("run the step as root with `USER root` before it (and switch back after), or use `gosu` at runtime");
                }
            }
        }
    }
}
