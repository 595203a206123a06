use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports Dockerfile syntax that BuildKit would reject: an unknown instruction, a flag the
    /// instruction does not take, an unterminated heredoc, `FROM` with the wrong number of
    /// arguments, a JSON array with non-string elements, `ENV` without a value, a repeated or
    /// invalid parser directive, and bytes that are not valid UTF-8.
    ///
    /// drydock keeps linting the rest of the file after a syntax error, so every other finding is
    /// still reported.
    ///
    /// ## Why is this bad?
    /// `docker build` stops at the first of these errors.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// COPY --chmode=755 entrypoint.sh /
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// COPY --chmod=755 entrypoint.sh /
    /// ```
    ///
    /// ## Differences from hadolint
    /// hadolint reports its parser's first error as `DL1000` and lints nothing else in the file;
    /// drydock reports every error and lints the rest. Files hadolint cannot parse but BuildKit
    /// accepts (several heredocs in one instruction, an instruction right after a heredoc
    /// terminator, newer flags such as `--parents` or `--exclude`) are not errors here.
    pub(crate) SyntaxError {
        code: "DL1000",
        name: "syntax-error",
        aliases: [],
        category: Engine,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for SyntaxError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
