use drydock_dockerfile::InstructionKind;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a `COPY --from=<name>` inside the stage called `<name>`: the value, as written,
    /// equals the name of the stage the `COPY` belongs to. A stage index (`--from=1` in the
    /// second stage) is not checked, and neither is `ONBUILD COPY`.
    ///
    /// ## Why is this bad?
    /// A stage cannot copy from itself: BuildKit fails with a dependency cycle. The `--from` is
    /// a typo for another stage, or the files are already in this stage and need a plain
    /// `COPY` (or `RUN cp`).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS build
    /// COPY --from=build /src/go.mod /tmp/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.23 AS deps
    /// COPY go.mod /src/
    ///
    /// FROM golang:1.23 AS build
    /// COPY --from=deps /src/go.mod /tmp/
    /// ```
    ///
    /// ## Differences from hadolint
    /// Stage names are compared case-insensitively, as BuildKit lowercases them
    /// (`COPY --from=Build` inside `AS build` is reported).
    pub(crate) CopyFromOwnStage {
        code: "DL3023",
        name: "copy-from-own-stage",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for CopyFromOwnStage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let text = ctx.text();
        for (index, instruction) in ctx.instructions_of(InstructionKind::Copy) {
            let Some(stage) = model.stage_of(index).map(|s| &model.stages()[s]) else {
                continue;
            };
            let Some(name) = &stage.name else {
                continue;
            };
            let Some(value_range) = instruction.flag("from").and_then(|f| f.value_range) else {
                continue;
            };
            let value = &text[value_range];
            if value.to_lowercase() != name.lower {
                continue;
            }
            ctx.report(
                value_range,
                format!("`COPY --from={value}` copies from its own stage"),
            )
            .label(name.range, "the stage this `COPY` belongs to")
            .help("copy from another stage, or use a plain `COPY` for files of the build context");
        }
    }
}
