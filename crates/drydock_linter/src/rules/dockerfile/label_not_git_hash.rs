use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::invalid_label_key::check_typed_labels;

declare_rule! {
    /// ## What it does
    /// Reports schema labels of type `hash` whose value is not a git commit hash.
    ///
    /// For each label of type `hash` in the configured `label-schema`, reports a `LABEL` value that
    /// is not a git commit hash: exactly 7 or exactly 40 characters, all lowercase hexadecimal
    /// (`0-9a-f`). Uppercase hex digits, other abbreviation lengths, 64-character SHA-256 object
    /// names and empty values are reported. Values are read as hadolint reads them: quotes are
    /// removed in the `key=value` form but kept in the legacy `LABEL key value` form (`LABEL
    /// version "1.0.0"` is reported); `ONBUILD LABEL` is not checked.
    ///
    /// ## Why is this bad?
    /// `org.opencontainers.image.revision` ties an image to the commit it was built from;
    /// tools expect the short or full hash as git prints it.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.revision: hash
    /// FROM debian:12
    /// LABEL org.opencontainers.image.revision=main
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.revision: hash
    /// FROM debian:12
    /// LABEL org.opencontainers.image.revision=4f2a9c1
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each invalid value is reported at the value (hadolint reports the `LABEL` instruction
    /// once per label).
    pub(crate) LabelNotGitHash {
        code: "DL3055",
        name: "label-not-git-hash",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for LabelNotGitHash {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        check_typed_labels(
            ctx,
            "hash",
            is_git_hash,
            "a git commit hash",
            "use the 7-character short hash or the 40-character full hash, in lowercase (`git rev-parse HEAD`)",
        );
    }
}

/// Whether `value` is 7 or 40 lowercase hexadecimal characters.
pub(crate) fn is_git_hash(value: &str) -> bool {
    matches!(value.chars().count(), 7 | 40)
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::is_git_hash;

    #[test]
    fn hashes() {
        assert!(is_git_hash("4f2a9c1"));
        assert!(is_git_hash(&"0123456789abcdef".repeat(3)[..40]));
        for bad in ["", "4F2A9C1", "4f2a9c", "4f2a9c1d", "main", "4f2a9cg"] {
            assert!(!is_git_hash(bad), "{bad}");
        }
    }
}
