use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a file that was not linted because it is larger than the size limit
    /// (`max-file-size` in `.drydock.yaml`, 10 MiB by default).
    ///
    /// ## Why is this bad?
    /// Nothing in the file was checked. Real Dockerfiles and compose files are a few kilobytes;
    /// a file this large is usually generated or not what it seems.
    ///
    /// ## Example
    /// A 60 MB file named `Dockerfile` is reported and skipped.
    ///
    /// Use instead:
    /// Raise `max-file-size` if the file really should be linted, or exclude it.
    pub(crate) FileTooLarge {
        code: "DY003",
        name: "file-too-large",
        aliases: [],
        category: Engine,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Any,
    }
}

impl Rule for FileTooLarge {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
