use std::path::{Path, PathBuf};
use std::sync::Arc;

use drydock_compose::model::{self, Text};
use drydock_compose::project::Service;
use drydock_compose::tree::{Origin, Value};
use drydock_dockerfile::lex::{Env, Lexer, VarValue};
use drydock_dockerfile::model::{Base, Model, Scope};
use drydock_dockerfile::{Args, SourceText, TextRange, TextSize};

use crate::compose::{ComposeContext, build_target};
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::rule::{Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a service that sets no `user:` and builds an image whose Dockerfile leaves it
    /// running as root: no `USER` at all, or a last `USER` that is root.
    ///
    /// drydock reads the service's build Dockerfile (`build.context` joined with
    /// `build.dockerfile`, default `Dockerfile`, relative to the compose file that declares
    /// `build`; or the text of `build.dockerfile_inline`), takes the stage `build.target` names (by
    /// name, any case, or by index) or else the last stage, and follows `FROM <earlier stage>` to
    /// find the `USER` in effect at its end. The service is reported when:
    ///
    /// - no `USER` is set in that chain of stages: the container runs as the base image's
    ///   default user, almost always root. The label points at the stage's `FROM`. When the
    ///   base image is one another service of the project builds (`image: example/base` with
    ///   `build:`; `nginx` and `docker.io/library/nginx:latest` count as the same name), that
    ///   service's Dockerfile is read the same way, and a non-root user there silences the
    ///   finding;
    /// - the last `USER` is root: `root`, `0` (or `00`), `root:<group>`, `0:<group>`. The label
    ///   points at that `USER`.
    ///
    /// `USER` values are expanded like BuildKit does, with the `ARG` defaults of the
    /// Dockerfile overridden by the service's `build.args` (`USER ${APP_USER}` with
    /// `build.args: {APP_USER: root}` is root). The finding points at the service's name in the
    /// first file that declares it, so a `user:` added by an override file, `extends` or a
    /// merge key silences it.
    ///
    /// Not reported: a service with any `user:` value (CMP020 judges `user: root`); a value,
    /// build context, Dockerfile, target or `USER` that depends on a variable drydock cannot
    /// resolve; a Dockerfile drydock cannot read (a remote context, a missing file, a file
    /// outside the project root); a `build.target` the Dockerfile does not have; a Windows base
    /// image; a base image whose tag says `nonroot` (distroless `:nonroot`), which sets a
    /// non-root user itself.
    ///
    /// ## Why is this bad?
    /// A process running as root in a container is one kernel or runtime bug away from root on
    /// the host, and it can change everything in the image's file system. The CIS Docker
    /// Benchmark (4.1) asks for a non-root user in every container. Compose files often leave
    /// the user to the image, and the image's Dockerfile never sets one: neither file looks
    /// wrong on its own, which is why this rule reads both.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build: .   # its Dockerfile has no USER
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     build: .
    ///     user: "10001:10001"
    /// ```
    ///
    /// ## Notes
    /// Services that only name an `image:` are not reported: drydock does not pull images, so it
    /// cannot see their user, and reporting every such service would mostly be noise. Use
    /// CMP020 and `user:` for those.
    pub(crate) UserUnsetImageRoot {
        code: "CMP021",
        name: "user-unset-image-root",
        aliases: [],
        category: Security,
        severity: Warning,
        default_enabled: false,
        fix: None,
        target: Compose,
    }
}

/// Where a build Dockerfile is, for labels.
pub(super) enum Place {
    /// A file, relative to the project folder.
    File(PathBuf),
    /// `build.dockerfile_inline`: the value and its text.
    Inline {
        /// Where the value is.
        origin: Origin,
        /// The Dockerfile text.
        text: String,
    },
}

/// The Dockerfile stage a service's image is built from.
pub(super) struct BuildStage<'a> {
    /// The parsed Dockerfile.
    pub(super) model: Arc<Model>,
    /// The stage (`build.target`, or the last one).
    pub(super) stage: usize,
    /// Whether `build.target` chose it.
    pub(super) targeted: bool,
    /// Where the Dockerfile is.
    pub(super) place: Place,
    /// `build.args`.
    pub(super) args: Option<&'a Value>,
}

/// What can be known about a service's build.
pub(super) enum Build<'a> {
    /// No `build`.
    None,
    /// A build setting depends on a variable drydock cannot resolve.
    Unresolved,
    /// The Dockerfile cannot be read (a remote context, a missing file, a file outside the
    /// project root), is empty, or lacks the `build.target` stage.
    Unreadable,
    /// The stage the image is built from.
    Stage(BuildStage<'a>),
}

fn unknown(value: Option<&Value>) -> bool {
    value.and_then(Text::of).is_some_and(|t| t.unknown)
}

