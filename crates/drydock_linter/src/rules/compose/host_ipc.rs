use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP014.
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
    pub(crate) HostIpc {
        code: "CMP014",
        name: "host-ipc",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for HostIpc {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let _ = ctx;
    }
}
