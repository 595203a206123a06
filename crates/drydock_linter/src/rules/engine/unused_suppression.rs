use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a code in a suppression comment (`# drydock ignore=...`, `# hadolint ignore=...`,
    /// and their `global` forms) that suppressed nothing: the rule it names is enabled but found
    /// no problem where the comment applies.
    ///
    /// ## Why is this bad?
    /// A suppression that is no longer needed hides the next real problem of that kind. Teams
    /// that adopt drydock with `--add-ignore` rely on this finding to learn when a suppression can
    /// go.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// # drydock ignore=DL3004
    /// RUN apt-get update
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update
    /// ```
    ///
    /// ## Fix safety
    /// The fix removes the code from the comment, or the whole comment line when it was the only
    /// code. It is safe: the code suppressed nothing.
    pub(crate) UnusedSuppression {
        code: "DY001",
        name: "unused-suppression",
        aliases: [],
        category: Engine,
        severity: Info,
        default_enabled: true,
        fix: Always,
        target: Any,
    }
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
