use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a suppression comment that names a code no rule answers to, or that does not
    /// follow the pragma grammar (`# drydock ignore=CODE[,CODE] [-- reason]`).
    ///
    /// A `# hadolint ignore=` comment with one unknown code is void as a whole, as in hadolint;
    /// this finding says so instead of failing silently.
    ///
    /// ## Why is this bad?
    /// A misspelt code suppresses nothing, and the finding it was meant for keeps coming back
    /// without an obvious reason.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// # drydock ignore=DL3O08
    /// RUN apt-get install -y curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// # drydock ignore=DL3008
    /// RUN apt-get install -y curl
    /// ```
    pub(crate) InvalidSuppression {
        code: "DY002",
        name: "invalid-suppression",
        aliases: [],
        category: Engine,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Any,
    }
}

impl Rule for InvalidSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
