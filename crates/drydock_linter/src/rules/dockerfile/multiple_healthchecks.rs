use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::repeated_in_stage;

declare_rule! {
    /// ## What it does
    /// Reports every `HEALTHCHECK` after the first one of the same stage. `HEALTHCHECK NONE`
    /// counts like any other. The count restarts at each `FROM` (instructions before the first
    /// `FROM` count as one more stage); `ONBUILD HEALTHCHECK` is not counted.
    ///
    /// BuildKit's `MultipleInstructionsDisallowed` build check is the separate rule BK012
    /// (`overridden-instruction`), off by default (it reports the earlier, overridden instruction),
    /// so the problem is reported once.
    ///
    /// ## Why is this bad?
    /// Only the last `HEALTHCHECK` of an image takes effect; the earlier ones are dead code that
    /// misleads the reader about how the container is checked.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27
    /// HEALTHCHECK CMD curl -f http://localhost/ || exit 1
    /// HEALTHCHECK --interval=5s CMD curl -f http://localhost/health || exit 1
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27
    /// HEALTHCHECK --interval=5s CMD curl -f http://localhost/health || exit 1
    /// ```
    pub(crate) MultipleHealthchecks {
        code: "DL3012",
        name: "multiple-healthchecks",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for MultipleHealthchecks {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (range, earlier) in repeated_in_stage(ctx, InstructionKind::Healthcheck) {
            ctx.report(
                range,
                "another `HEALTHCHECK` in the same stage: only the last one takes effect",
            )
            .label(earlier, "first `HEALTHCHECK` of the stage")
            .help("keep a single `HEALTHCHECK` per stage");
        }
    }
}
