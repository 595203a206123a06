use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, runs};

declare_rule! {
    /// ## What it does
    /// Reports an `apt-get install` that does not answer apt's confirmation prompt, in `RUN`
    /// and `ONBUILD RUN`.
    ///
    /// A command counts when it is named exactly `apt-get` and has an `install` argument
    /// anywhere. It passes when, anywhere among its arguments, there is a `-y`, `--yes` or
    /// `--assume-yes` flag (also inside a group such as `-qy`), a `--qq` flag, exactly two `q`
    /// flags (`-qq`, `-q -q`), exactly two `--quiet` flags, or the argument `-q=2`: quiet
    /// level 2 implies `--yes`. As in hadolint, `-q` alone, `-qqq` and `--quiet=2` do not
    /// count.
    ///
    /// ## Why is this bad?
    /// Without `-y`, `apt-get install` asks "Do you want to continue?" whenever it installs
    /// more than the packages named, and a build has no terminal to answer: apt reads the end
    /// of its input, aborts, and the build fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install --no-install-recommends curl=7.88.1-10+deb12u12 \
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
    /// The fix inserts `-y` after the `install` word (when that word is written plainly). It is
    /// safe: a build cannot answer the prompt, so the only builds whose outcome changes are
    /// those that would have failed.
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) AptGetWithoutYes {
        code: "DL3014",
        name: "apt-get-without-yes",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

/// hadolint's test for an answered prompt.
fn has_yes(cmd: &Cmd<'_>) -> bool {
    cmd.has_any_flag(&["y", "yes", "qq", "assume-yes"])
        || cmd.count_flag("q") == 2
        || cmd.count_flag("quiet") == 2
        || cmd.has_arg("-q=2")
}

impl Rule for AptGetWithoutYes {
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
                if !cmd.has_any_arg(&["apt-get"], &["install"]) || has_yes(&cmd) {
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
                        "`apt-get install` without `-y` stops at a confirmation prompt",
                    )
                    .help("add `-y` so apt-get does not wait for an answer the build cannot give");
                if &text[install.range] == "install" {
                    d.fix(Fix::safe(
                        "Add `-y`",
                        vec![Edit::insert(install.range.end(), " -y")],
                    ));
                }
            }
        }
    }
}
