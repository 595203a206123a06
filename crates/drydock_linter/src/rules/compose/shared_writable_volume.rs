use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP028.
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
    pub(crate) SharedWritableVolume {
        code: "CMP028",
        name: "shared-writable-volume",
        aliases: [],
        category: Security,
        severity: Style,
        default_enabled: false,
        fix: None,
        target: Compose,
    }
}

impl Rule for SharedWritableVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        let _ = ctx;
    }
}
