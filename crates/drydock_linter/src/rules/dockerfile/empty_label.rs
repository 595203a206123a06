use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::invalid_label_key::label_pairs;

declare_rule! {
    /// ## What it does
    /// Reports labels of the configured label schema that are set to an empty value.
    ///
    /// Only active when a label schema is configured. A `LABEL` that sets a schema label (of any
    /// type) to the empty string is reported: `key=""`, `key=''` or `key=`. The value is
    /// read as hadolint reads it: quotes are removed in the `key=value` form, but the legacy
    /// form `LABEL key ""` keeps them, so it is not empty. `ONBUILD LABEL` is not checked.
    ///
    /// ## Why is this bad?
    /// A schema label is there to be read by tooling; an empty value satisfies the presence
    /// check (DL3049) while carrying no information, which usually means a build argument that
    /// was never passed.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.revision: hash
    /// FROM debian:12
    /// LABEL org.opencontainers.image.revision=""
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.revision: hash
    /// FROM debian:12
    /// LABEL org.opencontainers.image.revision="4f2a9c1"
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each empty schema label is reported at its pair (hadolint reports the `LABEL`
    /// instruction once per label).
    pub(crate) EmptyLabel {
        code: "DL3051",
        name: "empty-label",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for EmptyLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        if ctx.options.label_schema.is_empty() {
            return;
        }
        for pair in label_pairs(ctx) {
            if !pair.value.is_empty() || !ctx.options.label_schema.contains_key(&*pair.key) {
                continue;
            }
            ctx.report(pair.pair.range, format!("label `{}` is empty", pair.key))
                .help("give the label a value, or pass the build argument that fills it");
        }
    }
}
