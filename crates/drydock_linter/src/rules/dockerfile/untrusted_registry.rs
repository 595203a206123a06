use drydock_dockerfile::InstructionKind;
use drydock_dockerfile::image::ImageRef;
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::untagged_base_image::{FromImage, HlImage, resolve_from_image};

declare_rule! {
    /// ## What it does
    /// Reports images pulled from a registry that is not in the configured list of trusted
    /// registries (option `trusted-registries`). Without that option the rule reports nothing.
    ///
    /// Patterns: `*` trusts everything, `*.example.com` any registry ending with
    /// `.example.com`, `registry*` any registry starting with `registry`; anything else must
    /// match exactly (case-sensitively).
    ///
    /// Checked, as hadolint does:
    /// - the image of each `FROM`. Its registry is the first path component when that contains
    ///   a `.` (`ghcr.io/org/app`, `registry.example.com:5000/app`); an image without one (also
    ///   `localhost:5000/app`) comes from Docker Hub and is trusted when `docker.io` or
    ///   `hub.docker.com` matches a pattern. `scratch` and the name of an earlier stage are
    ///   always fine;
    /// - the value of `COPY --from=` (stage names of the current or earlier stages are fine; a
    ///   stage index such as `--from=0` is taken for a Docker Hub image);
    /// - the `from=` image of `RUN --mount=type=cache` and `type=bind` mounts (none means
    ///   `scratch`).
    ///
    /// When a `FROM` image is built from variables whose values are all known (global `ARG`s
    /// with defaults), the expanded reference is judged. When a variable without a known value
    /// could supply the registry, nothing is reported.
    ///
    /// ## Why is this bad?
    /// Base images and copied images run with full control over the build and end up in the
    /// product. Restricting them to registries the organisation trusts (a mirror, a vetted
    /// internal registry) keeps typo-squatted or unreviewed images out of the supply chain.
    ///
    /// ## Example
    /// With `trusted-registries = ["registry.example.com"]`:
    /// ```dockerfile
    /// FROM ghcr.io/someone/tool:1.2
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM registry.example.com/mirror/tool:1.2
    /// ```
    ///
    /// ## Differences from hadolint
    /// - A `FROM` image built from variables is judged on its expanded value when the values
    ///   are known, and not reported when an unknown value could hold the registry (hadolint
    ///   judges the text as written, so `FROM ${REGISTRY}/app` counts as a Docker Hub image).
    /// - Stage names are compared case-insensitively, as BuildKit lowercases them.
    pub(crate) UntrustedRegistry {
        code: "DL3026",
        name: "untrusted-registry",
        aliases: [],
        category: Security,
        severity: Error,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// hadolint's registry patterns.
fn matches(pattern: &str, registry: &str) -> bool {
    if pattern == "*" {
        true
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        registry.ends_with(suffix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        registry.starts_with(prefix)
    } else {
        registry == pattern
    }
}

/// An image as hadolint sees it: registry (if any) and name.
struct Image {
    registry: Option<String>,
    name: String,
}

impl Image {
    /// A `FROM` image, split by hadolint's parser.
    fn from_image(text: &str) -> Self {
        match HlImage::parse(text) {
            Some(image) => Self {
                registry: image.registry(text).map(str::to_owned),
                name: image.name(text).to_owned(),
            },
            None => {
                let image = ImageRef::parse(text);
                Self {
                    registry: image
                        .registry()
                        .filter(|r| r.contains('.'))
                        .map(str::to_owned),
                    name: image.repository().to_owned(),
                }
            }
        }
    }

    /// A `--from=` or mount `from=` value: a registry when there is a `/` and the first
    /// component holds a `.`; the name keeps any tag.
    fn from_string(text: &str) -> Self {
        match text.split_once('/') {
            Some((first, rest)) if first.contains('.') => Self {
                registry: Some(first.to_owned()),
                name: rest.trim_end_matches('/').to_owned(),
            },
            _ => Self {
                registry: None,
                name: text.to_owned(),
            },
        }
    }
}

/// The registry that makes `image` untrusted, or `None` when it is fine.
fn untrusted(image: &Image, trusted: &[String], aliases: &[String]) -> Option<String> {
    if aliases.contains(&image.name.to_lowercase()) {
        return None;
    }
    let allowed = |registry: &str| trusted.iter().any(|p| matches(p, registry));
    match &image.registry {
        Some(registry) => (!allowed(registry)).then(|| registry.clone()),
        None => (image.name != "scratch" && !allowed("docker.io") && !allowed("hub.docker.com"))
            .then(|| "docker.io".to_owned()),
    }
}

impl Rule for UntrustedRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let trusted = ctx.options.trusted_registries.clone();
        if trusted.is_empty() {
            return;
        }
        let model = ctx.model;
        let text = ctx.text();
        let mut aliases: Vec<String> = Vec::new();
        let mut findings: Vec<(TextRange, String, String)> = Vec::new();
        for (index, instruction) in model.instructions() {
            match instruction.kind {
                InstructionKind::From => {
                    let Some(stage) = model.stage_of(index).map(|s| &model.stages()[s]) else {
                        continue;
                    };
                    if let Some(word) = &stage.image {
                        let registry = match resolve_from_image(model, index, word) {
                            FromImage::Raw => {
                                untrusted(&Image::from_image(&word.text), &trusted, &aliases)
                            }
                            FromImage::Expanded(expanded) => {
                                if stage.parent.is_some() || expanded.is_empty() {
                                    None
                                } else {
                                    untrusted(&Image::from_image(&expanded), &trusted, &aliases)
                                }
                            }
                            FromImage::Unknown => {
                                let image = Image::from_image(&word.text);
                                let decided_by = image.registry.as_deref().unwrap_or(&image.name);
                                if decided_by.contains('$') {
                                    None
                                } else {
                                    untrusted(&image, &trusted, &aliases)
                                }
                            }
                        };
                        if let Some(registry) = registry {
                            findings.push((
                                word.range,
                                format!("base image `{}`", word.text),
                                registry,
                            ));
                        }
                    }
                    if let Some(name) = &stage.name {
                        aliases.push(name.lower.clone());
                    }
                }
                InstructionKind::Copy => {
                    let Some(value_range) = instruction.flag("from").and_then(|f| f.value_range)
                    else {
                        continue;
                    };
                    let value = &text[value_range];
                    if value.is_empty() {
                        continue;
                    }
                    if let Some(registry) =
                        untrusted(&Image::from_string(value), &trusted, &aliases)
                    {
                        findings.push((value_range, format!("`COPY --from={value}`"), registry));
                    }
                }
                InstructionKind::Run => {
                    for flag in instruction.flags_named("mount") {
                        let fields = flag.fields(text);
                        let ty = fields
                            .iter()
                            .find(|f| f.key == "type")
                            .map_or("bind", |f| f.value.as_str());
                        if ty != "cache" && ty != "bind" {
                            continue;
                        }
                        let from = fields.iter().find(|f| f.key == "from");
                        let value = from.map_or("scratch", |f| f.value.as_str());
                        if let Some(registry) =
                            untrusted(&Image::from_string(value), &trusted, &aliases)
                        {
                            let range = from.map_or(flag.range, |f| f.range);
                            findings.push((range, format!("mount image `{value}`"), registry));
                        }
                    }
                }
                _ => {}
            }
        }
        for (range, what, registry) in findings {
            ctx.report(range, format!("{what} comes from `{registry}`, which is not a trusted registry"))
                .help(format!("use an image from a trusted registry ({}), or add the registry to `trusted-registries`", trusted.join(", ")));
        }
    }
}
