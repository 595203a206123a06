use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a file reference that points outside the project root (the compose project's
    /// folder or the folder drydock was asked to check, whichever is higher): an `include`, an
    /// `extends` file, an `env_file`, a build Dockerfile. drydock does not read it.
    ///
    /// ## Why is this bad?
    /// It is not necessarily wrong, but drydock only reads the files it was pointed at and the
    /// project files inside the root, so the referenced file was not checked — and a project
    /// that reaches outside its own folder behaves differently on another checkout.
    ///
    /// ## Example
    /// ```yaml
    /// include:
    ///   - ../../shared/compose.yaml
    /// ```
    ///
    /// Use instead:
    /// Run drydock from a folder that contains both files, or keep the included file inside the
    /// project.
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
