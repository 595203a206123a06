use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports YAML that Compose cannot read: syntax errors, duplicate keys (both places are
    /// shown), aliases that expand to more than 100,000 values (a "billion laughs" document),
    /// nesting deeper than the parser's limit, and syntax errors in `.env` and `env_file` files.
    /// Whatever could be read before the error is still checked.
    ///
    /// ## Why is this bad?
    /// Compose refuses the file. A duplicate key is worse: YAML libraries disagree on which
    /// occurrence wins, so the value you reviewed may not be the one that runs.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    ///     image: nginx:latest
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27
    /// ```
    pub(crate) YamlInvalid {
        code: "CMP102",
        name: "yaml-invalid",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for YamlInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
