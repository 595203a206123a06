use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` written in shell form instead of as a
    /// JSON array. Anything that is not a valid JSON array of strings is shell form (`CMD
    /// ['app']` with single quotes, `CMD ["app", 1]`); a JSON array split over continuation
    /// lines is fine. A `SHELL` instruction does not change this. `ONBUILD CMD` and
    /// `HEALTHCHECK NONE` are not checked.
    ///
    /// ## Why is this bad?
    /// In shell form the command runs as `/bin/sh -c "..."`: the shell becomes PID 1 and does
    /// not pass `SIGTERM` on, so `docker stop` waits for its timeout and then kills the process
    /// without a clean shutdown. A shell-form `ENTRYPOINT` also ignores `CMD` and the
    /// arguments of `docker run`.
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
    pub(crate) ShellFormCmd {
        code: "DL3025",
        name: "shell-form-cmd",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for ShellFormCmd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, instruction) in ctx.model.instructions() {
            let range = match (&instruction.kind, &instruction.args) {
                (InstructionKind::Cmd | InstructionKind::Entrypoint, Args::Shell(_)) => {
                    instruction.keyword.range
                }
                (InstructionKind::Healthcheck, Args::Healthcheck(health))
                    if matches!(health.command.as_deref(), Some(Args::Shell(_))) =>
                {
                    health.kind.range
                }
                _ => continue,
            };
            let what = match instruction.kind {
                InstructionKind::Healthcheck => "HEALTHCHECK CMD",
                _ => instruction.kind.keyword(),
            };
            ctx.report(range, format!("`{what}` in shell form"))
                .help(format!("write it as a JSON array, e.g. `{what} [\"executable\", \"arg\"]`, so the process gets signals directly"));
        }
    }
}
