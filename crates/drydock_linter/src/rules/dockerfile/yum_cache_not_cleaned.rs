use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Cmd, runs};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` (or `ONBUILD RUN`) that installs with yum and does not clean yum's cache
    /// afterwards.
    ///
    /// The `RUN` is reported when it has a command named exactly `yum` with an `install`
    /// argument, unless the first *cleaning* command of the `RUN` comes after the first such
    /// install. As in hadolint, a cleaning command is `yum` with *either* a `clean` *or* an
    /// `all` argument, or `rm` with *either* a `-rf` *or* a `/var/cache/yum/*` argument: so
    /// `yum clean metadata` and any `rm -rf` count, while a cleanup before the install makes
    /// a later one not count. Cache mounts are not taken into account.
    ///
    /// ## Why is this bad?
    /// yum keeps the repository metadata and the downloaded packages under `/var/cache/yum`.
    /// Unless they are removed in the same `RUN`, they stay in that layer and make the image
    /// larger for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install -y httpd-2.4.6
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install -y httpd-2.4.6 && yum clean all && rm -rf /var/cache/yum
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) YumCacheNotCleaned {
        code: "DL3032",
        name: "yum-cache-not-cleaned",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

fn is_install(cmd: &Cmd<'_>) -> bool {
    cmd.has_any_arg(&["yum"], &["install"])
}

fn is_clean(cmd: &Cmd<'_>) -> bool {
    cmd.has_any_arg(&["yum"], &["clean", "all"])
        || cmd.has_any_arg(&["rm"], &["-rf", "/var/cache/yum/*"])
}

impl Rule for YumCacheNotCleaned {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            let cmds = run.command_list();
            let Some(install) = cmds.iter().position(is_install) else {
                continue;
            };
            if cmds
                .iter()
                .position(is_clean)
                .is_some_and(|clean| install < clean)
            {
                continue;
            }
            let cmd = &cmds[install];
            let (Some(name), Some(word)) = (
                cmd.name_word(),
                cmd.args.iter().find(|w| w.value == "install"),
            ) else {
                continue;
            };
            ctx.report(name.range.cover(word.range), "`yum install` is not followed by `yum clean all`")
                .help("end the same RUN with `&& yum clean all && rm -rf /var/cache/yum` so the cache does not stay in the layer");
        }
    }
}
