use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// TODO(helper): document CMP101.
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
    pub(crate) SchemaInvalid {
        code: "CMP101",
        name: "schema-invalid",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for SchemaInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
