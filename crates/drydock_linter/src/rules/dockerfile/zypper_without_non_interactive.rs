use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports a `zypper` command that may stop at a prompt, in `RUN` and `ONBUILD RUN`.
    ///
    /// A command counts when it is named exactly `zypper` and has an `install`, `in`,
    /// `remove`, `rm`, `source-install`, `si` or `patch` argument anywhere. It passes with a
    /// `-n`, `--non-interactive`, `--no-confirm` or `-y` flag anywhere among its arguments
    /// (also inside a group of short flags), wherever it is written, as in hadolint.
    /// Other subcommands (`update`, `dist-upgrade`, `addrepo`) are not checked.
    ///
    /// ## Why is this bad?
    /// Without non-interactive mode, zypper asks for confirmation before changing the system
    /// and for decisions on conflicts, and a build has no terminal to answer. The global option
    /// `--non-interactive` (`-n`) makes zypper take the default answers, which is what a build
    /// needs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper install curl=8.6.0 && zypper clean --all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper --non-interactive install curl=8.6.0 && zypper clean --all
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts the global option `--non-interactive` right after `zypper`, before the
    /// subcommand, where zypper expects it (when the command name is written plainly). It is
    /// safe: the non-interactive mode takes the answers a build without a terminal would get
    /// anyway.
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) ZypperWithoutNonInteractive {
        code: "DL3034",
        name: "zypper-without-non-interactive",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

const SUBCOMMANDS: [&str; 7] = [
    "install",
    "in",
    "remove",
    "rm",
    "source-install",
    "si",
    "patch",
];

impl Rule for ZypperWithoutNonInteractive {
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
                if !cmd.has_any_arg(&["zypper"], &SUBCOMMANDS)
                    || cmd.has_any_flag(&["non-interactive", "n", "no-confirm", "y"])
                {
                    continue;
                }
                let (Some(name), Some(sub)) = (
                    cmd.name_word(),
                    cmd.args
                        .iter()
                        .find(|w| SUBCOMMANDS.contains(&w.value.as_str())),
                ) else {
                    continue;
                };
                let d = ctx
                    .report(
                        name.range.cover(sub.range),
                        format!("`zypper {}` without `--non-interactive` may stop at a prompt", sub.value),
                    )
                    .help("add the global option `--non-interactive` (`-n`) before the subcommand: `zypper --non-interactive install ...`");
                if &text[name.range] == "zypper" {
                    d.fix(Fix::safe(
                        "Add `--non-interactive`",
                        vec![Edit::insert(name.range.end(), " --non-interactive")],
                    ));
                }
            }
        }
    }
}
