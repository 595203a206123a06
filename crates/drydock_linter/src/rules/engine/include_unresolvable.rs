use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `include` entry Compose cannot load: a local path that does not exist, a
    /// file included twice (an include cycle), and an `env_file` or included file that cannot
    /// be read.
    ///
    /// ## Why is this bad?
    /// Compose stops with an error, and none of the included services are checked.
    ///
    /// ## Example
    /// ```yaml
    /// include:
    ///   - ./monitoring/compose.yml
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// include:
    ///   - ./monitoring/compose.yaml
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
