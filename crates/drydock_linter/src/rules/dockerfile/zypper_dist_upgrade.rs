use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports `zypper dist-upgrade` (or its short form `zypper dup`) in `RUN` and
    /// `ONBUILD RUN`: a command named exactly `zypper` with a `dist-upgrade` or `dup` argument
    /// anywhere (as in hadolint, `zypper install dup` counts too).
    ///
    /// ## Why is this bad?
    /// A distribution upgrade inside a build moves the image to whatever the repositories
    /// offer on the day of the build, possibly a new release with different libraries, so the
    /// result depends on the build date and no longer matches the base image's tag. Pick a
    /// base image with the release you want instead, and install specific updates if needed.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM opensuse/leap:15.5
    /// RUN zypper --non-interactive dist-upgrade && zypper clean --all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper --non-interactive patch && zypper clean --all
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) ZypperDistUpgrade {
        code: "DL3035",
        name: "zypper-dist-upgrade",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for ZypperDistUpgrade {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if cmd.name() != "zypper" {
                    continue;
                }
                let (Some(name), Some(word)) = (
                    cmd.name_word(),
                    cmd.args
                        .iter()
                        .find(|w| matches!(w.value.as_str(), "dist-upgrade" | "dup")),
                ) else {
                    continue;
                };
                ctx.report(
                    name.range.cover(word.range),
                    format!("`zypper {}` upgrades the whole distribution during the build", word.value),
                )
                .help("use a base image of the release you want; for fixes, use `zypper patch` or update specific packages");
            }
        }
    }
}
