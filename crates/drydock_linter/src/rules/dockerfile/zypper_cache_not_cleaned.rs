use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, has_cache_mount, runs};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` (or `ONBUILD RUN`) that installs with zypper and does not clean
    /// zypper's cache afterwards.
    ///
    /// The `RUN` is reported when it has a command named exactly `zypper` with an `install` or
    /// `in` argument anywhere, unless the first *cleaning* command of the `RUN` comes after the
    /// first such install. A cleaning command is `zypper` with a `clean` or `cc` argument
    /// anywhere (`rm -rf /var/cache/zypp` does not count, as in hadolint). A `RUN` with a
    /// `--mount=type=cache` (or `tmpfs`) whose target contains `/var/cache/zypp` is not
    /// reported.
    ///
    /// ## Why is this bad?
    /// zypper keeps repository metadata and downloaded packages under `/var/cache/zypp`.
    /// Unless they are removed in the same `RUN`, they stay in that layer and make the image
    /// larger for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper --non-interactive install curl=8.6.0
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
    pub(crate) ZypperCacheNotCleaned {
        code: "DL3036",
        name: "zypper-cache-not-cleaned",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

fn is_install(cmd: &Cmd<'_>) -> bool {
    cmd.has_any_arg(&["zypper"], &["install", "in"])
}

fn is_clean(cmd: &Cmd<'_>) -> bool {
    cmd.has_any_arg(&["zypper"], &["clean", "cc"])
}

impl Rule for ZypperCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for run in runs(ctx) {
            let cmds = run.command_list();
            let Some(install) = cmds.iter().position(is_install) else {
                continue;
            };
            if has_cache_mount(model, run.instruction, "/var/cache/zypp")
                || cmds
                    .iter()
                    .position(is_clean)
                    .is_some_and(|clean| install < clean)
            {
                continue;
            }
            let cmd = &cmds[install];
            let (Some(name), Some(word)) = (
                cmd.name_word(),
                cmd.args
                    .iter()
                    .find(|w| matches!(w.value.as_str(), "install" | "in")),
            ) else {
                continue;
            };
            ctx.report(
                name.range.cover(word.range),
                format!("`zypper {}` is not followed by `zypper clean`", word.value),
            )
            .help("end the same RUN with `&& zypper clean --all` so the cache does not stay in the layer, or use a cache mount for `/var/cache/zypp`");
        }
    }
}
