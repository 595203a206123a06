use foldhash::{HashSet, HashSetExt};

use drydock_dockerfile::Word;
use drydock_dockerfile::image::ImageRef;
use drydock_dockerfile::model::Model;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Rule, RuleMeta};
use crate::rules::dockerfile::helpers::stage_names;

declare_rule! {
    /// ## What it does
    /// Reports a `FROM` whose image has neither a tag (`:12`) nor a digest (`@sha256:…`).
    ///
    /// The image is judged as written and split as hadolint splits it: a first path component
    /// is a registry only when it holds a `.` (so `localhost:5000/app` reads as image
    /// `localhost` with tag `5000/app` and is not reported). Not reported:
    /// - `scratch` (exactly, lowercase; `FROM SCRATCH` is reported);
    /// - an image whose name (without registry) equals the name of an earlier stage;
    /// - an image whose name starts with a variable (`FROM ${IMAGE}`, `FROM $BASE`), whatever
    ///   value the variable has: with `ARG BASE=debian`, `FROM $BASE` is not reported.
    ///
    /// Variables are expanded (with the global `ARG`s and their defaults) only to drop a
    /// finding, never to add one. A reported image built from variables is dropped when:
    /// - the expanded reference has a tag or digest (`FROM debian${SUFFIX}` with
    ///   `ARG SUFFIX=:12`);
    /// - the expanded reference names an earlier stage (`FROM build-${DISTRO}` with
    ///   `ARG DISTRO=alpine` and a stage `build-alpine`);
    /// - a variable without a known value appears in the image name (`FROM base-$TARGETARCH`,
    ///   `FROM app${SUFFIX}`): it may hold the tag or name a stage.
    ///
    /// ## Why is this bad?
    /// Without a tag the build pulls `latest`, whatever that is on the day of the build: two
    /// builds of the same Dockerfile can get different base images, and a new major version can
    /// break the build or the application without any change to the repository.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian
    /// RUN apt-get update
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12.6
    /// RUN apt-get update
    /// ```
    ///
    /// ## Differences from hadolint
    /// - False positives on image names built from variables are not reported: a finding
    ///   hadolint gives on the text as written is dropped when the expanded reference has a tag
    ///   or digest, names an earlier stage, or holds a variable without a known value in its
    ///   name. The expansion never adds a finding hadolint does not give (`FROM $BASE` with
    ///   `ARG BASE=debian` is not reported, as in hadolint).
    /// - Stage names are compared case-insensitively, as BuildKit lowercases them
    ///   (`FROM base AS Builder` then `FROM builder` is not reported).
    pub(crate) UntaggedBaseImage {
        code: "DL3006",
        name: "untagged-base-image",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// A `FROM` image split the way hadolint's parser (language-docker) splits it. Spans are byte
/// offsets into the text that was parsed.
#[derive(Clone, Copy, Debug)]
pub(super) struct HlImage {
    /// `domain.tld[:port]` when the text starts with `<something>.<something>/`.
    pub(super) registry: Option<(usize, usize)>,
    /// The image name without registry, tag or digest.
    pub(super) name: (usize, usize),
    /// The tag after `:`.
    pub(super) tag: Option<(usize, usize)>,
    /// The digest after `@`.
    pub(super) digest: Option<(usize, usize)>,
}

impl HlImage {
    /// Splits `text`; `None` when hadolint's parser would reject it (`img:`, `a:b:c`).
    pub(super) fn parse(text: &str) -> Option<Self> {
        let mut pos = 0;
        let mut registry = None;
        let domain_end = scan(text, 0, |c| c == '.');
        if domain_end > 0 && text[domain_end..].starts_with('.') {
            let tld_end = scan(text, domain_end + 1, |c| c == '/');
            if tld_end > domain_end + 1 && text[tld_end..].starts_with('/') {
                registry = Some((0, tld_end));
                pos = tld_end + 1;
            }
        }
        let name_end = scan(text, pos, |c| c == '@' || c == ':');
        if name_end == pos {
            return None;
        }
        let name = (pos, name_end);
        pos = name_end;
        let mut tag = None;
        if text[pos..].starts_with(':') {
            let tag_end = scan(text, pos + 1, |c| c == '@' || c == ':');
            if tag_end == pos + 1 {
                return None;
            }
            tag = Some((pos + 1, tag_end));
            pos = tag_end;
        }
        let mut digest = None;
        if text[pos..].starts_with('@') {
            let end = text[pos + 1..]
                .find(|c: char| c == '@' || is_blank(c))
                .map_or(text.len(), |k| pos + 1 + k);
            if end > pos + 1 {
                digest = Some((pos + 1, end));
                pos = end;
            }
        }
        (pos == text.len()).then_some(Self {
            registry,
            name,
            tag,
            digest,
        })
    }

    /// The registry, if any.
    pub(super) fn registry<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.registry.map(|(s, e)| &text[s..e])
    }

    /// The name without registry.
    pub(super) fn name<'t>(&self, text: &'t str) -> &'t str {
        &text[self.name.0..self.name.1]
    }

    /// The tag, if any.
    pub(super) fn tag<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.tag.map(|(s, e)| &text[s..e])
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n')
}

