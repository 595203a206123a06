use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports an `ln` command in `RUN` (or `ONBUILD RUN`) that has `/bin/sh` as one of its
    /// arguments, as in `ln -sf /bin/bash /bin/sh`. The command name must be exactly `ln` and
    /// the argument exactly `/bin/sh` (quotes removed); the finding points at that argument.
    ///
    /// ## Why is this bad?
    /// Replacing `/bin/sh` changes the shell of every later `RUN`, of the image's users and of
    /// any script in the image that expects the distribution's `/bin/sh`; package upgrades may
    /// also silently restore the original link. The `SHELL` instruction changes the shell the
    /// build uses without touching the image's files.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN ln -sf /bin/bash /bin/sh
    /// RUN source /etc/profile && make
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// SHELL ["/bin/bash", "-c"]
    /// RUN source /etc/profile && make
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `/bin/sh` argument (hadolint reports the RUN's first line).
    /// Scripts in heredocs are checked as the shell runs them, including those hadolint cannot
    /// parse or reads differently.
    pub(crate) LnBinSh {
        code: "DL4005",
        name: "ln-bin-sh",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for LnBinSh {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if cmd.name() != "ln" {
                    continue;
                }
                let Some(word) = cmd.args.iter().find(|w| w.value == "/bin/sh") else {
                    continue;
                };
                ctx.report(
                    word.range,
                    "`ln` replaces `/bin/sh`, the shell of every later build step",
                )
                .help("use the `SHELL` instruction to run build steps with another shell");
            }
        }
    }
}
