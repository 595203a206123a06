use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document DY006.
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
    pub(crate) ReferenceOutsideRoot {
        code: "DY006",
        name: "reference-outside-root",
        aliases: [],
        category: Engine,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for ReferenceOutsideRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
