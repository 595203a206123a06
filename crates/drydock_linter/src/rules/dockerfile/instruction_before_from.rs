use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports every instruction before the first `FROM` other than `ARG`. Comments, blank
    /// lines and parser directives are not instructions and are never reported.
    ///
    /// ## Why is this bad?
    /// A Dockerfile must start with `FROM` (optionally preceded by `ARG`s that parameterise
    /// it). BuildKit rejects anything else before the first `FROM`; the instruction was
    /// probably meant to go into a stage.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV APP_HOME=/app
    /// FROM debian:12
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ARG DEBIAN_VERSION=12
    /// FROM debian:${DEBIAN_VERSION}
    /// ENV APP_HOME=/app
    /// ```
    pub(crate) InstructionBeforeFrom {
        code: "DL3061",
        name: "instruction-before-from",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for InstructionBeforeFrom {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (_, instruction) in ctx.model.instructions() {
            match instruction.kind {
                InstructionKind::From => break,
                InstructionKind::Arg | InstructionKind::Unknown => {}
                _ => {
                    ctx.report(
                        instruction.keyword.range,
                        format!("`{}` before the first `FROM`", instruction.kind.keyword()),
                    )
                    .help("start the Dockerfile with `FROM` (only `ARG` may come before it); move this instruction into a stage");
                }
            }
        }
    }
}
