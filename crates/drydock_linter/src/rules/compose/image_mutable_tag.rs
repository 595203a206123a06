use drydock_compose::model::Text;
use drydock_compose::project::Service;
use drydock_dockerfile::image::ImageRef;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service whose `image` has no tag, or a tag that names a moving target.
    ///
    /// The tag is the text after the last `:` that follows the last `/`, so
    /// `registry:5000/app` has no tag and `registry:5000/app:1.2` has the tag `1.2`. What
    /// counts:
    ///
    /// - no tag at all (`nginx`, `ghcr.io/org/app`), which Compose pulls as `:latest`;
    /// - one of the mutable tags `latest`, `stable`, `edge`, `test`, `nightly`, `dev`, `beta`,
    ///   `canary`, `lts` (dclint's list), compared without regard to case.
    ///
    /// An image pinned by digest (`nginx@sha256:...`, `nginx:latest@sha256:...`) is fine
    /// whatever its tag. Services that build their image are skipped when nothing is pulled:
    /// without `image`, or with `build` and `pull_policy: build`, `never` or a `pull_policy`
    /// drydock cannot resolve. With `build`, `image` and no `pull_policy`, Compose tries to
    /// pull the image first, so it is checked. Values from `.env` and defaults count
    /// (`nginx:${TAG:-latest}` is `nginx:latest` when `TAG` is not set); an image that depends
    /// on a variable drydock cannot resolve is not reported. The finding points at the `image`
    /// value.
    ///
    /// ## Why is this bad?
    /// A mutable tag is re-pointed by its publisher: two `docker compose pull`s a day apart
    /// can run different software, with new bugs, breaking changes or, when the publisher or
    /// the registry account is compromised, malicious code, and nothing in the project records
    /// what ran. The CIS Docker Benchmark (5.28, 4.2) asks for known, trusted image versions.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:latest
    ///   cache:
    ///     image: redis
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.3
    ///   cache:
    ///     image: redis:7.4.1@sha256:0e6c1e8c0c5c1e5d3f0d2a7c8a4f7f0f0c1ef3b1c2d4e5f6a7b8c9d0e1f2a3b4
    /// ```
    pub(crate) ImageMutableTag {
        code: "CMP042",
        name: "image-mutable-tag",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

/// Tags that publishers move (dclint's `prohibitedTags` default).
const MUTABLE_TAGS: [&str; 9] = [
    "latest", "stable", "edge", "test", "nightly", "dev", "beta", "canary", "lts",
];

/// Whether Compose may pull the service's image (rather than only build it).
fn pulled(service: &Service) -> bool {
    if service.value().get("build").is_none() {
        return true;
    }
    match service.value().get("pull_policy").and_then(Text::of) {
        None => true,
        Some(policy) => !policy.unknown && !matches!(policy.text, "build" | "never"),
    }
}

impl Rule for ImageMutableTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(value) = service.value().get("image") else {
                continue;
            };
            let Some(text) = Text::of(value) else {
                continue;
            };
            let reference = text.text.trim();
            if text.unknown
                || reference.is_empty()
                || reference.eq_ignore_ascii_case("scratch")
                || !pulled(service)
            {
                continue;
            }
            let image = ImageRef::parse(reference);
            if image.digest().is_some() {
                continue;
            }
            let message = match image.tag() {
                None => format!(
                    "service `{}` uses image `{reference}` without a tag, which means `:latest`",
                    service.name
                ),
                Some(tag) if MUTABLE_TAGS.iter().any(|t| t.eq_ignore_ascii_case(tag)) => {
                    format!(
                        "service `{}` uses image `{reference}`: `{tag}` is a mutable tag",
                        service.name
                    )
                }
                Some(_) => continue,
            };
            ctx.report_value(service, value, message).help(format!(
                "pin a version tag (`{}:<version>`), or a digest (`{}:<version>@sha256:...`), and update it on purpose",
                image.name(),
                image.name()
            ));
        }
    }
}
