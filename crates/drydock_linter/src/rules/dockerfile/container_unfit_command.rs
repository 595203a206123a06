use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports commands that make no sense while building an image when a `RUN` (or
    /// `ONBUILD RUN`) runs them: `free`, `kill`, `mount`, `ps`, `service`, `shutdown`, `ssh`,
    /// `top` and `vim`.
    ///
    /// Only the command name counts, compared exactly as written (`/usr/bin/vim` or
    /// `sudo service x` are not reported, and installing a package named `ssh` is fine).
    /// Commands inside `$(...)`, `&&` chains, pipes and heredoc scripts are all seen. Each
    /// offending command is reported at its name.
    ///
    /// ## Why is this bad?
    /// A build step runs in a throw-away container without an init system, a terminal or
    /// running services: interactive tools (`vim`, `top`) hang or fail, `service` and
    /// `shutdown` have nothing to manage, `ps`, `free` and `kill` only see the build step
    /// itself, `mount` needs privileges the build does not have, and `ssh` to another host
    /// makes the build depend on it and leaks keys into layers.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN service nginx start && nginx -t
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN nginx -t
    /// CMD ["nginx", "-g", "daemon off;"]
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each command is reported at its own position (hadolint reports the RUN's first line).
    /// Scripts in heredocs are checked as the shell runs them, including those hadolint cannot
    /// parse or reads differently.
    pub(crate) ContainerUnfitCommand {
        code: "DL3001",
        name: "container-unfit-command",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// The command names hadolint reports (its message also mentions `ifconfig`, which it does not
/// check).
const UNFIT: [&str; 9] = [
    "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
];

impl Rule for ContainerUnfitCommand {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                let name = cmd.name();
                if !UNFIT.contains(&name) {
                    continue;
                }
                let Some(word) = cmd.name_word() else {
                    continue;
                };
                ctx.report(
                    word.range,
                    format!("`{name}` makes no sense in a build step"),
                )
                .help(help_for(name));
            }
        }
    }
}

fn help_for(name: &str) -> &'static str {
    match name {
        "service" | "shutdown" => {
            "build steps run no services: start the program from `CMD` or `ENTRYPOINT` instead"
        }
        "ssh" => {
            "fetch what you need with `COPY`, `ADD` or a `RUN --mount=type=ssh` step that does not keep keys in the image"
        }
        "vim" | "top" => "build steps are not interactive: write files with `COPY` or a script",
        "mount" => "use `RUN --mount=...` to make files available to a build step",
        _ => "remove it: it only sees the short-lived build container",
    }
}
