//! Image references: `[registry/]repository[:tag][@digest]`.

/// A parsed image reference. Offsets are byte offsets into [`ImageRef::text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// The reference as given (after variable expansion).
    pub text: String,
    /// The registry host (with port), when the first path component names one: it contains `.`
    /// or `:`, is `localhost`, or has an uppercase letter (Docker's normalisation rules).
    pub registry: Option<(usize, usize)>,
    /// The repository path without the registry (`library/debian`, `debian`).
    pub repository: (usize, usize),
    /// The tag after `:`.
    pub tag: Option<(usize, usize)>,
    /// The digest after `@` (`sha256:...`).
    pub digest: Option<(usize, usize)>,
}

impl ImageRef {
    /// Splits a reference into its parts. Never fails: a malformed reference still gets a
    /// repository (everything before any tag or digest).
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let (name_end, digest) = match text.find('@') {
            Some(at) => (at, Some((at + 1, text.len()))),
            None => (text.len(), None),
        };
        let name = &text[..name_end];
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repo_end, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (last_slash + i, Some((last_slash + i + 1, name_end))),
            None => (name_end, None),
        };
        let path = &text[..repo_end];
        let registry = path.find('/').and_then(|slash| {
            let first = &path[..slash];
            let is_domain = first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase());
            is_domain.then_some((0, slash))
        });
        let repository = match registry {
            Some((_, end)) => (end + 1, repo_end),
            None => (0, repo_end),
        };
        Self {
            text: text.to_owned(),
            registry,
            repository,
            tag,
            digest,
        }
    }

    fn part(&self, span: (usize, usize)) -> &str {
        &self.text[span.0..span.1]
    }

    /// The registry host, if written.
    #[must_use]
    pub fn registry(&self) -> Option<&str> {
        self.registry.map(|s| self.part(s))
    }

    /// The repository path without registry.
    #[must_use]
    pub fn repository(&self) -> &str {
        self.part(self.repository)
    }

    /// The tag, if written.
    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.tag.map(|s| self.part(s))
    }

    /// The digest, if written.
    #[must_use]
    pub fn digest(&self) -> Option<&str> {
        self.digest.map(|s| self.part(s))
    }

    /// Registry and repository without tag or digest (`ghcr.io/owner/app`).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.text[..self.repository.1]
    }

    /// Whether this is the empty base image `scratch`.
    #[must_use]
    pub fn is_scratch(&self) -> bool {
        self.text.eq_ignore_ascii_case("scratch")
    }
}

#[cfg(test)]
mod tests {
    use super::ImageRef;

    #[test]
    fn parts() {
        let r = ImageRef::parse("registry.example.com:5000/team/app:1.2@sha256:abc");
        assert_eq!(r.registry(), Some("registry.example.com:5000"));
        assert_eq!(r.repository(), "team/app");
        assert_eq!(r.tag(), Some("1.2"));
        assert_eq!(r.digest(), Some("sha256:abc"));
        assert_eq!(r.name(), "registry.example.com:5000/team/app");

        let r = ImageRef::parse("debian:12-slim");
        assert_eq!(
            (r.registry(), r.repository(), r.tag(), r.digest()),
            (None, "debian", Some("12-slim"), None)
        );
        let r = ImageRef::parse("library/ubuntu");
        assert_eq!(
            (r.registry(), r.repository(), r.tag()),
            (None, "library/ubuntu", None)
        );
        let r = ImageRef::parse("localhost/app");
        assert_eq!(r.registry(), Some("localhost"));
        let r = ImageRef::parse("localhost:5000/app:v1");
        assert_eq!(
            (r.registry(), r.tag()),
            (Some("localhost:5000"), Some("v1"))
        );
        assert!(ImageRef::parse("SCRATCH").is_scratch());
    }
}