/// language-docker's `someUnlessExpanded`: from `pos`, literal runs that stop at `stop`, `$` or
/// a blank, and `$` / `${...}` pieces whose content is opaque. Returns where it stopped.
fn scan(text: &str, mut pos: usize, stop: impl Fn(char) -> bool) -> usize {
    while let Some(c) = text[pos..].chars().next() {
        if c == '$' {
            pos += 1;
            if text[pos..].starts_with('{') {
                pos += 1;
                let mut depth = 1;
                loop {
                    pos = text[pos..]
                        .find(|c: char| matches!(c, '{' | '}') || is_blank(c))
                        .map_or(text.len(), |k| pos + k);
                    match text[pos..].chars().next() {
                        Some('{') => {
                            pos += 1;
                            depth += 1;
                        }
                        Some('}') => {
                            pos += 1;
                            if depth <= 1 {
                                break;
                            }
                            depth -= 1;
                        }
                        _ => break,
                    }
                }
            }
            continue;
        }
        if stop(c) || is_blank(c) {
            break;
        }
        pos = text[pos..]
            .find(|c: char| stop(c) || c == '$' || is_blank(c))
            .map_or(text.len(), |k| pos + k);
    }
    pos
}

/// How a `FROM` image is judged.
pub(super) enum FromImage {
    /// As written (no variables, or variables BuildKit would reject).
    Raw,
    /// Built from variables whose values are all known: the expanded reference.
    Expanded(String),
    /// Built from variables at least one of which has no known value.
    Unknown,
}

/// Expands the image word of the `FROM` at instruction `from` with the global `ARG`s.
pub(super) fn resolve_from_image(model: &Model, from: usize, word: &Word) -> FromImage {
    if !word.text.contains('$') {
        return FromImage::Raw;
    }
    match model.expand(from, &word.text) {
        Ok(e) if !e.unknown => FromImage::Expanded(e.result),
        Ok(_) => FromImage::Unknown,
        Err(_) => FromImage::Raw,
    }
}

/// Whether `text` names an image without tag or digest, as hadolint decides; `aliases` are the
/// lowercased names of the earlier stages.
fn untagged(text: &str, aliases: &HashSet<&str>) -> bool {
    match HlImage::parse(text) {
        Some(image) => {
            let name = image.name(text);
            name != "scratch"
                && image.digest.is_none()
                && image.tag.is_none()
                && !name.starts_with('$')
                && !aliases.contains(name.to_lowercase().as_str())
        }
        None => {
            let image = ImageRef::parse(text);
            text != "scratch"
                && !text.starts_with('$')
                && image.tag().is_none()
                && image.digest().is_none()
                && !aliases.contains(image.repository().to_lowercase().as_str())
        }
    }
}

impl Rule for UntaggedBaseImage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    /// The names of the earlier stages.
    fn outside(&self, model: &Model) -> Option<Vec<u8>> {
        stage_names(model)
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        // A set, not a list: files can have thousands of stages.
        let mut aliases: HashSet<&str> = HashSet::new();
        for stage in model.stages() {
            // hadolint's verdict on the text as written, then the expansion may only drop it.
            if ctx.checks(stage.from)
                && let Some(word) = &stage.image
                && untagged(&word.text, &aliases)
            {
                let resolved = resolve_from_image(model, stage.from, word);
                let false_positive = match &resolved {
                    FromImage::Raw => false,
                    FromImage::Expanded(text) => {
                        stage.parent.is_some() || text.is_empty() || !untagged(text, &aliases)
                    }
                    // A variable without a value in the image name may hold the tag or name a
                    // stage; in the registry it changes nothing.
                    FromImage::Unknown => HlImage::parse(&word.text)
                        .is_none_or(|image| image.name(&word.text).contains('$')),
                };
                if !false_positive {
                    let expanded = match resolved {
                        FromImage::Expanded(text) => format!(" (`{text}`)"),
                        _ => String::new(),
                    };
                    ctx.report(
                        word.range,
                        format!("base image `{}`{expanded} has no tag or digest", word.text),
                    )
                    .help(
                        "pin a version tag (`debian:12.6`) or a digest (`@sha256:…`); without one the build uses `latest`, which changes over time",
                    );
                }
            }
            if let Some(name) = &stage.name {
                aliases.insert(&name.lower);
            }
        }
    }
}
