use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP044.
    ///
    /// ## Why is this bad?
    /// TODO
    ///
    /// ## Example
    /// ```yaml
    /// services: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services: {}
    /// ```
    pub(crate) ComposeContentTrustDisabled {
        code: "CMP044",
        name: "compose-content-trust-disabled",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for ComposeContentTrustDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let _ = ctx;
    }
}
