use drydock_compose::model::Text;
use drydock_compose::project::Service;
use drydock_dockerfile::image::ImageRef;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service whose `image` is not pinned by digest: it has no `@<algorithm>:<hex>`
    /// part (`@sha256:...`), whatever its tag (`nginx:1.27.3`, `nginx`, `nginx:latest`).
    ///
    /// Services that build their image are skipped when nothing is pulled: without `image`,
    /// or with `build` and `pull_policy: build`, `never` or a `pull_policy` drydock cannot
    /// resolve. With `build`, `image` and no `pull_policy`, Compose tries to pull the image
    /// first, so it is checked. Values from `.env` and defaults count; an image that depends
    /// on a variable drydock cannot resolve is not reported. The finding points at the
    /// `image` value.
    ///
    /// ## Why is this bad?
    /// Even a version tag can be moved by its publisher or by whoever controls the registry
    /// account; only a digest names exactly one image. Pinning by digest makes deployments
    /// reproducible and is what signature verification (Sigstore `cosign`, Notation) checks
    /// against, now that Docker Content Trust is being retired.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.3
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: nginx:1.27.3@sha256:0e6c1e8c0c5c1e5d3f0d2a7c8a4f7f0f0c1ef3b1c2d4e5f6a7b8c9d0e1f2a3b4
    /// ```
    ///
    /// ## Notes
    /// Off by default: digests need tooling (Renovate, Dependabot) to be kept up to date.
    /// Images without a tag or with a mutable tag are also reported by CMP042.
    pub(crate) ImageNoDigest {
        code: "CMP043",
        name: "image-no-digest",
        aliases: [],
        category: Security,
        severity: Info,
        default_enabled: false,
        fix: None,
        target: Compose,
    }
}

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

impl Rule for ImageNoDigest {
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
            if image.digest().is_some_and(|d| d.contains(':')) {
                continue;
            }
            ctx.report_value(service, value, format!("service `{}` uses image `{reference}` without a digest, so the content it names can change", service.name))
                .help(format!("pin the digest as well: `{reference}@sha256:<digest>` (`docker buildx imagetools inspect {reference}` shows it)"));
        }
    }
}
