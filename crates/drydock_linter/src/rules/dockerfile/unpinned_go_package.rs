use drydock_dockerfile::shell::ShellWord;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports Go packages installed or run (`go install`, `go get`, `go run`) in `RUN` or
    /// `ONBUILD RUN` without a version.
    ///
    /// The command must be named exactly `go`. When some `go` command of the `RUN` has a `run`
    /// argument, only `go run` packages are checked: the first two arguments that are not
    /// options, other than `run` itself (the rest are the program's own arguments). In that
    /// case a `go install` in the same `RUN` is not checked, as in hadolint. Otherwise every
    /// `go` command with an `install` or `get` argument is checked, on all its arguments that
    /// are not options, other than `install`, `get` and `tool`.
    ///
    /// A package passes when it is local (`.`, or starting with `/` or `.`) or when it has an
    /// `@version` that is not `@latest` or `@none`. Each failing package is reported.
    ///
    /// ## Why is this bad?
    /// Without a version, Go resolves the newest release that day: two builds of the same
    /// Dockerfile get different code, and a new release can break the image or bring in a
    /// compromised module without any change on your side.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22
    /// RUN go install golang.org/x/tools/gopls@latest
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22
    /// RUN go install golang.org/x/tools/gopls@v0.15.3
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each unpinned package is reported at its position (hadolint reports the RUN's first
    /// line once). Scripts in heredocs are checked as the shell runs them, including those
    /// hadolint cannot parse or reads differently.
    pub(crate) UnpinnedGoPackage {
        code: "DL3062",
        name: "unpinned-go-package",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for UnpinnedGoPackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            let mut run_packages: Vec<(&ShellWord, &str)> = Vec::new();
            let mut install_packages: Vec<(&ShellWord, &str)> = Vec::new();
            for cmd in run.commands() {
                if cmd.has_any_arg(&["go"], &["run"]) {
                    run_packages.extend(
                        cmd.args_no_flags()
                            .into_iter()
                            .take(2)
                            .filter(|w| w.value != "run")
                            .map(|w| (w, "run")),
                    );
                }
                if cmd.has_any_arg(&["go"], &["install", "get"]) {
                    let verb = if cmd.has_arg("install") {
                        "install"
                    } else {
                        "get"
                    };
                    install_packages.extend(
                        cmd.args_no_flags()
                            .into_iter()
                            .filter(|w| !matches!(w.value.as_str(), "install" | "get" | "tool"))
                            .map(|w| (w, verb)),
                    );
                }
            }
            let packages = if run_packages.is_empty() {
                install_packages
            } else {
                run_packages
            };
            for (word, verb) in packages {
                let package = word.value.as_str();
                if is_pinned(package) {
                    continue;
                }
                let message = if package.ends_with("@latest") || package.ends_with("@none") {
                    format!(
                        "`go {verb}` package `{package}` asks for a moving version, not a fixed one"
                    )
                } else {
                    format!("`go {verb}` package `{package}` is not pinned to a version")
                };
                let name = package.split('@').next().unwrap_or(package);
                ctx.report(word.range, message)
                    .help(format!("pin it to a release: `go {verb} {name}@<version>`"));
            }
        }
    }
}

fn is_pinned(package: &str) -> bool {
    let local = package == "." || package.starts_with('/') || package.starts_with('.');
    local || (package.contains('@') && !package.ends_with("@latest") && !package.ends_with("@none"))
}
