use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::invalid_label_key::check_typed_labels;

declare_rule! {
    /// ## What it does
    /// Reports schema labels of type `semver` whose value is not a semantic version.
    ///
    /// For each label of type `semver` in the configured `label-schema`, reports a `LABEL` value
    /// that is not a semantic version as hadolint's SemVer parser reads it: `MAJOR.MINOR.PATCH`
    /// (three runs of digits), optionally `-` and pre-release identifiers, optionally `+` and build
    /// identifiers, each identifier made of `0-9A-Za-z-` and separated by single dots. A `v` prefix
    /// (`v1.2.3`), a missing part (`1.2`), blanks, empty identifiers (`1.0.0-a..b`) and empty
    /// values are reported. Like hadolint (and unlike the letter of SemVer 2.0.0), it accepts
    /// leading zeros (`01.2.3`), an empty pre-release or build part (`1.0.0-`, `1.0.0+`) and a
    /// trailing dot after an identifier (`1.0.0-rc.`). Values are read as hadolint reads them:
    /// quotes are removed in the `key=value` form but kept in the legacy `LABEL key value` form
    /// (`LABEL version "1.0.0"` is reported); `ONBUILD LABEL` is not checked.
    ///
    /// ## Why is this bad?
    /// `org.opencontainers.image.version` is compared and sorted by registries and deployment
    /// tools; a version that is not semantic cannot be ordered.
    ///
    /// ## Example
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.version: semver
    /// FROM debian:12
    /// LABEL org.opencontainers.image.version=v1.2
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # label-schema: org.opencontainers.image.version: semver
    /// FROM debian:12
    /// LABEL org.opencontainers.image.version=1.2.0
    /// ```
    ///
    /// ## Differences from hadolint
    /// Each invalid value is reported at the value (hadolint reports the `LABEL` instruction
    /// once per label).
    pub(crate) LabelNotSemver {
        code: "DL3056",
        name: "label-not-semver",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

impl Rule for LabelNotSemver {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Instruction
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        check_typed_labels(
            ctx,
            "semver",
            is_semver,
            "a semantic version",
            "write the version as `MAJOR.MINOR.PATCH`, optionally with `-prerelease` and `+build`, without a `v` prefix",
        );
    }
}

fn digits(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// `many identifier`: each identifier is digits followed by `.` or the end, or a run of
/// `[0-9A-Za-z-]` followed by an optional `.`.
fn identifiers(s: &[u8], mut i: usize) -> usize {
    loop {
        let end = digits(s, i);
        if end > i && (end == s.len() || s[end] == b'.') {
            i = if end < s.len() { end + 1 } else { end };
            continue;
        }
        let mut end = i;
        while s
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            end += 1;
        }
        if end == i {
            return i;
        }
        i = end;
        if s.get(i) == Some(&b'.') {
            i += 1;
        }
    }
}

/// Whether `value` is a semantic version as hadolint's parser accepts it.
pub(crate) fn is_semver(value: &str) -> bool {
    let s = value.as_bytes();
    let mut i = 0;
    for part in 0..3 {
        let end = digits(s, i);
        if end == i {
            return false;
        }
        i = end;
        if part < 2 {
            if s.get(i) != Some(&b'.') {
                return false;
            }
            i += 1;
        }
    }
    if s.get(i) == Some(&b'-') {
        i = identifiers(s, i + 1);
    }
    if s.get(i) == Some(&b'+') {
        i = identifiers(s, i + 1);
    }
    i == s.len()
}

#[cfg(test)]
mod tests {
    use super::is_semver;

    #[test]
    fn versions() {
        for ok in [
            "1.0.0",
            "2.0.1-rc1",
            "1.0.0-alpha.1",
            "1.0.0-x-y-z.--",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
            "01.2.3",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-rc.",
            "1.0.0-01",
        ] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.2",
            "v1.2.3",
            "1.2.3.4",
            "1.0.0-a..b",
            "1.0.0+a+b",
            "1.0.0 ",
            " 1.0.0",
            "1.0.0-é",
            "1.0.0_x",
            "latest",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
