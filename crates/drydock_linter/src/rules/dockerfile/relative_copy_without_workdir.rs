use foldhash::{HashMap, HashMapExt};

use drydock_dockerfile::image::ImageRef;
use drydock_dockerfile::{Args, InstructionKind};

use crate::declare_rule;
use crate::rule::{DockerfileContext, Rule, RuleMeta};
use crate::rules::dockerfile::untagged_base_image::HlImage;

declare_rule! {
    /// ## What it does
    /// Reports a `COPY` to a relative destination in a stage where no `WORKDIR` has been set.
    /// After removing surrounding quotes, a destination starting with `/`, with a variable
    /// (`$APP_HOME/`) or with a Windows drive (`C:\app`) is absolute; anything else
    /// (`COPY . .`, `COPY app.py app/`) is relative.
    ///
    /// A stage has a `WORKDIR` once one of its instructions sets it, or when it is built on a
    /// stage that had one (`FROM build AS test`, also through several stages). As in hadolint,
    /// a stage is identified by its name, or, without one, by its image name (without registry,
    /// tag or digest), so two unnamed stages on the same image share their `WORKDIR` state, and
    /// a named stage inherits the state of an earlier stage with its image name.
    /// `ADD` is not checked, and `ONBUILD COPY` and `ONBUILD WORKDIR` are ignored.
    ///
    /// ## Why is this bad?
    /// A relative destination is resolved against the working directory, which then comes from
    /// the base image: it may be `/`, and it changes when the base image changes. Set it with
    /// `WORKDIR` or use an absolute destination.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22-slim
    /// COPY package.json .
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22-slim
    /// WORKDIR /app
    /// COPY package.json .
    /// ```
    ///
    /// ## Differences from hadolint
    /// Stage names are compared case-insensitively, as BuildKit lowercases them
    /// (`FROM base AS Build` then `FROM build` inherits the `WORKDIR` of `Build`).
    pub(crate) RelativeCopyWithoutWorkdir {
        code: "DL3045",
        name: "relative-copy-without-workdir",
        aliases: [],
        category: BestPractice,
        severity: Warning,
        default_enabled: true,
        fix: None,
        target: Dockerfile,
    }
}

/// A stage's identity: its lowercased name or image name; `None` before the first `FROM`.
type StageKey = Option<String>;

/// Whether a destination (as written) is absolute in hadolint's sense.
fn is_absolute(dest: &str) -> bool {
    let dest = dest.trim_matches(['"', '\'']);
    let mut chars = dest.chars();
    dest.starts_with('/')
        || dest.starts_with('$')
        || matches!((chars.next(), chars.next()), (Some(d), Some(':')) if d.is_alphabetic())
}

/// The name identifying a stage without alias: its image name as hadolint's parser reads it.
fn image_name(text: &str) -> String {
    match HlImage::parse(text) {
        Some(image) => image.name(text).to_lowercase(),
        None => ImageRef::parse(text).repository().to_lowercase(),
    }
}

impl Rule for RelativeCopyWithoutWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, ctx: &mut DockerfileContext<'_>) {
        let model = ctx.model;
        // `None` until the first FROM or WORKDIR; then the current stage's key (`None` for
        // instructions before the first FROM) and whether each stage key has a WORKDIR.
        let mut state: Option<(StageKey, HashMap<StageKey, bool>)> = None;
        for (index, instruction) in model.instructions() {
            match instruction.kind {
                InstructionKind::From => {
                    let Some(stage) = model.stage_of(index).map(|s| &model.stages()[s]) else {
                        continue;
                    };
                    let image = stage
                        .image
                        .as_ref()
                        .map_or_else(String::new, |w| image_name(&w.text));
                    let key = stage
                        .name
                        .as_ref()
                        .map_or_else(|| image.clone(), |n| n.lower.clone());
                    state = Some(match state.take() {
                        None => (Some(key), HashMap::new()),
                        Some((_, mut map)) => {
                            let parent = map.get(&Some(image)).copied().unwrap_or(false);
                            map.insert(Some(key.clone()), parent);
                            (Some(key), map)
                        }
                    });
                }
                InstructionKind::Workdir => match &mut state {
                    None => state = Some((None, [(None, true)].into_iter().collect())),
                    Some((current, map)) => {
                        map.insert(current.clone(), true);
                    }
                },
                InstructionKind::Copy => {
                    if let Some((current, map)) = &state
                        && map.get(current).copied() == Some(true)
                    {
                        continue;
                    }
                    let Args::Paths(paths) = &instruction.args else {
                        continue;
                    };
                    let Some(dest) = paths.items.last() else {
                        continue;
                    };
                    if paths.items.len() < 2 || is_absolute(&dest.text) {
                        continue;
                    }
                    ctx.report(
                        dest.range,
                        format!(
                            "`COPY` to the relative destination `{}` without a `WORKDIR`",
                            dest.text
                        ),
                    )
                    .help("set `WORKDIR` first, or copy to an absolute path");
                }
                _ => {}
            }
        }
    }
}
