use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports each package of an `apt-get install` that is not pinned to a version, in `RUN`
    /// and `ONBUILD RUN` (shell form, exec form and heredoc scripts).
    ///
    /// A command counts when it is named exactly `apt-get` and has an `install` argument
    /// anywhere. Its packages are the arguments that are not flags (a flag is any word starting
    /// with `-`), other than `install`, after dropping the word that follows `-t` or
    /// `--target-release` (unless the flag was written as `--target-release=value`). Values of
    /// other options are not dropped: in `apt-get install -o Foo=bar pkg`, `Foo=bar` counts as
    /// a (pinned) package. A package is pinned when it contains `=` (`curl=7.88.1-10`,
    /// `git=1:2.39*`), contains `/` (`./local.deb`, `curl/bookworm-backports`), or ends with
    /// `.deb`. Anything else is reported, including variables such as `$PACKAGES`.
    ///
    /// `apt install` and `aptitude install` are not checked (see DL3027), and neither are
    /// commands written with a path (`/usr/bin/apt-get`) or behind a wrapper (`sudo apt-get`),
    /// nor commands inside a quoted string (`RUN sh -c "apt-get install curl"`).
    ///
    /// ## Why is this bad?
    /// Without a version, the package installed depends on the day the image is built: a
    /// rebuild can silently pick up a new major version, a regression or a different set of
    /// dependencies, and two builds of the same Dockerfile stop being comparable.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) UnpinnedAptPackage {
        code: "DL3008",
        name: "unpinned-apt-package",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// hadolint's notion of a pinned apt package.
fn is_pinned(package: &str) -> bool {
    package.contains('=') || package.contains('/') || package.ends_with(".deb")
}

impl Rule for UnpinnedAptPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if !cmd.has_any_arg(&["apt-get"], &["install"]) {
                    continue;
                }
                let packages = cmd.drop_flag_arg(&["t", "target-release"]).args_no_flags();
                for word in packages.into_iter().filter(|w| w.value != "install") {
                    if is_pinned(&word.value) {
                        continue;
                    }
                    let (message, help) = if word.literal {
                        (
                            format!(
                                "apt package `{}` is installed without a pinned version",
                                word.value
                            ),
                            format!(
                                "pin it as `{0}=<version>` (`apt-cache policy {0}` lists the versions)",
                                word.value
                            ),
                        )
                    } else {
                        (
                            format!(
                                "`{}` may install apt packages without pinned versions",
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
