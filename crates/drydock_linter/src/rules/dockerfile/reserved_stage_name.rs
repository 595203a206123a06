use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a stage named `scratch` or `context` (`FROM image AS scratch`), in any case.
    ///
    /// This is also BuildKit's `ReservedStageName` build check (alias `BK006`):
    /// `# check=skip=ReservedStageName` silences it, and `# check=error=true` makes it an
    /// error.
    ///
    /// ## Why is this bad?
    /// Both names already mean something to BuildKit: `scratch` is the empty image and
    /// `context` is the build context in `COPY --from` and named contexts. A stage with one of
    /// these names is either rejected or shadows the built-in meaning, so `FROM scratch` or
    /// `COPY --from=context` no longer do what they say.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20 AS context
    /// RUN mkdir /out
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20 AS prepare
    /// RUN mkdir /out
    /// ```
    ///
    /// ## Differences from hadolint
    /// hadolint compares case-sensitively (`AS Scratch` passes); BuildKit lowercases stage
    /// names, so here `AS Scratch` is reported too.
    pub(crate) ReservedStageName {
        code: "DL3063",
        name: "reserved-stage-name",
        aliases: ["ReservedStageName", "BK006"],
        category: Correctness,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for ReservedStageName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        for stage in ctx.model.stages() {
            let Some(name) = &stage.name else {
                continue;
            };
            if matches!(name.lower.as_str(), "scratch" | "context") {
                ctx.report(
                    name.range,
                    format!("stage name `{}` is reserved", name.text),
                )
                .help("choose another name; `scratch` and `context` have a built-in meaning");
            }
        }
    }
}
