use drydock_compose::model::Text;

use crate::compose::ComposeContext;
use crate::declare_rule;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service with both `build` and `image` and no `pull_policy`.
    ///
    /// The merged project is checked (the two may come from different files, anchors or `extends`).
    /// A `build` or `image` that is null (`!reset null`, `image: ~`) or empty does not count, nor
    /// does an `image` that depends on a variable drydock cannot resolve. Any `pull_policy` value
    /// (even one from a variable) states the intent and silences the rule. The finding points at
    /// the `image` value.
    ///
    /// ## Why is this bad?
    /// With both keys, what Compose does depends on `pull_policy`, and without it Compose
    /// first tries to pull `image` from the registry and builds from source only when the
    /// pull fails. So whether the service runs the local source or whatever a registry holds
    /// under that name depends on the registry: a stale or look-alike image can silently
    /// replace the build.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     build: .
    ///     image: example/app:dev
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     build: .
    ///     image: example/app:dev
    ///     pull_policy: build
    /// ```
    pub(crate) BuildAndImage {
        code: "CMP108",
        name: "build-and-image",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Compose,
    }
}

impl Rule for BuildAndImage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            let Some(build) = service.value().get("build") else {
                continue;
            };
            let Some(image) = service.value().get("image") else {
                continue;
            };
            if build.is_null()
                || service
                    .value()
                    .get("pull_policy")
                    .is_some_and(|p| !p.is_null())
            {
                continue;
            }
            let Some(name) = Text::of(image) else {
                continue;
            };
            if name.unknown || name.text.trim().is_empty() {
                continue;
            }
            ctx.report_value(service, image, format!("service `{}` has both `build` and `image: {}` but no `pull_policy`: Compose pulls the image first and builds only if the pull fails", service.name, name.text.trim()))
                .help("add `pull_policy: build` to always build (the image name then only tags the result), or `pull_policy: always`/`missing` and drop `build` if the registry image is meant");
        }
    }
}
