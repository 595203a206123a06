use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP019.
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
    pub(crate) JoinsOtherNamespace {
        code: "CMP019",
        name: "joins-other-namespace",
        aliases: [],
        category: Security,
        severity: Style,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for JoinsOtherNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let _ = ctx;
    }
}
