use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, has_cache_mount, runs};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` (or `ONBUILD RUN`) that installs with dnf or microdnf and does not clean
    /// the package cache afterwards.
    ///
    /// `dnf` and `microdnf` are checked separately. For each of them, the `RUN` is reported
    /// when it has a command of that exact name with an `install`, `in`, `upgrade`, `up`,
    /// `upgrade-minimal`, `up-min`, `reinstall` or `rei` argument anywhere, unless the first
    /// *cleaning* command of the `RUN` comes after the first such install. As in hadolint, a
    /// cleaning command is the *same* tool with *either* a `clean` *or* an `all` argument, or
    /// `rm` with *either* a `-rf` *or* a `/var/cache/libdnf5*` argument: so
    /// `dnf install ... && microdnf clean all` is reported, while any `rm -rf` counts. A `RUN`
    /// with a `--mount=type=cache` (or `tmpfs`) whose target contains `/var/cache/libdnf5` or
    /// `.cache/libdnf5` is not reported.
    ///
    /// ## Why is this bad?
    /// dnf keeps the repository metadata and the downloaded packages in its cache
    /// (`/var/cache/dnf`, `/var/cache/libdnf5`). Unless they are removed in the same `RUN`,
    /// they stay in that layer and make the image larger for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd-2.4.62
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd-2.4.62 && dnf clean all
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) DnfCacheNotCleaned {
        code: "DL3040",
        name: "dnf-cache-not-cleaned",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

const INSTALLS: [&str; 8] = [
    "install",
    "in",
    "upgrade",
    "up",
    "upgrade-minimal",
    "up-min",
    "reinstall",
    "rei",
];

fn is_clean(tool: &str, cmd: &Cmd<'_>) -> bool {
    cmd.has_any_arg(&[tool], &["clean", "all"])
        || cmd.has_any_arg(&["rm"], &["-rf", "/var/cache/libdnf5*"])
}

impl Rule for DnfCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for run in runs(ctx) {
            if has_cache_mount(model, run.instruction, "/var/cache/libdnf5")
                || has_cache_mount(model, run.instruction, ".cache/libdnf5")
            {
                continue;
            }
            let cmds = run.command_list();
            for tool in ["dnf", "microdnf"] {
                let Some(install) = cmds.iter().position(|c| c.has_any_arg(&[tool], &INSTALLS))
                else {
                    continue;
                };
                if cmds
                    .iter()
                    .position(|c| is_clean(tool, c))
                    .is_some_and(|clean| install < clean)
                {
                    continue;
                }
                let cmd = &cmds[install];
                let (Some(name), Some(word)) = (
                    cmd.name_word(),
                    cmd.args
                        .iter()
                        .find(|w| INSTALLS.contains(&w.value.as_str())),
                ) else {
                    continue;
                };
                ctx.report(
                    name.range.cover(word.range),
                    format!("`{tool} {}` is not followed by `{tool} clean all`", word.value),
                )
                .help(format!(
                    "end the same RUN with `&& {tool} clean all` so the package cache does not stay in the layer"
                ));
            }
        }
    }
}
