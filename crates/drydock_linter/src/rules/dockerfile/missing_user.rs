use drydock_dockerfile::model::Base;

use crate::declare_rule;
use crate::diagnostic::Severity;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a final stage that never sets `USER`, neither itself nor through the stages it
    /// builds on (`FROM <earlier stage>`). The finding points at the final stage's `FROM`.
    /// When drydock lints the Dockerfile for a compose service with `build.target`, that stage is
    /// checked instead of the last one.
    ///
    /// A stage based on `scratch`, or on an image whose tag says `nonroot` (distroless
    /// `:nonroot`), is reported at info level: those images usually do not run as root, but it
    /// is still better to say so in the Dockerfile.
    ///
    /// ## Why is this bad?
    /// Without `USER`, the container runs as the base image's default user, which for almost
    /// every base image is root. The CIS Docker Benchmark (4.1) asks for a non-root user in
    /// every image. DL3002 only catches an explicit `USER root`; this rule catches the silent
    /// default.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// COPY app /app
    /// CMD ["python", "/app/main.py"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// COPY app /app
    /// USER 10001
    /// CMD ["python", "/app/main.py"]
    /// ```
    pub(crate) MissingUser {
        code: "DS101",
        name: "missing-user",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for MissingUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let stage = ctx
            .target_stage
            .and_then(|target| model.stage_by_ref(target))
            .or_else(|| model.final_stage());
        let Some(stage) = stage else { return };
        if model.effective_user(stage.index).is_some() {
            return;
        }
        // The image the chain of stages starts from decides how serious this is.
        let root = model.root_stage(stage.index).unwrap_or(stage);
        let lenient = match &root.base {
            Base::Scratch => true,
            Base::Image { reference, .. } => reference
                .tag()
                .is_some_and(|t| t.to_ascii_lowercase().contains("nonroot")),
            _ => false,
        };
        let from = model.instruction(stage.from);
        let range = stage.image.as_ref().map_or(from.keyword.range, |w| w.range);
        let which = if ctx.target_stage.is_some()
            && model.final_stage().is_some_and(|f| f.index != stage.index)
        {
            "the target stage"
        } else {
            "the final stage"
        };
        let message = if lenient {
            format!("{which} sets no USER; it runs as the base image's default user")
        } else {
            format!(
                "{which} sets no USER, so the container runs as the base image's default user, usually root"
            )
        };
        let d = ctx.report(range, message);
        d.help("add `USER <uid>` with a non-root (preferably numeric) user after the steps that need root");
        if lenient {
            d.severity(Severity::Info);
        }
    }
}
