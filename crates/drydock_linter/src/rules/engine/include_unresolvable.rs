use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP112.
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
    pub(crate) IncludeUnresolvable {
        code: "CMP112",
        name: "include-unresolvable",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for IncludeUnresolvable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
