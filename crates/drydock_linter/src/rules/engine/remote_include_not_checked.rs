use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document DY005.
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
    pub(crate) RemoteIncludeNotChecked {
        code: "DY005",
        name: "remote-include-not-checked",
        aliases: [],
        category: Engine,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for RemoteIncludeNotChecked {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
