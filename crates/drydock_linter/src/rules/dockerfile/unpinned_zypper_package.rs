use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports each package of a `zypper install` that is not pinned to a version, in `RUN`
    /// and `ONBUILD RUN`.
    ///
    /// A command counts when it is named exactly `zypper` and has an `install` or `in` argument
    /// anywhere. Its packages are the arguments that are not flags (words starting with `-`),
    /// other than `install` and `in`; values of options are not dropped, as in hadolint
    /// (`--from repo` makes `repo` a package). A package is pinned when it contains `=`, `>`
    /// or `<` (`curl=8.6.0`, `curl>=8`), or ends with `.rpm`. Anything else is reported,
    /// including variables.
    ///
    /// ## Why is this bad?
    /// Without a version, the package installed depends on the day the image is built: a
    /// rebuild can silently pick up a new version or a regression, and two builds of the same
    /// Dockerfile stop being comparable.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper --non-interactive install curl && zypper clean --all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper --non-interactive install curl=8.6.0 && zypper clean --all
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) UnpinnedZypperPackage {
        code: "DL3037",
        name: "unpinned-zypper-package",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// hadolint's notion of a pinned zypper package.
fn is_pinned(package: &str) -> bool {
    package.contains(['=', '>', '<']) || package.ends_with(".rpm")
}

impl Rule for UnpinnedZypperPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if !cmd.has_any_arg(&["zypper"], &["install", "in"]) {
                    continue;
                }
                for word in cmd.args_no_flags() {
                    if matches!(word.value.as_str(), "install" | "in") || is_pinned(&word.value) {
                        continue;
                    }
                    let (message, help) = if word.literal {
                        (
                            format!(
                                "zypper package `{}` is installed without a pinned version",
                                word.value
                            ),
                            format!(
                                "pin it as `{0}=<version>` (or a range such as `{0}>=<version>`)",
                                word.value
                            ),
                        )
                    } else {
                        (
                            format!(
                                "`{}` may install zypper packages without pinned versions",
                                word.raw
                            ),
                            "list the packages here, each pinned as `name=<version>`".to_owned(),
                        )
                    };
                    ctx.report(word.range, message).help(help);
                }
            }
        }
    }
}
