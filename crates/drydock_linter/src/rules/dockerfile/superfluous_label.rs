use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::invalid_label_key::label_pairs;

declare_rule! {
    /// ## What it does
    /// Reports labels that are not in the configured label schema (with `strict-labels`).
    ///
    /// Only active with `strict-labels`. Every `LABEL` key (quotes removed) that is not a label
    /// of the configured `label-schema` is reported. With `strict-labels` and no schema at all,
    /// every label is reported, as in hadolint. `ONBUILD LABEL` is not checked.
    ///
    /// ## Why is this bad?
    /// A strict label schema is a contract: images carry exactly the metadata the schema
    /// describes. Extra keys are usually typos of schema labels (`org.opencontainers.image.url`
    /// vs `...image.source`) or leftovers that tooling will never read.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.version: semver; strict-labels: true
    /// FROM debian:12
    /// LABEL org.opencontainers.image.version=1.2.3 build-host=ci-runner-7
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.version: semver; strict-labels: true
    /// FROM debian:12
    /// LABEL org.opencontainers.image.version=1.2.3
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each key outside the schema is reported at the key (hadolint reports the `LABEL`
    /// instruction once).
    pub(crate) SuperfluousLabel {
        code: "DL3050",
        name: "superfluous-label",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for SuperfluousLabel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        if !ctx.options.strict_labels {
            return;
        }
        for pair in label_pairs(ctx) {
            if ctx.options.label_schema.contains_key(&*pair.key) {
                continue;
            }
            let range = if pair.pair.key.range.is_empty() {
                pair.pair.range
            } else {
                pair.pair.key.range
            };
            ctx.report(
                range,
                format!("label `{}` is not in the label schema", pair.key),
            )
            .help("remove the label, or add it to `label-schema` in the configuration");
        }
    }
}
