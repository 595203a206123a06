use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document DS107.
    ///
    /// ## Why is this bad?
    /// TODO
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// ```
    pub(crate) ContentTrustDisabled {
        code: "DS107",
        name: "content-trust-disabled",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for ContentTrustDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let _ = ctx;
    }
}
