use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `extends` Compose cannot resolve: a `file` that does not exist, a `service`
    /// that the file does not define, an `extends` without `service`, and chains that form a
    /// cycle (`a` extends `b` extends `a`), including across files.
    ///
    /// ## Why is this bad?
    /// Compose stops with an error, and the service's inherited settings (its user, its
    /// capabilities, its mounts) are not what the file suggests.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   worker:
    ///     extends:
    ///       file: common.yaml
    ///       service: base-wroker
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   worker:
    ///     extends:
    ///       file: common.yaml
    ///       service: base-worker
    /// ```
    pub(crate) ExtendsUnresolvable {
        code: "CMP111",
        name: "extends-unresolvable",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for ExtendsUnresolvable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
