use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports interpolation Compose cannot complete, using the variables of the project's
    /// `.env` (or `--env-file`) and, only when drydock is asked (`--env-from-process`), the
    /// process environment:
    ///
    /// - `${VAR:?message}` / `${VAR?message}` whose variable is set to nothing usable where
    ///   drydock looks (empty for `:?`, or unset with `--env-from-process`): Compose stops with
    ///   the message. Error. When the variable is defined nowhere drydock looks, the shell may
    ///   still set it (a CI job often does): Warning.
    /// - `$VAR` / `${VAR}` without a default whose variable is defined nowhere drydock looks:
    ///   Compose substitutes an empty string (with a warning). Warning.
    /// - `${...}` that is not a valid substitution (`${}`, `${1X}`, an unclosed `${`): Compose
    ///   rejects the file. Error.
    ///
    /// The finding points at the `${...}` reference itself when the scalar was written without
    /// escapes, otherwise at the whole value.
    ///
    /// ## Why is this bad?
    /// A missing required variable stops the deployment; a missing plain variable silently
    /// becomes an empty string, which turns `image: app:${TAG}` into `app:` and
    /// `${DATA_DIR}/db:/var/lib/db` into a bind mount of `/db`.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:${TAG}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: example/web:${TAG:-1.4.2}
    /// ```
    ///
    /// ## Notes
    /// Other rules never guess the value of an unresolved variable; this is the one rule that
    /// talks about them.
    pub(crate) UnresolvedVariable {
        code: "CMP103",
        name: "unresolved-variable",
        aliases: [],
        category: Correctness,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for UnresolvedVariable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
}
