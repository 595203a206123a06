use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports a `dnf install` or `microdnf install` that does not answer the confirmation
    /// prompt, in `RUN` and `ONBUILD RUN`.
    ///
    /// A command counts when it is named exactly `dnf` or `microdnf` and has an `install`,
    /// `groupinstall` or `localinstall` argument anywhere. It passes with a `-y` or
    /// `--assumeyes` flag anywhere among its arguments (also inside a group such as `-qy`).
    /// Other subcommands (`upgrade`, `remove`, `group install`), `tdnf`, a path such as
    /// `/usr/bin/dnf`, and `assumeyes=True` in `dnf.conf` are not considered, as in hadolint.
    ///
    /// ## Why is this bad?
    /// Without `-y`, dnf asks "Is this ok [y/N]" before installing, and a build has no terminal
    /// to answer: dnf reads the end of its input, takes it as "no", and the build fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install httpd-2.4.62 && dnf clean all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd-2.4.62 && dnf clean all
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `-y` after the subcommand (when it is written plainly and there is no
    /// `--assumeno`). It is safe: a build cannot answer the prompt, so the only builds whose
    /// outcome changes are those that would have failed (`microdnf` accepts `-y` too).
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) DnfWithoutYes {
        code: "DL3038",
        name: "dnf-without-yes",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

const SUBCOMMANDS: [&str; 3] = ["install", "groupinstall", "localinstall"];

impl Rule for DnfWithoutYes {
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
                if !cmd.has_any_arg(&["dnf", "microdnf"], &SUBCOMMANDS)
                    || cmd.has_any_flag(&["y", "assumeyes"])
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
                        format!(
                            "`{} {}` without `-y` stops at a confirmation prompt",
                            cmd.name(),
                            sub.value
                        ),
                    )
                    .help("add `-y` so it does not wait for an answer the build cannot give");
                if text[sub.range] == sub.value && !cmd.has_flag("assumeno") {
                    d.fix(Fix::safe(
                        "Add `-y`",
                        vec![Edit::insert(sub.range.end(), " -y")],
                    ));
                }
            }
        }
    }
}
