use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports each package of an `apk add` that is not pinned to a version, in `RUN` and
    /// `ONBUILD RUN`.
    ///
    /// A command counts when it is named exactly `apk` and has an `add` argument anywhere. Its
    /// packages are the arguments that are not flags (words starting with `-`), other than
    /// `add`, after dropping the word that follows `-t`, `--virtual`, `--repository` or `-X`
    /// (unless written with an inline `=value`). Values of other options are not dropped. A
    /// package is pinned when it contains `=`, `~`, `>` or `<` (`curl=8.5.0-r0`, `curl~8.5`,
    /// `curl>8`), or ends with `.apk`. Anything else is reported, including variables.
    ///
    /// ## Why is this bad?
    /// Without a version, the package installed depends on the day the image is built: a
    /// rebuild can silently pick up a new major version or a regression, and two builds of the
    /// same Dockerfile stop being comparable.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache curl=8.12.1-r0
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) UnpinnedApkPackage {
        code: "DL3018",
        name: "unpinned-apk-package",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// hadolint's notion of a pinned apk package.
fn is_pinned(package: &str) -> bool {
    package.contains(['=', '~', '>', '<']) || package.ends_with(".apk")
}

impl Rule for UnpinnedApkPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if !cmd.has_any_arg(&["apk"], &["add"]) {
                    continue;
                }
                let packages = cmd
                    .drop_flag_arg(&["t", "virtual", "repository", "X"])
                    .args_no_flags();
                for word in packages.into_iter().filter(|w| w.value != "add") {
                    if is_pinned(&word.value) {
                        continue;
                    }
                    let (message, help) = if word.literal {
                        (
                            format!(
                                "apk package `{}` is installed without a pinned version",
                                word.value
                            ),
                            format!(
                                "pin it as `{0}=<version>`, or to a release series with `{0}~<major.minor>`",
                                word.value
                            ),
                        )
                    } else {
                        (
                            format!(
                                "`{}` may install apk packages without pinned versions",
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
