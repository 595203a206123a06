use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::runs;

declare_rule! {
    /// ## What it does
    /// Reports a `useradd` command in `RUN` (or `ONBUILD RUN`) that creates a user with a UID
    /// of more than five characters without `-l` (`--no-log-init`).
    ///
    /// The UID is the word after a short `-u` option (also at the end of a group such as
    /// `-mu`). As in hadolint, `--uid 100000` and `--uid=100000` are not looked at, and the
    /// length is counted in characters (so `-u 123456` is reported and `-u 99999` is not).
    /// The finding points at the UID.
    ///
    /// ## Why is this bad?
    /// Without `-l`, `useradd` adds the user to the `lastlog` and `faillog` databases, sparse
    /// files indexed by UID. Layers do not keep files sparse, so a UID in the millions makes
    /// the image gigabytes larger.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd -u 1000000 app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd -l -u 1000000 app
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the UID (hadolint reports the RUN's first line). Scripts in
    /// heredocs are checked as the shell runs them, including those hadolint cannot parse or
    /// reads differently.
    pub(crate) UseraddLargeUid {
        code: "DL3046",
        name: "useradd-large-uid",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for UseraddLargeUid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for run in runs(ctx) {
            for cmd in run.commands() {
                if cmd.name() != "useradd"
                    || cmd.has_any_flag(&["l", "no-log-init"])
                    || !cmd.has_any_flag(&["u", "uid"])
                {
                    continue;
                }
                let Some(uid) = cmd
                    .flag_args("u")
                    .into_iter()
                    .find(|w| w.value.chars().count() > 5)
                else {
                    continue;
                };
                ctx.report(
                    uid.range,
                    format!("`useradd` without `-l` and the large UID `{}` bloats the image", uid.value),
                )
                .help("add `-l` (`--no-log-init`) so the user is not added to the lastlog and faillog files");
            }
        }
    }
}
