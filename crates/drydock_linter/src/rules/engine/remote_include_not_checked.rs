use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports an `include` of a remote location (`https://...`, `git@...`, `oci://...`).
    /// drydock never fetches anything over the network, so the included project is not
    /// checked.
    ///
    /// ## Why is this bad?
    /// It is not bad in itself; this finding says that part of the project was not linted, so
    /// a clean run does not vouch for it.
    ///
    /// ## Example
    /// ```yaml
    /// include:
    ///   - oci://registry.example.com/stacks/monitoring:1.2
    /// ```
    ///
    /// Use instead:
    /// Lint the remote project where its files live, or vendor it and include the local copy.
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
