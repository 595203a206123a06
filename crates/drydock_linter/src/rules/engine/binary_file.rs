use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a file that was not linted because it looks binary: mostly bytes that are not
    /// text (NUL bytes or invalid UTF-8 in the first 8 KiB).
    ///
    /// ## Why is this bad?
    /// A binary file named like a Dockerfile is almost certainly not one; linting it would only
    /// produce noise.
    ///
    /// ## Example
    /// A compiled program saved as `Dockerfile.bin` is reported and skipped.
    ///
    /// Use instead:
    /// Rename or exclude the file.
    pub(crate) BinaryFile {
        code: "DY004",
        name: "binary-file",
        aliases: [],
        category: Engine,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Any,
    }
}

impl Rule for BinaryFile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