/// The Dockerfile stage `service` builds.
pub(super) fn build_stage<'a>(ctx: &ComposeContext<'_>, service: &'a Service) -> Build<'a> {
    let Some(build) = service.value().get("build") else {
        return Build::None;
    };
    if unknown(Some(build))
        || ["context", "dockerfile", "target", "dockerfile_inline"]
            .iter()
            .any(|k| unknown(build.get(k)))
    {
        return Build::Unresolved;
    }
    let (model, place) = if let Some(inline) = build.get("dockerfile_inline").and_then(Text::of) {
        let file = drydock_dockerfile::parse(SourceText::from_string(inline.text.to_owned()));
        (
            Arc::new(Model::new(file)),
            Place::Inline {
                origin: inline.value.origin,
                text: inline.text.to_owned(),
            },
        )
    } else {
        let Some((path, model)) = ctx.build_dockerfile(service) else {
            return Build::Unreadable;
        };
        let relative = path
            .strip_prefix(&ctx.project.dir)
            .map_or_else(|_| path.clone(), Path::to_owned);
        (model, Place::File(relative))
    };
    let target = build_target(service);
    let stage = match target {
        Some(target) => model.stage_by_ref(target),
        None => model.final_stage(),
    };
    let Some(stage) = stage.map(|s| s.index) else {
        return Build::Unreadable;
    };
    Build::Stage(BuildStage {
        model,
        stage,
        targeted: target.is_some(),
        place,
        args: build.get("args"),
    })
}

/// A label in the build Dockerfile (or at `dockerfile_inline`): `(file when not the service's
/// file, range, message)`.
pub(super) struct BuildLabel {
    file: Option<PathBuf>,
    range: TextRange,
    message: String,
}

impl BuildLabel {
    /// A label at `range` of the Dockerfile (ignored for an inline Dockerfile, which is labelled
    /// as a whole).
    pub(super) fn new(
        ctx: &ComposeContext<'_>,
        service: &Service,
        place: &Place,
        range: TextRange,
        message: String,
    ) -> Self {
        match place {
            Place::File(path) => Self {
                file: Some(path.clone()),
                range,
                message,
            },
            Place::Inline { origin, text } => Self {
                file: (origin.file != service.key.file).then(|| ctx.relative(origin.file)),
                range: inline_range(ctx.text(origin.file), *origin, text, range),
                message: format!("{message} (inline Dockerfile)"),
            },
        }
    }

    /// Adds the label to `d`.
    pub(super) fn add(self, d: &mut Diagnostic) {
        match self.file {
            Some(file) => d.label_in(file, self.range, self.message),
            None => d.label(self.range, self.message),
        };
    }
}

/// Maps `range` of an inline Dockerfile's `text` to the compose file: the same one-line snippet,
/// found as often before it, inside the `dockerfile_inline` value at `origin` (a block scalar
/// keeps each line intact). Falls back to the value's first line.
fn inline_range(compose: &str, origin: Origin, text: &str, range: TextRange) -> TextRange {
    let written = &compose[origin.range];
    let first_line = written.find('\n').unwrap_or(written.len());
    let fallback = TextRange::at(
        origin.range.start(),
        TextSize::from(u32::try_from(first_line).unwrap_or(0)),
    );
    let snippet = &text[range];
    if snippet.is_empty() || snippet.contains('\n') {
        return fallback;
    }
    let nth = text[..usize::from(range.start())].matches(snippet).count();
    match written.match_indices(snippet).nth(nth) {
        Some((at, _)) => TextRange::at(
            origin.range.start() + TextSize::from(u32::try_from(at).unwrap_or(0)),
            TextSize::from(u32::try_from(snippet.len()).unwrap_or(0)),
        ),
        None => fallback,
    }
}

/// `the final stage` / `stage `name``, for messages.
pub(super) fn stage_name(build: &BuildStage<'_>) -> String {
    let stage = &build.model.stages()[build.stage];
    match (&stage.name, build.targeted) {
        (Some(name), true) => format!("target stage `{}`", name.text),
        (None, true) => format!("target stage {}", stage.index),
        (_, false) => "final stage".to_owned(),
    }
}

/// The stage's scope with `build.args` overriding `ARG` values.
struct WithArgs<'a> {
    scope: &'a Scope,
    args: &'a [(String, Option<String>)],
}

impl Env for WithArgs<'_> {
    fn lookup(&self, name: &str) -> Option<VarValue<'_>> {
        let declared_arg = self.scope.get(name).is_some_and(|v| !v.env);
        match self.args.iter().rev().find(|(k, _)| k == name) {
            Some((_, Some(value))) if declared_arg => Some(VarValue::Set(value)),
            Some((_, None)) if declared_arg => Some(VarValue::Unknown),
            _ => self.scope.lookup(name),
        }
    }
}

/// Whether a `USER` value names root.
fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default().trim();
    name == "root"
        || (!name.is_empty()
            && name.bytes().all(|b| b.is_ascii_digit())
            && name.bytes().all(|b| b == b'0'))
}

