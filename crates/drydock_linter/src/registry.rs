//! The registry: every rule, looked up by code, alias, name or prefix.

use crate::rule::{Rule, RuleMeta};
use crate::rules;

/// A rule's position in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub(crate) usize);

impl RuleId {
    /// The rule.
    #[must_use]
    pub fn rule(self) -> &'static dyn Rule {
        rules()[self.0]
    }

    /// The rule's metadata.
    #[must_use]
    pub fn meta(self) -> &'static RuleMeta {
        self.rule().meta()
    }

    /// Index in [`rules()`].
    #[must_use]
    pub fn index(self) -> usize {
        self.0
    }
}

/// All rules, sorted by primary code.
#[must_use]
pub fn rules() -> &'static [&'static dyn Rule] {
    rules::ALL
}

/// All rule ids.
pub fn ids() -> impl Iterator<Item = RuleId> {
    (0..rules().len()).map(RuleId)
}

/// The rule answering to `code` exactly: its primary code, an alias or its name
/// (case-insensitive).
#[must_use]
pub fn find(code: &str) -> Option<RuleId> {
    let code = code.trim();
    ids().find(|id| id.meta().answers_to(code))
}

/// The rule whose primary code is `code`. This runs for every finding: a hash map built on
/// first use (a binary search over the rules cost eight calls through their vtables and as
/// many string comparisons, about 400 instructions a lookup).
#[must_use]
pub fn by_code(code: &str) -> Option<RuleId> {
    static CODES: std::sync::OnceLock<foldhash::HashMap<&'static str, RuleId>> =
        std::sync::OnceLock::new();
    CODES
        .get_or_init(|| ids().map(|id| (id.meta().code, id)).collect())
        .get(code)
        .copied()
}

/// What a selector matched.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownSelector(pub String);

impl std::fmt::Display for UnknownSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown rule or prefix `{}`", self.0)
    }
}

impl std::error::Error for UnknownSelector {}

/// Rules selected by `selector`: `ALL`, an exact code/alias/name, or a code prefix (`DL`,
/// `DL30`, `DS1`).
///
/// # Errors
/// When nothing answers to the selector.
pub fn select(selector: &str) -> Result<Vec<RuleId>, UnknownSelector> {
    let selector = selector.trim();
    if selector.eq_ignore_ascii_case("all") {
        return Ok(ids().collect());
    }
    if let Some(id) = find(selector) {
        return Ok(vec![id]);
    }
    let upper = selector.to_ascii_uppercase();
    let matched: Vec<RuleId> = ids()
        .filter(|id| !upper.is_empty() && id.meta().code.starts_with(&upper))
        .collect();
    if matched.is_empty() {
        Err(UnknownSelector(selector.to_owned()))
    } else {
        Ok(matched)
    }
}

/// Whether `code` looks like a ShellCheck code (`SC2086`), which drydock passes through.
#[must_use]
pub fn is_shellcheck_code(code: &str) -> bool {
    code.len() == 6 && code.starts_with("SC") && code[2..].bytes().all(|b| b.is_ascii_digit())
}
