use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP038.
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
    pub(crate) PrivilegedHostPort {
        code: "CMP038",
        name: "privileged-host-port",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for PrivilegedHostPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let _ = ctx;
    }
}
