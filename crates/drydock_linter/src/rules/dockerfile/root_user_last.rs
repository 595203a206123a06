use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Checks each stage's last `USER` instruction and reports it when it switches to root:
    /// `root`, `0`, or a `root:`/`0:` user-and-group. A later non-root `USER` in the same stage
    /// clears it. Stages without any `USER` are not reported here (see DS101).
    ///
    /// ## Why is this bad?
    /// A container that runs as root turns any compromise of the application into root on the
    /// container, one kernel bug away from root on the host. Switching to root for a build step
    /// is fine; ending the stage as root is not.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// USER root
    /// RUN apt-get update
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// USER root
    /// RUN apt-get update
    /// USER 10001
    /// ```
    ///
    /// ## Notes
    /// As in hadolint, every stage is checked (not only the final one), the value is compared
    /// as written (`USER ROOT` and `USER ${NAME}` are not root), and a `USER` before the first
    /// `FROM` is ignored.
    pub(crate) RootUserLast {
        code: "DL3002",
        name: "root-user-last",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

fn is_root(user: &str) -> bool {
    user == "root" || user == "0" || user.starts_with("root:") || user.starts_with("0:")
}

impl Rule for RootUserLast {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for stage in model.stages() {
            if !ctx.checks(stage.from) {
                continue;
            }
            let mut last_root = None;
            for index in stage.body.clone() {
                let instruction = model.instruction(index);
                if instruction.kind != InstructionKind::User {
                    continue;
                }
                let Args::Text(word) = &instruction.args else {
                    continue;
                };
                last_root = is_root(&word.text).then_some(word);
            }
            if let Some(word) = last_root {
                let what = match &stage.name {
                    Some(name) => format!("stage `{}`", name.text),
                    None => format!("stage {}", stage.index),
                };
                ctx.report(word.range, format!("{what} ends as root: its last USER is `{}`", word.text))
                    .help("switch to a non-root user (preferably a numeric UID) after the steps that need root");
            }
        }
    }
}
