use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::buildkit::unknown_parent;

declare_rule! {
    /// ## What it does
    /// Reports `CMD` and `ENTRYPOINT` in shell form (not a JSON array) when no `SHELL` was set
    /// before them, in their stage or in a stage it builds on (`FROM <stage>`). `RUN`,
    /// `HEALTHCHECK` and `ONBUILD CMD` are not checked, nor stages built on a stage drydock
    /// cannot identify (`FROM base-$TARGETARCH`). This is BuildKit's `JSONArgsRecommended`
    /// build check.
    ///
    /// Off by default: DL3025 (`shell-form-cmd`), on by default, reports every shell-form
    /// `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD`, with or without `SHELL`, so the problem is
    /// reported once. Turn this rule on (and DL3025 off) to get BuildKit's exact behaviour.
    ///
    /// ## Why is this bad?
    /// In shell form the command runs as `/bin/sh -c "..."`: the shell is PID 1 and does not
    /// pass `SIGTERM` on, so `docker stop` waits for its timeout and then kills the process
    /// without a clean shutdown. A `SHELL` instruction says the shell is wanted on purpose.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD python app.py
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD ["python", "app.py"]
    /// ```
    ///
    /// ## Differences from BuildKit
    /// BuildKit also accepts a `SHELL` stored in the base image's configuration; drydock cannot
    /// see an external image's configuration and assumes it has none.
    pub(crate) ShellFormCmdWithoutShell {
        code: "BK007",
        name: "shell-form-cmd-without-shell",
        aliases: ["JSONArgsRecommended"],
        category: BestPractice,
        severity: Warning,
        default_enabled: false,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for ShellFormCmdWithoutShell {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        // Whether a SHELL has run by the end of each stage (stages build on earlier ones).
        let mut shell_at_end = vec![false; model.stages().len()];
        for stage in model.stages() {
            let mut shell =
                unknown_parent(model, stage.index) || stage.parent.is_some_and(|p| shell_at_end[p]);
            for index in stage.body.clone() {
                let instruction = model.instruction(index);
                match instruction.kind {
                    InstructionKind::Shell => shell = true,
                    InstructionKind::Cmd | InstructionKind::Entrypoint if !shell => {
                        if let Args::Shell(form) = &instruction.args {
                            let keyword = instruction.kind.keyword();
                            ctx.report(
                                form.range,
                                format!(
                                    "`{keyword}` in shell form does not receive OS signals"
                                ),
                            )
                            .help(format!(
                                "write it as a JSON array (`{keyword} [\"executable\", \"arg\"]`), or set a `SHELL` first if a shell is wanted"
                            ));
                        }
                    }
                    _ => {}
                }
            }
            shell_at_end[stage.index] = shell;
        }
    }
}
