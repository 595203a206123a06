use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::repeated_in_stage;

declare_rule! {
    /// ## What it does
    /// Reports every `CMD` after the first one of the same stage. The count restarts at each
    /// `FROM` (instructions before the first `FROM` count as one more stage); `ONBUILD CMD` is
    /// not counted.
    ///
    /// BuildKit's `MultipleInstructionsDisallowed` build check is the separate rule BK012
    /// (`overridden-instruction`), off by default (it reports the earlier, overridden instruction),
    /// so the problem is reported once.
    ///
    /// ## Why is this bad?
    /// Only the last `CMD` of an image takes effect; the earlier ones are dead code, and often a
    /// sign that two commands were meant to run (which needs a script or a process manager).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD ["python", "migrate.py"]
    /// CMD ["python", "app.py"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// CMD ["python", "app.py"]
    /// ```
    pub(crate) MultipleCmd {
        code: "DL4003",
        name: "multiple-cmd",
        aliases: [],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for MultipleCmd {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for (range, earlier) in repeated_in_stage(ctx, InstructionKind::Cmd) {
            ctx.report(
                range,
                "another `CMD` in the same stage: only the last one takes effect",
            )
            .label(earlier, "first `CMD` of the stage")
            .help("keep a single `CMD` per stage; run several commands from a script");
        }
    }
}