/// The user the stage ends with, as `(USER instruction, value)`; `None` inside when no USER is
/// set; `Err(())` when it cannot be known.
fn final_user(build: &BuildStage<'_>) -> Result<Option<(usize, String)>, ()> {
    let model = &build.model;
    let Some((_, index)) = model.effective_user(build.stage) else {
        return Ok(None);
    };
    let Args::Text(word) = &model.instruction(index).args else {
        return Err(());
    };
    // `build.args` (known values, `None` for a pass-through `KEY`).
    let mut args: Vec<(String, Option<String>)> = Vec::new();
    for kv in build.args.map(model::key_values).unwrap_or_default() {
        args.push((
            kv.key.to_owned(),
            if kv.unknown { None } else { kv.value.clone() },
        ));
    }
    let env = WithArgs {
        scope: model.scope(index),
        args: &args,
    };
    let expansion = Lexer::new(model.file().escape())
        .process_word(&word.text, &env)
        .map_err(|_| ())?;
    if expansion.unknown {
        return Err(());
    }
    Ok(Some((index, expansion.result)))
}

/// What the image a service builds runs as.
enum Verdict {
    /// A non-root user, or something drydock cannot know: stay silent.
    Silent,
    /// No USER in the stage chain: `(range of the stage's FROM image)`.
    NoUser(TextRange),
    /// The last USER is root: `(range of its value, the value)`.
    Root(TextRange, String),
}

/// `nginx` and `docker.io/library/nginx:latest` name the same image.
fn normalize_image(reference: &str) -> String {
    let name = reference.trim();
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') || name.contains('@') {
        name.to_owned()
    } else {
        format!("{name}:latest")
    }
}

/// The service of the project that builds the image `reference`, if any.
fn builder_of<'a>(ctx: &ComposeContext<'a>, reference: &str, except: &str) -> Option<&'a Service> {
    let wanted = normalize_image(reference);
    ctx.services().find(|s| {
        s.name != except
            && s.value().get("build").is_some()
            && s.value()
                .get("image")
                .and_then(Text::of)
                .is_some_and(|t| !t.unknown && normalize_image(t.text) == wanted)
    })
}

/// What the stage `build` ends as; `depth` bounds following base images built by other
/// services of the project.
fn verdict(
    ctx: &ComposeContext<'_>,
    service: &Service,
    build: &BuildStage<'_>,
    depth: usize,
) -> Verdict {
    let model = &build.model;
    let chain: Vec<_> = model.ancestry(build.stage).collect();
    if chain.iter().any(|s| s.windows) {
        return Verdict::Silent;
    }
    match final_user(build) {
        Err(()) => Verdict::Silent,
        Ok(Some((index, value))) if is_root(&value) => {
            let range = match &model.instruction(index).args {
                Args::Text(word) => word.range,
                _ => model.instruction(index).range,
            };
            Verdict::Root(range, value)
        }
        Ok(Some(_)) => Verdict::Silent,
        Ok(None) => {
            let first = chain.last().map_or(build.stage, |s| s.index);
            match &model.stages()[first].base {
                Base::Image { unknown: true, .. } | Base::Invalid => return Verdict::Silent,
                Base::Image { reference, .. } => {
                    if reference
                        .tag()
                        .is_some_and(|t| t.to_ascii_lowercase().contains("nonroot"))
                    {
                        return Verdict::Silent;
                    }
                    // A base image another service of the project builds: its user counts.
                    if let Some(base) = builder_of(ctx, &reference.text, &service.name) {
                        let Build::Stage(base_build) = build_stage(ctx, base) else {
                            return Verdict::Silent;
                        };
                        if depth >= 4
                            || matches!(verdict(ctx, base, &base_build, depth + 1), Verdict::Silent)
                        {
                            return Verdict::Silent;
                        }
                    }
                }
                Base::Scratch | Base::Stage(_) => {}
            }
            let stage = &model.stages()[build.stage];
            let from = model.instruction(stage.from);
            Verdict::NoUser(stage.image.as_ref().map_or(from.keyword.range, |w| w.range))
        }
    }
}

impl Rule for UserUnsetImageRoot {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, ctx: &mut ComposeContext<'_>) {
        for service in ctx.services() {
            // Any `user:` decides (an empty string or null leaves the image's user).
            let user_set = service.value().get("user").is_some_and(|u| {
                !u.is_null() && Text::of(u).is_none_or(|t| t.unknown || !t.text.trim().is_empty())
            });
            if user_set {
                continue;
            }
            let Build::Stage(build) = build_stage(ctx, service) else {
                continue;
            };
            let which = stage_name(&build);
            let name = &service.name;
            let (message, label, range) = match verdict(ctx, service, &build, 0) {
                Verdict::Silent => continue,
                Verdict::NoUser(range) => (
                    format!(
                        "service `{name}` sets no `user`, and the {which} of its Dockerfile sets no USER: it runs as the base image's default user, usually root"
                    ),
                    format!("the {which} sets no USER"),
                    range,
                ),
                Verdict::Root(range, value) => (
                    format!(
                        "service `{name}` sets no `user`, and the {which} of its Dockerfile ends with `USER {value}`: it runs as root"
                    ),
                    format!("the {which} ends with `USER {value}` here"),
                    range,
                ),
            };
            let label = BuildLabel::new(ctx, service, &build.place, range, label);
            let d = ctx.report_missing(service, message);
            d.help("set `user:` to a non-root UID (e.g. `user: \"10001:10001\"`), or end the Dockerfile stage with `USER <non-root uid>`");
            label.add(d);
        }
    }
}
