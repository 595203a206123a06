use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::repeated_in_stage;

declare_rule! {
    /// ## What it does
    /// Reports every `ENTRYPOINT` after the first one of the same stage. The count restarts at
    /// each `FROM` (instructions before the first `FROM` count as one more stage);
    /// `ONBUILD ENTRYPOINT` is not counted.
    ///
    /// BuildKit's `MultipleInstructionsDisallowed` build check is the separate rule BK012
    /// (`overridden-instruction`), off by default (it reports the earlier, overridden instruction),
    /// so the problem is reported once.
    ///
    /// ## Why is this bad?
    /// Only the last `ENTRYPOINT` of an image takes effect; the earlier ones are dead code that
    /// misleads the reader about what the container runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ENTRYPOINT ["/bin/sh"]
    /// ENTRYPOINT ["/usr/local/bin/app"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ENTRYPOINT ["/usr/local/bin/app"]
    /// ```
    pub(crate) MultipleEntrypoint {
        code: "DL4004",
        name: "multiple-entrypoint",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for MultipleEntrypoint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (range, earlier) in repeated_in_stage(ctx, InstructionKind::Entrypoint) {
            ctx.report(
                range,
                "another `ENTRYPOINT` in the same stage: only the last one takes effect",
            )
            .label(earlier, "first `ENTRYPOINT` of the stage")
            .help("keep a single `ENTRYPOINT` per stage");
        }
    }
}
