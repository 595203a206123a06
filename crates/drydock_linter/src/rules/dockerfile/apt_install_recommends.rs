use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports an `apt-get install` that also installs the recommended packages, in `RUN` and
    /// `ONBUILD RUN`.
    ///
    /// A command counts when it is named exactly `apt-get` and has an `install` argument
    /// anywhere. It passes with a `--no-install-recommends` flag anywhere among its arguments,
    /// or with the exact argument `APT::Install-Recommends=false` (as in
    /// `-o APT::Install-Recommends=false`). Settings in apt configuration files are not seen.
    ///
    /// ## Why is this bad?
    /// By default apt installs every package *recommended* by the ones requested: documentation,
    /// optional tools, whole desktop stacks at times. They make the image larger and widen its
    /// attack surface for nothing the build asked for.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u12 \
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
    /// ## Fix safety
    /// The fix inserts `--no-install-recommends` after the `install` word (when that word is
    /// written plainly). It is unsafe: fewer packages get installed, and the image may rely on
    /// one that was only recommended (a CA bundle, a locale, a helper binary); add those to the
    /// package list.
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) AptInstallRecommends {
        code: "DL3015",
        name: "apt-install-recommends",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

impl Rule for AptInstallRecommends {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let text = ctx.text();
        for run in runs(ctx) {
            for cmd in run.commands() {
                if !cmd.has_any_arg(&["apt-get"], &["install"])
                    || cmd.has_flag("no-install-recommends")
                    || cmd.has_arg("APT::Install-Recommends=false")
                {
                    continue;
                }
                let (Some(name), Some(install)) = (
                    cmd.name_word(),
                    cmd.args.iter().find(|w| w.value == "install"),
                ) else {
                    continue;
                };
                let d = ctx
                    .report(
                        name.range.cover(install.range),
                        "`apt-get install` without `--no-install-recommends` also installs recommended packages",
                    )
                    .help("add `--no-install-recommends` and name every package the image needs");
                if &text[install.range] == "install" {
                    d.fix(Fix::unsafe_(
                        "Add `--no-install-recommends`",
                        vec![Edit::insert(
                            install.range.end(),
                            " --no-install-recommends",
                        )],
                    ));
                }
            }
        }
    }
}
