use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `CMD`, `ENTRYPOINT` or `HEALTHCHECK` followed by another instruction of the
    /// same kind in the same stage, even with other instructions in between. As BuildKit does,
    /// the finding is on the earlier, overridden instruction, with a label on the one that
    /// overrides it. Instructions in different stages do not count, nor `ONBUILD` ones. This is
    /// BuildKit's `MultipleInstructionsDisallowed` build check.
    ///
    /// Off by default: DL4003 (`multiple-cmd`), DL4004 (`multiple-entrypoint`) and DL3012
    /// (`multiple-healthchecks`), on by default, report the same stages at the later
    /// instructions, so the problem is reported once. Turn this rule on (and those off) to get
    /// BuildKit's exact behaviour.
    ///
    /// ## Why is this bad?
    /// Only the last one takes effect; the earlier one is dead code that a reader may take for
    /// the image's command.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22
    /// CMD ["node", "server.js"]
    /// COPY . /app
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22
    /// COPY . /app
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// ## Differences from BuildKit
    /// BuildKit reports the check on the earlier instruction's lines; drydock points at its
    /// keyword.
    pub(crate) OverriddenInstruction {
        code: "BK012",
        name: "overridden-instruction",
        aliases: ["MultipleInstructionsDisallowed"],
        category: Correctness,
        severity: Warning,
        default_enabled: false,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for OverriddenInstruction {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for stage in model.stages() {
            for kind in [
                InstructionKind::Entrypoint,
                InstructionKind::Cmd,
                InstructionKind::Healthcheck,
            ] {
                let found: Vec<usize> = stage
                    .body
                    .clone()
                    .filter(|&i| model.instruction(i).kind == kind)
                    .collect();
                for pair in found.windows(2) {
                    let (earlier, later) = (model.instruction(pair[0]), model.instruction(pair[1]));
                    let keyword = kind.keyword();
                    ctx.report(
                        earlier.keyword.range,
                        format!(
                            "this `{keyword}` is overridden by a later `{keyword}` in the same stage"
                        ),
                    )
                    .label(later.keyword.range, "overridden by this one")
                    .help(format!("keep only the last `{keyword}` of the stage"));
                }
            }
        }
    }
}
