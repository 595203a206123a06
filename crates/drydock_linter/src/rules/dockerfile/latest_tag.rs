use drydock_dockerfile::image::ImageRef;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::untagged_base_image::{FromImage, HlImage, resolve_from_image};

declare_rule! {
    /// ## What it does
    /// Reports a `FROM` image whose tag is exactly `latest` and that has no digest.
    /// `FROM app:latest@sha256:…` is not reported: the digest pins the image. The tag is
    /// compared as written (`LATEST` is not reported), and a variable before the tag does not
    /// matter (`FROM $IMAGE:latest` is reported).
    ///
    /// When the reference is built from variables whose values are all known (global `ARG`s
    /// with defaults), the expanded reference is judged: with `ARG TAG=latest`,
    /// `FROM app:${TAG}` is reported.
    ///
    /// ## Why is this bad?
    /// `latest` is a moving target: it names whatever was pushed last. Builds stop being
    /// reproducible, and an upstream release can change or break the image without any change
    /// to the Dockerfile.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:latest
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22.11-bookworm-slim
    /// ```
    ///
    /// ## Differences from hadolint
    /// An image built from variables with known values is judged on its expanded value
    /// (hadolint only looks at the text as written, so it misses `FROM app:${TAG}` with
    /// `ARG TAG=latest`).
    pub(crate) LatestTag {
        code: "DL3007",
        name: "latest-tag",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// The span of the `latest` tag in `text` when the image is pinned only by it.
fn latest_tag(text: &str) -> Option<(usize, usize)> {
    match HlImage::parse(text) {
        Some(image) => (image.tag(text) == Some("latest") && image.digest.is_none())
            .then_some(image.tag)
            .flatten(),
        None => {
            let image = ImageRef::parse(text);
            (image.tag() == Some("latest") && image.digest().is_none())
                .then_some(image.tag)
                .flatten()
        }
    }
}

impl Rule for LatestTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        for stage in model.stages() {
            let Some(word) = &stage.image else {
                continue;
            };
            let mut expanded = String::new();
            let range = match resolve_from_image(model, stage.from, word) {
                FromImage::Raw | FromImage::Unknown => {
                    let Some((start, end)) = latest_tag(&word.text) else {
                        continue;
                    };
                    // Point at the tag when the word is written on one line as its text.
                    let (word_start, word_end) = (
                        usize::from(word.range.start()),
                        usize::from(word.range.end()),
                    );
                    if ctx.text().get(word_start..word_end) == Some(word.text.as_str()) {
                        drydock_text::range(word_start + start, word_start + end)
                    } else {
                        word.range
                    }
                }
                FromImage::Expanded(text) => {
                    if stage.parent.is_some() || latest_tag(&text).is_none() {
                        continue;
                    }
                    expanded = format!(" (`{text}`)");
                    word.range
                }
            };
            ctx.report(
                range,
                format!("base image `{}`{expanded} is pinned to the `latest` tag", word.text),
            )
            .help("pin a version tag (`node:22.11`) or a digest, so every build starts from the same image");
        }
    }
}
