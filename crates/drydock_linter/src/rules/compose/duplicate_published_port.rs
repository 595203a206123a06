use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP106.
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
    pub(crate) DuplicatePublishedPort {
        code: "CMP106",
        name: "duplicate-published-port",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for DuplicatePublishedPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let _ = ctx;
    }
}
