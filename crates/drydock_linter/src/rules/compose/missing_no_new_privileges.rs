use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP011.
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
    pub(crate) MissingNoNewPrivileges {
        code: "CMP011",
        name: "missing-no-new-privileges",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for MissingNoNewPrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let _ = ctx;
    }
}
