use drydock_dockerfile::model::{Model, Stage};
use drydock_text::TextRange;

use crate::declare_rule;
use crate::rule::{DockerfileContext, Locality, Outside, Rule, RuleMeta};
use crate::rules::dockerfile::hadolint::{Run, has_cache_mount, runs};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` that refreshes the apt package lists and does not delete them.
    ///
    /// The trigger is the update, not an install: a command named exactly `apt-get`, `apt` or
    /// `aptitude` with an `update` argument. The `RUN` passes when it also has an `rm` command
    /// with *either* a `-rf` argument *or* a `/var/lib/apt/lists/*` argument (so, as in
    /// hadolint, any `rm -rf`, whatever it removes, counts as the cleanup), or when it has a
    /// `--mount=type=cache` (or `tmpfs`) whose target contains `/var/lib/apt/lists`, or two
    /// such mounts whose targets contain `/var/lib/apt` and `/var/cache/apt`.
    ///
    /// Only `RUN`s whose stage ends up in an image are reported: the final stage, and stages
    /// whose name is used as the image of any `FROM` of the file. As in hadolint, "the final
    /// stage" means any stage whose `FROM` line is identical to the last one (same image, tag,
    /// digest, stage name and `--platform`), and a `FROM` names a stage when its image, without
    /// registry, tag or digest, is that stage's name (`FROM builder:1.0` counts). A `RUN`
    /// before the first `FROM` is reported when the file has no `FROM`. `ONBUILD RUN` is
    /// always reported, since the stage it will run in is unknown.
    ///
    /// ## Why is this bad?
    /// `apt-get update` downloads tens of megabytes of package lists into
    /// `/var/lib/apt/lists`. Unless they are removed in the same `RUN`, they stay in that
    /// layer for good (deleting them in a later `RUN` does not shrink the image), and they go
    /// stale anyway: a later `apt-get install` should run its own update.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u12 \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Differences from hadolint
    /// - Stage names are compared case-insensitively, as BuildKit does (it lowercases them):
    ///   `FROM Builder` uses the stage `AS builder`.
    /// - Scripts that hadolint only partly sees are checked: the `sh -c` script of an exec-form
    ///   `RUN ["sh", "-c", "..."]` (hadolint joins the elements into one unquoted line, so it
    ///   misses the script's first command) and a heredoc script fed to a shell,
    ///   `RUN bash <<EOF` (hadolint keeps only the text before `<<`).
    pub(crate) AptListsNotDeleted {
        code: "DL3009",
        name: "apt-lists-not-deleted",
        aliases: [],
        category: BestPractice,
        severity: Info,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// The image name as hadolint's parser reads it: without the registry (a first part holding a
/// `.` and ending at a `/`), the tag and the digest.
fn image_name(image: &str) -> &str {
    let mut rest = image;
    if let Some(dot) = image.find('.')
        && dot > 0
        && let Some(slash) = image[dot + 1..].find('/')
        && slash > 0
    {
        rest = &image[dot + 1 + slash + 1..];
    }
    let end = rest.find([':', '@']).unwrap_or(rest.len());
    &rest[..end]
}

/// What hadolint compares when it tests two `FROM`s for equality.
#[derive(PartialEq, Eq)]
struct FromKey<'a> {
    image: &'a str,
    alias: Option<&'a str>,
    platform: Option<&'a str>,
}

fn from_key<'a>(model: &'a Model, stage: &'a Stage) -> FromKey<'a> {
    FromKey {
        image: stage.image.as_ref().map_or("", |w| w.text.as_str()),
        alias: stage.name.as_ref().map(|n| n.lower.as_str()),
        platform: model
            .instruction(stage.from)
            .flag("platform")
            .and_then(|f| f.value.as_deref()),
    }
}

/// The range and name of the first `apt-get update` when the RUN leaves the lists behind.
fn forgotten_cleanup<'a>(model: &Model, run: &Run<'a>) -> Option<(TextRange, &'a str)> {
    let update = run
        .commands()
        .find(|c| c.has_any_arg(&["apt-get", "apt", "aptitude"], &["update"]))?;
    if run
        .commands()
        .any(|c| c.has_any_arg(&["rm"], &["-rf", "/var/lib/apt/lists/*"]))
    {
        return None;
    }
    let mounted = |path: &str| has_cache_mount(model, run.instruction, path);
    if mounted("/var/lib/apt/lists") || (mounted("/var/lib/apt") && mounted("/var/cache/apt")) {
        return None;
    }
    let name = update.name_word()?;
    let word = update.args.iter().find(|w| w.value == "update")?;
    Some((name.range.cover(word.range), update.name()))
}

impl Rule for AptListsNotDeleted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn locality(&self) -> Locality {
        Locality::Stage
    }

    /// Whether a stage ends up in an image depends on every `FROM`: their keys.
    fn outside(&self, model: &Model) -> Option<Vec<u8>> {
        let mut outside = Outside::default();
        for stage in model.stages() {
            let key = from_key(model, stage);
            outside.text(key.image).maybe(key.alias).maybe(key.platform);
        }
        outside.done()
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        let stages = model.stages();
        // Each stage's key and the images stages are built from, listed at the first finding.
        let mut tables: Option<(Vec<FromKey>, Vec<String>)> = None;
        for run in runs(ctx) {
            let Some((range, tool)) = forgotten_cleanup(model, &run) else {
                continue;
            };
            let (keys, used_as_image) = tables.get_or_insert_with(|| {
                let keys = stages.iter().map(|s| from_key(model, s)).collect();
                let used_as_image = stages
                    .iter()
                    .filter_map(|s| s.image.as_ref())
                    .map(|w| image_name(&w.text).to_lowercase())
                    .collect();
                (keys, used_as_image)
            });
            let reported = if run.onbuild {
                true
            } else {
                match model.stage_of(run.index) {
                    // hadolint pretends a file without FROM starts with `FROM scratch`.
                    None => keys.last().is_none_or(|last| {
                        *last
                            == FromKey {
                                image: "scratch",
                                alias: None,
                                platform: None,
                            }
                    }),
                    Some(stage) => {
                        keys.last() == Some(&keys[stage])
                            || keys[stage]
                                .alias
                                .is_some_and(|alias| used_as_image.iter().any(|u| u == alias))
                    }
                }
            };
            if !reported {
                continue;
            }
            ctx.report(range, format!("`{tool} update` leaves the package lists in the image"))
                .help("delete them in the same RUN with `&& rm -rf /var/lib/apt/lists/*`, or keep them out of the image with `--mount=type=cache,target=/var/lib/apt/lists`");
        }
    }
}
