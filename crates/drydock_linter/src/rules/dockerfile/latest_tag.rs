use drydock_dockerfile::image::ImageRef;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::untagged_base_image::{FromImage, HlImage, resolve_from_image};

declare_rule! {
    /// ## What it does
    /// Reports a `FROM` image whose tag is exactly `latest` and that has no digest.
    /// `FROM app:latest@sha256:…` is not reported: the digest pins the image. The image is
    /// judged as written and split as hadolint splits it: the tag is compared as written
    /// (`LATEST` is not reported), a variable before the tag does not matter
    /// (`FROM $IMAGE:latest` is reported), and a tag built from variables is not `latest`
    /// (`FROM app:${TAG}` is not reported, even with `ARG TAG=latest`).
    ///
    /// Variables are expanded (with the global `ARG`s and their defaults) only to drop a
    /// finding, never to add one: a reported image built from variables whose values are all
    /// known is dropped when the expanded reference is not pinned to `latest` alone (it has a
    /// digest or another tag) or names an earlier stage.
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
    /// False positives on image names built from variables are not reported: a finding
    /// hadolint gives on the text as written is dropped when the expanded reference is not
    /// pinned to `latest` alone or names an earlier stage. The expansion never adds a finding
    /// hadolint does not give (`FROM app:${TAG}` with `ARG TAG=latest` is not reported, as in
    /// hadolint).
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
            // hadolint's verdict on the text as written, then the expansion may only drop it.
            let Some((start, end)) = latest_tag(&word.text) else {
                continue;
            };
            let expanded = match resolve_from_image(model, stage.from, word) {
                FromImage::Raw | FromImage::Unknown => String::new(),
                FromImage::Expanded(text) => {
                    if stage.parent.is_some() || latest_tag(&text).is_none() {
                        continue;
                    }
                    format!(" (`{text}`)")
                }
            };
            // Point at the tag when the word is written on one line as its text.
            let (word_start, word_end) = (
                usize::from(word.range.start()),
                usize::from(word.range.end()),
            );
            let range = if ctx.text().get(word_start..word_end) == Some(word.text.as_str()) {
                drydock_text::range(word_start + start, word_start + end)
            } else {
                word.range
            };
            ctx.report(
                range,
                format!("base image `{}`{expanded} is pinned to the `latest` tag", word.text),
            )
            .help("pin a version tag (`node:22.11`) or a digest, so every build starts from the same image");
        }
    }
}
