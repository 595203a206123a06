use crate::declare_rule;
use crate::diagnostic::{Edit, Fix};
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports a `yum install` that does not answer yum's confirmation prompt, in `RUN` and
    /// `ONBUILD RUN`.
    ///
    /// A command counts when it is named exactly `yum` and has an `install`, `groupinstall` or
    /// `localinstall` argument anywhere. It passes with a `-y` or `--assumeyes` flag anywhere
    /// among its arguments (also inside a group such as `-qy`). Other subcommands (`update`,
    /// `remove`, `group install`) and `assumeyes=1` in `yum.conf` are not considered, as in
    /// hadolint.
    ///
    /// ## Why is this bad?
    /// Without `-y`, yum asks "Is this ok [y/N]" before installing, and a build has no terminal
    /// to answer: yum reads the end of its input, takes it as "no", and the build fails.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install httpd-2.4.6 && yum clean all
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install -y httpd-2.4.6 && yum clean all
    /// ```
    ///
    /// ## Fix safety
    /// The fix inserts `-y` after the subcommand (when it is written plainly and there is no
    /// `--assumeno`). It is safe: a build cannot answer the prompt, so the only builds whose
    /// outcome changes are those that would have failed.
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) YumWithoutYes {
        code: "DL3030",
        name: "yum-without-yes",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: Sometimes,
        target: Dockerfile,
    }
}

const SUBCOMMANDS: [&str; 3] = ["install", "groupinstall", "localinstall"];

impl Rule for YumWithoutYes {
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
                if !cmd.has_any_arg(&["yum"], &SUBCOMMANDS) || cmd.has_any_flag(&["y", "assumeyes"])
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
                            "`yum {}` without `-y` stops at a confirmation prompt",
                            sub.value
                        ),
                    )
                    .help("add `-y` so yum does not wait for an answer the build cannot give");
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
