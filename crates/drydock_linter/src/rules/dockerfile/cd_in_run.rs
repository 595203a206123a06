use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports `cd` used as a command in a `RUN` instruction: anywhere in the script, in an
    /// `&&` chain, a subshell, `$(...)` or a heredoc script. The name must be exactly `cd`
    /// (`/usr/bin/cd` is not reported), also after `exec`, `command` or `builtin`
    /// (`exec cd /srv` is reported, as in hadolint). `ONBUILD RUN` is not checked. Each `cd` is
    /// reported at its position.
    ///
    /// ## Why is this bad?
    /// A `cd` only lasts for the rest of its `RUN`; the next instruction starts again in the
    /// `WORKDIR`. Scripts full of `cd` are harder to read and easy to get wrong when steps are
    /// moved around. `WORKDIR` sets the directory for all later instructions (and creates it),
    /// and shows in the image's configuration.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22
    /// COPY . /src
    /// RUN cd /src && go build -o /usr/local/bin/app .
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22
    /// WORKDIR /src
    /// COPY . .
    /// RUN go build -o /usr/local/bin/app .
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each `cd` is reported at its own position (hadolint reports the RUN's first line).
    /// Scripts in heredocs are checked as the shell runs them, including those hadolint cannot
    /// parse or reads differently.
    pub(crate) CdInRun {
        code: "DL3003",
        name: "cd-in-run",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for CdInRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx).filter(|r| !r.onbuild) {
            for cmd in run.commands() {
                if cmd.name() != "cd" {
                    continue;
                }
                let Some(word) = cmd.name_word() else {
                    continue;
                };
                // The first operand after the name (`exec cd /x`: `/x`; hadolint's arguments
                // keep `cd`).
                let target = cmd
                    .args_no_flags()
                    .into_iter()
                    .find(|w| w.range.start() > word.range.start())
                    .map(|w| w.value.clone());
                let help = match target {
                    Some(dir) if !dir.is_empty() && !dir.contains('$') => {
                        format!("set the directory with `WORKDIR {dir}` before this step")
                    }
                    _ => "set the directory with `WORKDIR` before this step".to_owned(),
                };
                ctx.report(
                    word.range,
                    "`cd` only changes the directory for the rest of this `RUN`",
                )
                .help(help);
            }
        }
    }
}
